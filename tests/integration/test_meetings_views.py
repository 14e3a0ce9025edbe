"""Meeting pages: who may see worklists and agendas, and what is audited."""

import datetime as dt

import pytest
from django.urls import reverse

from octopus.governance.models import AuditEvent
from octopus.meetings import services
from octopus.residents.factories import make_resident
from tests.meetings_factories import make_series, with_limits

pytestmark = pytest.mark.django_db


@pytest.fixture
def inc(make_user):
    world = make_series(make_user)
    world["resident"] = make_resident(flags={"current_inpatient": True})
    services.generate_worklist(world["meeting"])
    return world


def test_worklist_page_refused_to_non_members(client, make_user, inc):
    client.force_login(make_user("clinician", username="outsider"))
    response = client.get(reverse("meetings:meeting", args=[inc["meeting"].pk]))
    assert response.status_code == 403


def test_worklist_page_needs_the_confidentiality_agreement(client, inc):
    client.force_login(inc["gp"])
    url = reverse("meetings:meeting", args=[inc["meeting"].pk])
    assert client.get(url).status_code == 403
    client.post(reverse("meetings:confidentiality", args=[inc["series"].pk]))
    response = client.get(url)
    assert response.status_code == 200
    assert "In hospital now" in response.content.decode()
    assert (
        AuditEvent.objects.filter(user=inc["gp"], summary__startswith="Confirmed the confidentiality agreement").count()
        == 1
    )
    assert (
        AuditEvent.objects.filter(user=inc["gp"], action="view", summary__startswith="Viewed the worklist").count() == 1
    )


def test_triage_needs_run_meetings(client, make_user, inc):
    prescriber = make_user("social_prescriber", team=inc["team"], username="sp")
    services.confirm_confidentiality(inc["series"], prescriber)
    client.force_login(prescriber)
    entry = inc["meeting"].entries.get()
    assert client.get(reverse("meetings:meeting", args=[inc["meeting"].pk])).status_code == 200
    assert client.post(reverse("meetings:triage", args=[entry.pk]), {"decision": "agenda"}).status_code == 403


def test_triage_without_consent_redirects_to_the_decision_form(client, inc):
    services.confirm_confidentiality(inc["series"], inc["gp"])
    client.force_login(inc["gp"])
    entry = inc["meeting"].entries.get()
    response = client.post(reverse("meetings:triage", args=[entry.pk]), {"decision": "agenda"})
    assert response["Location"] == reverse("meetings:consent", args=[entry.pk])
    page = client.get(response["Location"]).content.decode()
    assert f"No consent to be discussed is recorded for {inc['resident'].name}" in page


def test_live_agenda_polling_is_audited_once(client, inc):
    services.confirm_confidentiality(inc["series"], inc["gp"])
    client.force_login(inc["gp"])
    url = reverse("meetings:live_agenda", args=[inc["meeting"].pk])
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(user=inc["gp"], path=url).count() == 1


def test_worklist_page_says_how_many_more_each_limit_left_off(client, inc, monkeypatch):
    with_limits(monkeypatch, frequent_ae=1)
    for n in (3, 4, 5):
        make_resident(flags={"ae_attendances": n})
    services.generate_worklist(inc["meeting"])
    services.confirm_confidentiality(inc["series"], inc["gp"])
    client.force_login(inc["gp"])

    page = client.get(reverse("meetings:meeting", args=[inc["meeting"].pk])).content.decode()

    assert "Frequent A&amp;E attender: 2 more (lists 1, highest figure first)" in page
    assert "5 A&amp;E attendances in 12 months" in page


def test_worklist_page_flags_residents_put_off_too_often_to_the_chair(client, inc):
    meeting = inc["meeting"]
    for _ in range(3):
        services.not_this_week(meeting.entries.get(resident=inc["resident"]), inc["gp"], "Out of time", carry_over=True)
        meeting = services.schedule_meeting(inc["series"], None, meeting.starts_at + dt.timedelta(days=7))
        services.generate_worklist(meeting)
    services.confirm_confidentiality(inc["series"], inc["gp"])
    client.force_login(inc["gp"])

    page = client.get(reverse("meetings:meeting", args=[meeting.pk])).content.decode()

    assert "For the chair: put off more than 2 times" in page
    assert f"{inc['resident'].name}: 3 times" in page
    assert "Put off 3 times" in page


def on_caseload(user, resident):
    from octopus.care import services as care

    care.open_case(resident, user.memberships.get().team, user, source="search")


def test_record_page_links_to_the_team_messages(client, make_user):
    nurse, resident = make_user("clinician", username="nurse-thread"), make_resident(given_name="Mary")
    on_caseload(nurse, resident)
    services.post_message(resident, nurse, "Visited today; the carer is struggling")
    client.force_login(nurse)

    page = client.get(reverse("residents:record", args=[resident.person_id])).content.decode()

    thread = reverse("meetings:thread", args=[resident.person_id])
    assert f'<a href="{thread}">Read and write team messages about Mary</a>' in page
    assert "1 message from the team, the latest from" in page
    assert "the carer is struggling" not in page  # the thread itself is read on its own, audited page
    assert client.get(thread).status_code == 200


def test_record_page_offers_no_thread_to_roles_that_cannot_open_it(client, make_user):
    chww, resident = make_user("chww", username="chww-thread"), make_resident()
    on_caseload(chww, resident)
    client.force_login(chww)

    page = client.get(reverse("residents:record", args=[resident.person_id])).content.decode()

    thread = reverse("meetings:thread", args=[resident.person_id])
    assert "Team messages" not in page and thread not in page
    assert client.get(thread).status_code == 403


def test_worklist_view_records_each_listed_resident_for_subject_access(client, inc):
    from octopus.governance.presenters import subject_access_rows

    services.confirm_confidentiality(inc["series"], inc["gp"])
    client.force_login(inc["gp"])
    assert client.get(reverse("meetings:meeting", args=[inc["meeting"].pk])).status_code == 200
    listed = AuditEvent.objects.filter(user=inc["gp"], summary__startswith="Listed on the worklist")
    assert list(listed.values_list("resident_id", flat=True)) == [inc["resident"].person_id]
    rows = subject_access_rows(inc["resident"].person_id)
    assert any(row.what.startswith("Listed on the worklist") for row in rows)


def test_record_summary_carries_the_residents_open_prevention_gaps():
    from octopus.meetings import presenters

    gaps = [
        {
            "programme": "flu_vaccination",
            "title": "Flu vaccination",
            "status": "never",
            "label": "None recorded",
            "due": "once each season",
        }
    ]
    resident = make_resident(prevention_gaps=gaps)
    assert presenters.record_summary(resident)["prevention_gaps"] == gaps
