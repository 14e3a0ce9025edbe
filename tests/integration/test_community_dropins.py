"""Drop-ins: sessions, attendees recorded in seconds, introductions on the spot, who sees which
fields, the month view per location, and matching through linkage (decision 0042)."""

import datetime as dt
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from octopus.care.models import Referral
from octopus.community import linkage, services
from octopus.community.models import Attendee, Introduction, IntroductionStatus
from octopus.governance.models import AuditEvent
from octopus.residents.factories import make_resident
from tests.community_factories import library

pytestmark = pytest.mark.django_db
VALID_NHS = "9434765919"


def _named(place, **fields):
    values = {
        "given_name": "Maryam",
        "family_name": "Begum",
        "date_of_birth": dt.date(1968, 5, 2),
        "postcode": "w2 5ps",
        "needs": ["money:debt", "housing:damp_mould"],
        "consent_to_match": True,
    }
    values.update(fields)
    return services.record_attendee(place["session"], place["chww"], **values)


def test_session_venue_lsoa_is_the_nearest_lsoa_point(make_user):
    place = library(make_user)
    assert place["session"].lsoa_code == "E01004694"


def test_session_needs_staff_who_may_record(make_user):
    place = library(make_user)
    with pytest.raises(ValidationError) as error:
        services.create_session(
            place["planner"],
            location=place["location"],
            title="Drop-in",
            held_on=dt.date(2026, 11, 17),
            starts_at=dt.time(10),
            ends_at=dt.time(9),
            run_by=place["council"],
            staff=[place["analyst"]],
        )
    assert set(error.value.error_dict) == {"ends_at", "staff"}


def test_attendee_recorded_with_needs_and_normalised_postcode(make_user):
    place = library(make_user)
    attendee = _named(place)
    assert attendee.needs == {"housing": ["damp_mould"], "money": ["debt"]}
    assert attendee.postcode == "W2 5PS"
    assert AuditEvent.objects.filter(object_type="Attendee", object_id=str(attendee.pk), action="create").exists()


def test_anonymous_attendee_refuses_identifiers_and_matching(make_user):
    place = library(make_user)
    with pytest.raises(ValidationError) as error:
        services.record_attendee(
            place["session"], place["chww"], anonymous=True, given_name="Maryam", consent_to_match=True
        )
    assert set(error.value.error_dict) == {"anonymous", "consent_to_match"}
    assert not Attendee.objects.exists()
    anonymous = services.record_attendee(place["session"], place["chww"], anonymous=True, needs=["isolation:lonely"])
    assert anonymous.anonymous and anonymous.needs == {"isolation": ["lonely"]}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"nhs_number": "1234567890"}, "nhs_number"),
        ({"postcode": "not a postcode"}, "postcode"),
        ({"needs": ["money:lottery"]}, "needs"),
        ({"consent_to_match": True, "date_of_birth": None, "nhs_number": ""}, "consent_to_match"),
    ],
)
def test_bad_attendee_details_name_the_field_and_write_nothing(make_user, fields, field):
    place = library(make_user)
    with pytest.raises(ValidationError) as error:
        _named(place, **fields)
    assert field in error.value.error_dict
    assert not Attendee.objects.exists()


def test_only_staff_present_record_attendees(make_user):
    place = library(make_user)
    for outsider in ("absent", "planner", "analyst"):
        with pytest.raises(PermissionDenied):
            services.record_attendee(place["session"], place[outsider], anonymous=True)


def test_introduction_for_an_unmatched_attendee_and_its_progress(make_user):
    place = library(make_user)
    attendee = _named(place)
    made = services.introduce(
        attendee,
        place["vcse"],
        to_practitioner=place["fred"],
        need="money",
        shared_information="Behind on rent since March",
        attendee_agreed=True,
    )
    assert made.referral is None and made.status == IntroductionStatus.MADE and not made.completed
    services.set_status(made, place["chww"], IntroductionStatus.MET)
    assert Introduction.objects.get().completed
    with pytest.raises(ValidationError):
        services.set_status(made, place["chww"], IntroductionStatus.MADE)
    with pytest.raises(PermissionDenied):
        services.set_status(made, place["absent"], IntroductionStatus.COMPLETED)


def test_introduction_needs_agreement_and_a_recorded_need(make_user):
    place = library(make_user)
    attendee = _named(place)
    with pytest.raises(ValidationError) as error:
        services.introduce(
            attendee,
            place["chww"],
            to_practitioner=place["fred"],
            need="employment",
            shared_information="",
            attendee_agreed=False,
        )
    assert set(error.value.error_dict) == {"need", "shared_information", "attendee_agreed"}


def test_matched_attendee_is_introduced_through_the_referral_service(make_user):
    place = library(make_user)
    attendee = _named(place)
    attendee.resident = make_resident(given_name="Maryam", family_name="Begum")
    attendee.save()
    made = services.introduce(
        attendee,
        place["chww"],
        to_practitioner=place["fred"],
        need="money",
        shared_information="Behind on rent",
        attendee_agreed=True,
    )
    referral = Referral.objects.get()
    assert (
        made.referral == referral
        and referral.to_practitioner == place["fred"]
        and referral.resident == attendee.resident
    )


# --- who sees what -------------------------------------------------------------------------------


def _page(client, user, place):
    client.force_login(user)
    return client.get(reverse("community:session", args=[place["session"].pk]))


def test_staff_present_see_attendee_fields_and_the_view_is_audited(client, make_user):
    place = library(make_user)
    _named(place, nhs_number=VALID_NHS)
    response = _page(client, place["chww"], place)
    text = response.content.decode()
    assert response.status_code == 200
    for shown in ("Maryam Begum", "W2 5PS", VALID_NHS, "2 May 1968", "Debt or arrears", "Record an attendee"):
        assert shown in text
    assert AuditEvent.objects.filter(action="view", object_type="Session", user=place["chww"]).exists()


@pytest.mark.parametrize("who", ["absent", "planner", "analyst"])
def test_others_see_counts_without_identifying_fields(client, make_user, who):
    place = library(make_user)
    _named(place, nhs_number=VALID_NHS)
    services.record_attendee(place["session"], place["chww"], anonymous=True, needs=["isolation:lonely"])
    text = _page(client, place[who], place).content.decode()
    assert "2 (1 anonymous)" in text
    for hidden in ("Maryam", "Begum", "W2 5PS", VALID_NHS, "1968", "Record an attendee"):
        assert hidden not in text
    client.force_login(place[who])
    attendee = Attendee.objects.filter(anonymous=False).get()
    assert client.get(reverse("community:introduce", args=[place["session"].pk, attendee.pk])).status_code == 404
    assert client.post(reverse("community:session", args=[place["session"].pk]), {"anonymous": "on"}).status_code == 403


def test_drop_ins_are_not_open_to_roles_outside_outreach(client, make_user):
    place = library(make_user)
    clinician = make_user("clinician")
    assert _page(client, clinician, place).status_code == 404
    assert client.get(reverse("community:index")).status_code == 403


def test_recording_from_the_page(client, make_user):
    place = library(make_user)
    client.force_login(place["chww"])
    url = reverse("community:session", args=[place["session"].pk])
    response = client.post(url, {"anonymous": "on", "need_isolation": ["lonely"], "need_money": ["food"]})
    assert response.status_code == 302
    assert Attendee.objects.get().needs == {"isolation": ["lonely"], "money": ["food"]}
    response = client.post(url, {"nhs_number": "123"})
    assert "Enter the 10-digit NHS number" in response.content.decode()


def test_month_view_per_location_counts_sessions(client, make_user):
    place = library(make_user)
    _named(place)
    services.record_attendee(place["session"], place["chww"], anonymous=True, needs=["isolation:lonely"])
    client.force_login(place["planner"])
    response = client.get(reverse("community:location_month", args=[place["location"].pk]), {"month": "2026-11"})
    text = response.content.decode()
    assert "Money and housing drop-in" in text and "Maryam" not in text
    month_row = re.search(r'<th scope="row">Month</th>(.*?)</tr>', text, re.S).group(1)
    assert re.findall(r">(\d+)<", month_row) == [
        "2",
        "1",
        "3",
        "0",
        "0",
    ]  # attendees, anonymous, needs, introductions, completed
    empty = client.get(reverse("community:location_month", args=[place["location"].pk]), {"month": "2026-10"})
    assert "No drop-ins at Church Street Library this month." in empty.content.decode()


# --- matching later, by linkage ------------------------------------------------------------------


def test_only_attendees_who_agreed_go_to_linkage_and_come_back_matched(make_user, tmp_path):
    place = library(make_user)
    agreed = _named(place)
    _named(place, given_name="Sam", consent_to_match=False)
    services.record_attendee(place["session"], place["chww"], anonymous=True, needs=["isolation:lonely"])
    path, rows = linkage.export_for_linkage(tmp_path / "inbox", "CC-DROPINS")
    text = path.read_text()
    assert path.name.startswith("vcse_contacts__") and rows == 2  # one row per need domain: debt, housing
    assert "Maryam" in text and "Sam" not in text and f"DROPIN-{agreed.pk}" in text

    resident = make_resident(given_name="Maryam", family_name="Begum")
    linked = tmp_path / "linked"
    linked.mkdir()
    pq.write_table(
        pa.table(
            {
                "person_id": [resident.person_id, "P-ELSEWHERE"],
                "sender_code": ["CC-DROPINS", "RYJ"],
                "source_person_id": [f"DROPIN-{agreed.pk}", "H1"],
            }
        ),
        linked / "vcse_contacts.parquet",
    )
    report = linkage.match(linked, "CC-DROPINS")
    assert (report.matched, report.not_linked, report.not_resident) == (1, 0, 0)
    agreed.refresh_from_db()
    assert agreed.resident == resident
    assert AuditEvent.objects.filter(resident_id=resident.person_id, object_type="Attendee").exists()
