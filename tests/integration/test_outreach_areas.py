"""The outreach area page (octopus.outreach.targeting): every LSOA of the borough with deprivation
and need from the published residents, counts under disclosure control, target areas chosen by
rule or by hand, and the chosen areas carried to the monthly plan."""

import pytest

from octopus.outreach import targeting
from octopus.outreach.areas import area
from octopus.residents.factories import make_activity, make_household, make_resident

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

CHURCH_STREET = "E01004670"  # IMD 2025 rank among the most deprived in Westminster (shipped table)
MAYFAIR = "E01004761"


@pytest.fixture
def published():
    for i in range(12):
        household = make_household(address_line=f"{i + 1} Alder Road", lsoa_code=CHURCH_STREET)
        resident = make_resident(
            household=household,
            given_name="Hidden",
            risk_band="1" if i < 9 else "5",
            prevention_gaps=[{"programme": "bowel_screening"}] if i < 10 else [],
        )
        make_activity(resident, days_ago=30)
    for i in range(3):
        make_resident(
            household=make_household(address_line=f"{i + 1} Linnet Row", lsoa_code=MAYFAIR), given_name="Hidden"
        )


def test_rows_carry_deprivation_and_published_need(published):
    rows = {r.code: r for r in targeting.area_rows("Westminster")}
    assert len(rows) == 123  # every Westminster LSOA, people or not
    church = rows[CHURCH_STREET]
    assert church.imd_score > 0 and church.area.imd_decile == area(CHURCH_STREET).imd_decile
    assert set(church.domains) == set(targeting.DOMAINS) and all(rank >= 1 for rank in church.domains.values())
    assert church.residents == 10 and church.households == 10  # 12 rounded to 5
    assert church.values["high_risk"] == 1000.0  # 9 -> 10 published, of 10 published residents
    assert church.values["ae_per_1000"] == 1000.0 and church.values["unregistered"] == 0  # a zero is published
    assert rows[MAYFAIR].residents is None and rows[MAYFAIR].values["high_risk"] is None  # 3 residents: suppressed


def test_most_deprived_covering_a_share_and_threshold_rules(published):
    rows = targeting.area_rows("Westminster")
    assert targeting.most_deprived(rows, 25) == [r.code for r in rows][: targeting.most_deprived(rows, 25).__len__()]
    # Church Street holds 12 of the 15 residents: it alone covers 25%, and every LSOA up to it is included.
    chosen = targeting.most_deprived(rows, 25)
    assert chosen[-1] == CHURCH_STREET and MAYFAIR not in chosen
    assert targeting.at_or_above(rows, "prevention_gaps", 800) == [CHURCH_STREET]  # 10 of 12 = 833 per 1,000
    with pytest.raises(targeting.RuleError, match="Share of residents"):
        targeting.most_deprived(rows, 0)


def test_area_page_lists_lsoas_maps_them_and_names_nobody(client, make_user, published):
    client.force_login(make_user("int_manager", username="planner"))
    page = client.get("/outreach/areas/", {"indicator": "high_risk"}).content.decode()
    assert "123 LSOAs in Westminster" in page and "Hidden" not in page and "Alder Road" not in page
    assert "High-risk residents per 1,000 by LSOA" in page and "suppressed" in page
    csv = client.get("/outreach/areas/", {"indicator": "high_risk", "csv": "map-high-risk"}).content.decode()
    assert CHURCH_STREET in csv and "Hidden" not in csv


def test_targets_by_rule_and_by_hand_go_to_the_plan(client, make_user, published):
    client.force_login(make_user("int_manager", username="planner"))
    page = client.get(
        "/outreach/areas/", {"rule": "threshold", "threshold_indicator": "prevention_gaps", "threshold": "800"}
    ).content.decode()
    assert "1 target LSOA" in page and f"/outreach/plan/?areas={CHURCH_STREET}" in page
    assert f'value="{CHURCH_STREET}" checked' in page
    by_hand = client.get("/outreach/areas/", {"rule": "hand", "lsoa": [CHURCH_STREET, MAYFAIR]}).content.decode()
    assert "2 target LSOAs" in by_hand and f"areas={CHURCH_STREET},{MAYFAIR}" in by_hand.replace("%2C", ",")
    assert f'name="areas" value="{MAYFAIR}"' in client.get("/outreach/plan/", {"areas": MAYFAIR}).content.decode()
    plan = client.post("/outreach/plan/", {"month": "2026-12", "areas": MAYFAIR}, follow=True).content.decode()
    assert "1 Linnet Row" in plan and "Alder Road" not in plan
    assert (
        "is not a London LSOA 2021 code"
        in client.post("/outreach/plan/", {"month": "2026-12", "areas": "E0100XXXX"}).content.decode()
    )
    assert "Enter the threshold" in client.get("/outreach/areas/", {"rule": "threshold"}).content.decode()


def test_a_chww_cannot_open_the_area_page(client, make_user):
    client.force_login(make_user("chww", username="chww"))
    assert client.get("/outreach/areas/").status_code == 403


def test_the_chwws_day_shows_the_route_as_a_map_in_visiting_order(client, make_user):
    from tests.outreach_factories import church_street

    street = church_street(make_user)
    first, second = street["households"]
    type(first).objects.filter(pk=first.pk).update(latitude=51.5235, longitude=-0.1690)
    type(second).objects.filter(pk=second.pk).update(latitude=51.5242, longitude=-0.1702)
    client.force_login(street["chww"])
    page = client.get("/outreach/").content.decode()
    start = page.index("<svg", page.index("octopus-route-map"))
    svg = page[start : page.index("</svg>", start)]
    assert 'data-route-doors="2"' in svg and "2 doors numbered in visiting order" in svg
    assert ">1</text>" in svg and ">2</text>" in svg and "http" not in svg.replace("http://www.w3.org", "")
    assert "<polygon" in svg  # the LSOA's shipped outline (Westminster)
