"""Journeys 3 and 4 in a browser, with axe on every page: generate the INC worklist, triage,
refuse a resident without a basis to be discussed (then record best interests and add them),
discuss two residents with actions, close the meeting, print the minutes, and find the actions in
the owners' inboxes. Then set up a huddle series from its page, plan and move its meetings, and
reach a resident's team messages from their record."""

import datetime as dt

import pytest
from django.utils import timezone

from octopus.care import services as care
from octopus.directory.models import Neighbourhood, Team
from octopus.governance.consent import record_consent
from octopus.meetings import demo as meetings_demo
from octopus.meetings import services
from octopus.meetings.models import MeetingSeries
from octopus.residents.factories import make_resident
from tests.browser.test_care_journeys import click_through, submit, switch_user, westminster  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def triage(browser_page, name, button):
    browser_page.page.locator("#worklist-table tr", has_text=name).get_by_role("button", name=button).click()
    browser_page.page.wait_for_load_state()
    browser_page.check_accessibility()


def test_inc_worklist_to_inbox(browser_page, westminster):  # noqa: F811
    series = meetings_demo.seed(westminster)[0]
    meetings_demo.seed(westminster)  # safe to run twice
    assert MeetingSeries.objects.count() == 3
    practice = series.pcn.practices.first().ods_code if series.pcn_id else "E87711"
    ada = make_resident(
        given_name="Ada", family_name="Lovelace", practice_ods_code=practice, flags={"ae_attendances": 4}
    )
    make_resident(
        given_name="Bob", family_name="Marley", practice_ods_code=practice, flags={"current_inpatient": True}
    )  # no consent
    cy = make_resident(
        given_name="Cy", family_name="Twombly", practice_ods_code=practice, flags={"discharged_last_14_days": True}
    )
    for resident in (ada, cy):
        record_consent(actor=None, resident=resident, kind="discuss_at_mdt", status="given")
    meeting = series.meetings.get()
    services.confirm_confidentiality(series, westminster["matron"])
    page = browser_page.page

    browser_page.sign_in("gp")
    browser_page.goto("/meetings/")
    click_through(browser_page, series.name)
    submit(browser_page, "I agree to keep the discussion confidential")
    browser_page.goto(f"/meetings/{meeting.pk}/")
    submit(browser_page, "Generate the worklist")
    table = page.locator("#worklist-table")
    assert "4 A&E attendances in 12 months" in table.inner_text()
    assert "In hospital now" in table.inner_text()

    triage(browser_page, "Ada Lovelace", "Add to agenda")
    triage(browser_page, "Bob Marley", "Add to agenda")  # refused: no consent recorded
    assert "No consent to be discussed is recorded for Bob Marley" in page.locator("#consent-reason").inner_text()
    page.locator("input[name=basis][value=best_interests]").check()
    page.get_by_label("Rationale").fill("Delirium on the ward; lacks capacity to decide about discussion")
    page.get_by_label("Name and role of the person who decided").fill("Lucia Reyes, community matron")
    submit(browser_page, "Record the decision and add to the agenda")
    page.locator("#worklist-table tr", has_text="Cy Twombly").get_by_label("Reason, if not this week").fill(
        "Seen by rapid response yesterday"
    )
    triage(browser_page, "Cy Twombly", "Carry over")
    assert page.locator("#agenda-list li").count() == 2

    submit(browser_page, "Publish the agenda and start")
    page.get_by_label("Record attendance of").select_option(label="Lucia Reyes, Community matron")
    submit(browser_page, "Record attendance")
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    for name, owner, action in (
        ("Ada Lovelace", "Lucia Reyes, Community matron", "Falls assessment at home"),
        ("Bob Marley", "Adaeze Okafor, GP partner", "Call the ward about discharge"),
    ):
        click_through(browser_page, name)
        page.get_by_label("Action", exact=True).fill(action)
        page.get_by_label("Owner").select_option(label=owner)
        page.get_by_label("Due").fill(due)
        submit(browser_page, "Add action")
        assert action in page.locator("#actions").inner_text()
        page.get_by_label("Discussion summary").fill(f"Discussed {name}")
        page.get_by_label("Step up or down").select_option("complex")
        page.get_by_label("Reason for the change of tier").fill("Agreed at the INC")
        submit(browser_page, "Save the discussion")
    page.once("dialog", lambda dialog: dialog.accept())
    submit(browser_page, "Close the meeting")
    assert "Minutes" in page.locator("h1").inner_text()
    page.emulate_media(media="print")
    assert "information" in page.locator(".octopus-print-footer").inner_text()
    assert page.locator(".octopus-print-footer").is_visible()
    for chrome in (".nhsuk-header", ".nhsuk-footer", ".octopus-message", ".octopus-no-print"):
        assert not page.locator(chrome).first.is_visible(), f"{chrome} would be printed"
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.emulate_media(media="screen")

    browser_page.goto(f"/meetings/series/{series.pk}/review/")
    assert page.locator("#regression-to-the-mean").is_visible()

    browser_page.goto("/caseload/inbox/")
    assert "Call the ward about discharge" in page.locator("#tasks").inner_text()
    switch_user(browser_page, "matron")
    browser_page.goto("/caseload/inbox/")
    assert "Falls assessment at home" in page.locator("#tasks").inner_text()


def test_set_up_a_huddle_plan_its_meetings_and_move_them(browser_page, westminster):  # noqa: F811
    neighbourhood = Neighbourhood.objects.get(slug="westminster")
    team = Team.objects.get(name="Westminster INT Core Team")
    gp = westminster["gp"]
    page = browser_page.page

    browser_page.sign_in("coordinator")
    browser_page.goto("/meetings/")
    click_through(browser_page, "Set up a meeting series")
    submit(browser_page, "Set up the series")  # nothing filled in
    assert "There is a problem" in page.locator(".nhsuk-error-summary").inner_text()
    assert "Enter a name for the series." in page.locator(".nhsuk-error-summary").inner_text()

    page.get_by_label("Name", exact=True).fill("Church Street complex care huddle")
    page.get_by_label("Huddle").check()
    page.get_by_label("Residents").select_option(f"neighbourhood:{neighbourhood.pk}")
    page.get_by_label("Owning team").select_option(str(team.pk))
    page.get_by_label("Worklist rules").select_option("huddle")
    page.get_by_label("Tuesday").check()
    page.get_by_label("Friday").check()
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("Length in minutes").fill("30")
    page.get_by_label("Every week").check()
    page.get_by_label("Locations").fill("Church Street Practice\nVideo call")
    page.get_by_label("Core member 1", exact=True).select_option(str(gp.pk))
    page.get_by_label("Role of core member 1").fill("GP lead")
    page.get_by_label("Add meetings from the timetable for").select_option("4")
    submit(browser_page, "Set up the series")

    series = MeetingSeries.objects.get(name="Church Street complex care huddle")
    assert "Tuesdays and Fridays, 09:00–09:30" in page.locator("dl").inner_text()
    assert "GP lead" in page.get_by_text("GP lead").inner_text()
    planned = series.meetings.count()
    assert 7 <= planned <= 8  # Tuesdays and Fridays for four weeks, less today's if it has passed
    assert {m.location for m in series.meetings.all()} == {"Church Street Practice", "Video call"}

    switch_user(browser_page, "gp")  # a core member who runs meetings may change it
    browser_page.goto(f"/meetings/series/{series.pk}/")
    page.get_by_role("link", name="Change the series").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    page.get_by_label("Friday").uncheck()
    submit(browser_page, "Save the series")
    assert "Tuesdays, 09:00–09:30" in page.locator("dl").inner_text()
    assert all(m.starts_at.weekday() == 1 for m in series.meetings.all())  # the empty Friday meetings moved off
    page.get_by_label("Add meetings from the timetable for").select_option("8")
    submit(browser_page, "Add meetings from the timetable")
    assert series.meetings.count() >= 7


def test_team_messages_are_reached_from_the_record(browser_page, westminster):  # noqa: F811
    gp = westminster["gp"]
    mary = make_resident(given_name="Mary", family_name="Seacole")
    care.open_case(mary, gp.memberships.first().team, gp, source="search", holder=gp)
    page = browser_page.page

    browser_page.sign_in("gp")
    browser_page.goto(f"/residents/{mary.person_id}/")
    assert "No messages from the team yet." in page.locator("#team-messages + p").inner_text()
    click_through(browser_page, "Read and write team messages about Mary")
    page.get_by_label("Message").fill("@matron can you visit Mary this week?")
    submit(browser_page, "Send")
    assert "can you visit Mary this week?" in page.locator("#thread").inner_text()
    browser_page.goto(f"/residents/{mary.person_id}/")
    assert "1 message from the team" in page.locator("#team-messages + p").inner_text()
