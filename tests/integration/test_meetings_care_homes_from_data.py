"""The care-home register filled from the care-home feed and GP registrations at publish, and
each home's page: residents' risk, admissions and falls, and the enhanced-support checklist."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from octopus.directory.models import PCN, GPPractice, Organisation, Team
from octopus.governance.models import AuditEvent
from octopus.meetings import services
from octopus.meetings.care_home_presenters import home_checklist
from octopus.meetings.models import CareHome, CareHomeResident, SupportRecord
from octopus.population.testing import write_linked
from octopus.residents.factories import make_resident
from octopus.residents.models import ActivityEvent, ActivityKind

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 1)
HOME = {
    "care_home_cqc_location_id": "1-1234567890",
    "care_home_name": "Garside Care Home",
    "care_home_type": "nursing",
    "sender_code": "713",
    "source_record_id": "CH1",
}


def _feed(tmp_path, rows):
    return write_linked(
        tmp_path / "linked", {"persons": [{"person_id": r["person_id"]} for r in rows], "care_home_residents": rows}
    )


@pytest.fixture
def homes_world(make_user):
    pcn = PCN.objects.create(code="U12548", name="Regent Health PCN", sub_icb_code="W2U3Z", icb_code="QRV")
    practice = GPPractice.objects.create(ods_code="E87711", name="Church Street Practice", postcode="NW8 8EU", pcn=pcn)
    mary = make_resident(
        given_name="Mary",
        person_id="P1",
        practice_ods_code="E87711",
        registered=True,
        postcode="W9 2AA",
        risk_band="Very high",
        risk_centile=99.0,
        snapshot_as_of=AS_OF,
        flags={"emergency_admissions": 2},
    )
    john = make_resident(
        given_name="John", person_id="P2", practice_ods_code="E87711", registered=True, postcode="W9 2AA"
    )
    ada = make_resident(
        given_name="Ada", person_id="P3", practice_ods_code="E85001", registered=True, postcode="W2 1DX"
    )
    return {"practice": practice, "mary": mary, "john": john, "ada": ada}


def test_register_from_feed_adds_homes_with_practice_and_places_current_residents(tmp_path, homes_world):
    linked = _feed(
        tmp_path,
        [
            {**HOME, "person_id": "P1", "move_in_date": dt.date(2025, 3, 1), "move_out_date": None},
            {
                **HOME,
                "source_record_id": "CH2",
                "person_id": "P2",
                "move_in_date": dt.date(2025, 6, 1),
                "move_out_date": None,
            },
            {
                **HOME,
                "source_record_id": "CH3",
                "person_id": "P3",
                "move_in_date": dt.date(2024, 1, 1),
                "move_out_date": dt.date(2024, 6, 1),
            },
        ],
    )
    update = services.register_from_feed(linked, as_of=AS_OF)
    home = CareHome.objects.get()
    assert (home.name, home.kind, home.cqc_location_id, home.practice, home.postcode) == (
        "Garside Care Home",
        "nursing",
        "1-1234567890",
        homes_world["practice"],
        "W9 2AA",
    )
    placed = {
        (p.resident.person_id, p.moved_in_on, p.source) for p in CareHomeResident.objects.filter(left_on__isnull=True)
    }
    assert placed == {("P1", dt.date(2025, 3, 1), "feed"), ("P2", dt.date(2025, 6, 1), "feed")}
    assert (update.homes, update.homes_added, update.placements_added, update.placements_ended) == (1, 1, 2, 0)
    assert AuditEvent.objects.filter(summary=update.describe()).exists()


def test_register_from_feed_tells_apart_two_locations_with_the_same_name(tmp_path, homes_world):
    other = {**HOME, "care_home_cqc_location_id": "1-999", "source_record_id": "CH9"}
    linked = _feed(
        tmp_path,
        [
            {**HOME, "person_id": "P1", "move_in_date": dt.date(2025, 3, 1), "move_out_date": None},
            {**other, "person_id": "P3", "move_in_date": dt.date(2025, 6, 1), "move_out_date": None},
        ],
    )
    services.register_from_feed(linked, as_of=AS_OF)
    assert sorted(CareHome.objects.values_list("name", "cqc_location_id")) == [
        ("Garside Care Home", "1-1234567890"),
        ("Garside Care Home (CQC 1-999)", "1-999"),
    ]
    services.register_from_feed(linked, as_of=AS_OF)  # again: the same two homes, found by location
    assert CareHome.objects.count() == 2


def test_register_from_feed_again_ends_moves_out_and_keeps_hand_typed_placements(tmp_path, homes_world):
    typed = services.register_care_home(None, name="Garside Care Home", kind="residential")
    services.place_resident(typed, homes_world["ada"], None, moved_in_on=dt.date(2026, 1, 5))
    rows = [{**HOME, "person_id": "P1", "move_in_date": dt.date(2025, 3, 1), "move_out_date": None}]
    services.register_from_feed(_feed(tmp_path, rows), as_of=AS_OF)
    assert CareHome.objects.get().cqc_location_id == "1-1234567890"  # the typed-in home took the feed's id
    rows[0]["move_out_date"] = dt.date(2026, 10, 1)
    update = services.register_from_feed(_feed(tmp_path, rows), as_of=AS_OF)
    mary_stay = CareHomeResident.objects.get(resident=homes_world["mary"])
    assert mary_stay.left_on == dt.date(2026, 10, 1) and update.placements_ended == 1
    assert CareHomeResident.objects.get(resident=homes_world["ada"]).left_on is None  # typed in: left alone


def test_care_home_page_shows_risk_admissions_falls_and_who_did_what(client, tmp_path, homes_world, make_user):
    team = Team.objects.create(
        organisation=Organisation.objects.create(name="CLCH", heart="health"), name="Frailty", tier="consistent"
    )
    gp = make_user("clinician", team=team, username="drmuir", first_name="Alan", last_name="Muir")
    prescriber = make_user("social_prescriber", team=team, username="sp")
    from octopus.care import services as care

    services.register_from_feed(
        _feed(tmp_path, [{**HOME, "person_id": "P1", "move_in_date": dt.date(2025, 3, 1), "move_out_date": None}]),
        as_of=AS_OF,
    )
    home = CareHome.objects.get()
    care.open_case(homes_world["mary"], team, gp, source="search", holder=gp)
    for day, diagnosis in ((dt.date(2026, 5, 1), "W19X"), (dt.date(2026, 8, 1), "J189"), (dt.date(2024, 1, 1), "W10")):
        ActivityEvent.objects.create(
            resident=homes_world["mary"],
            occurred_on=day,
            kind=ActivityKind.ADMISSION,
            source_feed="apc_spells",
            source_key=f"x:{day}",
            summary="Emergency admission",
            detail={"primary_diagnosis": diagnosis},
        )
    services.record_support(
        home, gp, item="medicines_review", done_on=dt.date(2026, 10, 20), resident=homes_world["mary"]
    )
    services.record_support(home, gp, item="weekly_round", done_on=dt.date(2026, 10, 27), note="Video round")
    client.force_login(gp)
    page = client.get(reverse("meetings:care_home", args=[home.pk])).content.decode()
    assert "Very high, centile 99" in page
    row = page[page.index(">Mary ") : page.index("</tr>", page.index(">Mary "))]
    cells = [c.split(">", 1)[1].split("<", 1)[0].strip() for c in row.split("<td")[1:]]
    assert cells == ["Very high, centile 99", "2", "1", "20 October 2026 by Alan Muir", "Not recorded"]
    assert "27 October 2026 by Alan Muir (Video round)" in page
    client.force_login(prescriber)
    care.open_case(homes_world["mary"], team, prescriber, source="search", holder=prescriber)
    page = client.get(reverse("meetings:care_home", args=[home.pk])).content.decode()
    assert "Not shown (clinical detail)" in page and "centile 99" not in page


def test_record_support_per_resident_item_needs_a_resident_who_lives_there(homes_world, make_user):
    gp = make_user("clinician")
    home = services.register_care_home(
        None,
        name="Westmead",
        kind="residential",
        weekly_round="Tuesdays 10:00",
        frailty_nurse_contact="Frailty nurses, 020 7000 1234, 8am to 10pm",
    )
    checklist = {item.label: item.arrangement for item in home_checklist(home)}
    assert checklist == {
        "Named lead GP confirmed": "No lead GP named",
        "Weekly round held": "Tuesdays 10:00",
        "Frailty nurse contact confirmed": "Frailty nurses, 020 7000 1234, 8am to 10pm",
    }
    with pytest.raises(ValidationError, match="is done for one resident"):
        services.record_support(home, gp, item="acp_reviewed", done_on=dt.date(2026, 10, 1))
    with pytest.raises(ValidationError, match="does not live at Westmead"):
        services.record_support(
            home, gp, item="acp_reviewed", done_on=dt.date(2026, 10, 1), resident=homes_world["john"]
        )
    services.place_resident(home, homes_world["john"], gp, moved_in_on=dt.date(2026, 1, 1))
    record = services.record_support(
        home, gp, item="acp_reviewed", done_on=dt.date(2026, 10, 1), resident=homes_world["john"]
    )
    entry = AuditEvent.objects.get(summary="Advance care plan reviewed at Westmead on 2026-10-01")
    assert (entry.resident_id, entry.username, SupportRecord.objects.get().pk) == ("P2", gp.username, record.pk)
