"""Reading a search: words, postcode districts and neighbourhood names."""

import pytest

from octopus.directory.geography import load_reference_geography
from octopus.directory.models import LSOA, GPPractice, Neighbourhood, postcode_district
from octopus.directory.search import parse


@pytest.mark.parametrize(
    "postcode, district",
    [("W2 5EU", "W2"), ("sw1p 3bu", "SW1P"), ("NW8", "NW8"), ("W10 4LD", "W10"), ("not a postcode", ""), ("", "")],
)
def test_postcode_district_of_postcode_or_outward_code(postcode, district):
    assert postcode_district(postcode) == district


@pytest.mark.django_db
def test_parse_debt_advice_near_w2_separates_words_and_area():
    query = parse("debt advice near W2")
    assert query.words == ["debt", "advice"] and query.districts == ["W2"] and query.neighbourhoods == []


@pytest.mark.django_db
def test_parse_neighbourhood_name_becomes_area(demo_directory):
    query = parse("housing in Westminster")
    assert query.words == ["housing"]
    assert query.neighbourhoods == [Neighbourhood.objects.get(slug="westminster")]


@pytest.mark.django_db
def test_load_reference_geography_twice_is_idempotent():
    first = load_reference_geography()
    second = load_reference_geography()
    assert first == second
    assert LSOA.objects.count() == first.lsoas == 4994
    assert GPPractice.objects.get(ods_code="E87008").pcn.name == "REGENT HEALTH PCN"


@pytest.mark.django_db
def test_westminster_neighbourhood_is_queryable_by_lsoa_and_practice_code(demo_directory):
    westminster = Neighbourhood.objects.get(slug="westminster")
    assert len(westminster.lsoa_codes()) == 123
    assert Neighbourhood.objects.filter(lsoas__code=westminster.lsoa_codes()[0], practices__ods_code="E87008").exists()
