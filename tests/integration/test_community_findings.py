"""What frontline staff find: the outreach and drop-in sources, and the dashboard's figures,
CSV and map under disclosure control."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from octopus.community import findings, services, sources
from octopus.community.findings import Finding
from octopus.outreach import services as outreach
from tests.community_factories import library
from tests.outreach_factories import church_street

pytestmark = pytest.mark.django_db
NOVEMBER, DECEMBER = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def test_drop_in_findings_carry_the_venue_lsoa_and_introductions_on_their_need(make_user):
    place = library(make_user)
    attendee = services.record_attendee(
        place["session"],
        place["chww"],
        given_name="Maryam",
        needs=["money:debt", "money:benefits_check", "isolation:lonely"],
    )
    services.introduce(
        attendee,
        place["chww"],
        to_practitioner=place["fred"],
        need="money",
        shared_information="Rent",
        attendee_agreed=True,
    )
    services.introduce(
        attendee, place["chww"], to_practitioner=place["fred"], shared_information="Rent", attendee_agreed=True
    )
    found = sorted(sources.drop_in_findings(NOVEMBER, DECEMBER), key=lambda f: (f.need, f.introductions))
    where = "Debt advice (Citizens Advice Westminster)"
    assert found == [
        Finding("Drop-ins", "E01004694", NOVEMBER, "", 1, 0, where),  # the introduction with no need
        Finding("Drop-ins", "E01004694", NOVEMBER, "isolation"),
        Finding("Drop-ins", "E01004694", NOVEMBER, "money"),
        Finding("Drop-ins", "E01004694", NOVEMBER, "money", 1, 0, where),
    ]
    assert list(sources.drop_in_findings(DECEMBER, dt.date(2027, 1, 1))) == []


@pytest.mark.clock
def test_outreach_findings_count_answers_at_the_household_lsoa(make_user):
    street = church_street(make_user)
    today = timezone.localdate()
    outreach.record_visit(
        street["first"],
        street["chww"],
        outcome="spoke",
        answers={"housing": ["damp_mould", "heating"], "isolation": ["lonely"]},
        consent_to_share=True,
        consent_to_introduce=True,
    )
    month = today.replace(day=1)
    found = list(sources.outreach_findings(month, (month + dt.timedelta(days=32)).replace(day=1)))
    lsoa = street["first"].household.lsoa_code
    assert sorted(f.need for f in found) == ["housing", "housing", "isolation"]
    assert {f.lsoa_code for f in found} == {lsoa} and {f.month for f in found} == {month}


def test_both_sources_are_registered_when_the_app_starts():
    assert {sources.outreach_findings, sources.drop_in_findings} <= set(findings.sources())


def _many(source, need, count, lsoa="E01004694", month=NOVEMBER, **intro):
    return [Finding(source, lsoa, month, need, **intro) for _ in range(count)]


@pytest.fixture
def fixed_findings():
    """Findings with known counts: 23 housing and 3 isolation at drop-ins, 12 housing at doors,
    10 introductions to one destination of which 6 completed, 2 to another."""
    rows = (
        _many("Drop-ins", "housing", 23)
        + _many("Drop-ins", "isolation", 3)
        + _many("Outreach at doors", "housing", 12, lsoa="E01004700")
        + _many(
            "Drop-ins", "", 6, introductions=1, introductions_completed=1, destination="Debt advice (Citizens Advice)"
        )
        + _many("Drop-ins", "", 4, introductions=1, destination="Debt advice (Citizens Advice)")
        + _many("Drop-ins", "", 2, introductions=1, destination="Food bank (Trussell)")
    )

    def fixed(start, end):
        return [f for f in rows if start <= f.month < end]

    saved = findings.sources()
    for source in saved:
        findings.unregister(source)
    findings.register(fixed)
    yield rows
    findings.unregister(fixed)
    for source in saved:
        findings.register(source)


def _csv(client, key):
    response = client.get(reverse("community:findings"), {"month": "2026-11", "csv": key})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_dashboard_figures_are_under_disclosure_control(client, make_user, fixed_findings):
    client.force_login(make_user("analyst"))
    page = client.get(reverse("community:findings"), {"month": "2026-11"})
    text = page.content.decode()
    assert page.status_code == 200
    for title in (
        "Needs found, by kind of need and where",
        "Needs found, month by month",
        "Needs found, by LSOA",
        "Introductions, by who they were to",
    ):
        assert title in text
    by_kind = {(r["Kind of need"], r["Where found"]): r["Needs found"] for r in _csv(client, "needs-by-kind")}
    true = {
        ("Housing", "Drop-ins"): 23,
        ("Housing", "Outreach at doors"): 12,
        ("Housing", "All sources"): 35,
        ("Isolation", "Drop-ins"): 3,
        ("Isolation", "Outreach at doors"): 0,
        ("Isolation", "All sources"): 3,
    }
    assert set(by_kind) == set(true)
    assert by_kind[("Isolation", "Drop-ins")] == "suppressed"  # 3: primary suppression
    assert by_kind[("Isolation", "All sources")] == "suppressed"  # would give the 3 back
    # Secondary suppression may take more cells; every published cell is the true count rounded to 5.
    for cell, value in by_kind.items():
        assert value == "suppressed" or (int(value) % 5 == 0 and abs(int(value) - true[cell]) <= 2), cell
    intros = {r["Introduced to"]: r for r in _csv(client, "introductions")}
    assert intros["Debt advice (Citizens Advice)"]["Introductions made"] == "10"
    assert intros["Food bank (Trussell)"]["Introductions made"] == "suppressed"
    lsoas = {r["LSOA code"]: r["Needs found"] for r in _csv(client, "needs-by-lsoa")}
    assert lsoas == {"E01004694": "25", "E01004700": "10"}
    detail = _csv(client, "findings")
    assert {
        "Where found": "Drop-ins",
        "LSOA code": "E01004694",
        "Month": "2026-11",
        "Kind of need": "Isolation",
        "Needs found": "suppressed",
        "Introductions made": "0",
        "Introductions completed": "0",
    } in detail


def test_dashboard_shows_nothing_outside_its_months(client, make_user, fixed_findings):
    client.force_login(make_user("analyst"))
    response = client.get(reverse("community:findings"), {"month": "2025-10", "csv": "findings"})
    assert list(csv.DictReader(io.StringIO(response.content.decode()))) == []


@pytest.mark.parametrize("role", ["chww", "vcse_worker", "social_worker"])
def test_dashboard_needs_population_access(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("community:findings")).status_code == 403
