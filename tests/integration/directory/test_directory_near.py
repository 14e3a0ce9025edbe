"""'debt advice near W2': ranked nearest first from the place named, and the page says how it read
the search (issue #25)."""

import pytest
from django.urls import reverse

from octopus.directory import places, search
from octopus.directory.models import Location, Organisation, Service

pytestmark = pytest.mark.django_db


def test_district_place_is_the_mean_of_its_practices_and_w1_covers_its_sub_districts():
    w2 = places.district_place("w2")
    assert w2.label == "W2" and 51.50 < w2.latitude < 51.53 and -0.20 < w2.longitude < -0.16  # Bayswater/Paddington
    w1 = places.district_place("W1")
    assert w1 is not None and 51.50 < w1.latitude < 51.53  # W1G, W1H, … together
    assert places.district_place("ZZ9") is None


def test_distance_km_matches_a_known_distance():
    # Paddington station to Waterloo station: about 4.5 km in a straight line.
    assert places.distance_km(51.5154, -0.1755, 51.5031, -0.1132) == pytest.approx(4.5, abs=0.15)


def _service(name, organisation, postcode, latitude, longitude):
    service = Service.objects.create(name=name, organisation=organisation, description="Money and debt advice")
    service.locations.add(
        Location.objects.create(name=f"{name} office", postal_code=postcode, latitude=latitude, longitude=longitude)
    )
    return service


@pytest.fixture
def two_debt_services():
    organisation = Organisation.objects.create(name="Advice Trust", heart="vcse")
    paddington = _service("Debt clinic Paddington", organisation, "W2 1NY", 51.5168, -0.1770)
    southwark = _service("Debt clinic Borough", organisation, "SE1 1JA", 51.5015, -0.0920)
    return paddington, southwark


def test_services_are_ranked_nearest_first_with_the_distance(two_debt_services):
    paddington, southwark = two_debt_services
    near_w2 = search.search("debt near W2", {}, "services")
    assert near_w2[:2] == [paddington, southwark]
    assert near_w2[0].distance_km < 1 < 5 < near_w2[1].distance_km
    assert search.search("debt near SE1", {}, "services")[:2] == [southwark, paddington]
    assert search.parse("debt advice near W2").understood() == "Debt advice, nearest to W2 first"


def test_without_a_place_a_name_match_ranks_above_a_description_match(two_debt_services):
    organisation = Organisation.objects.get(name="Advice Trust")
    described = Service.objects.create(
        name="Benefits surgery", organisation=organisation, description="Help with clinic letters"
    )
    results = search.search("clinic", {}, "services")
    assert results.index(described) > max(results.index(s) for s in two_debt_services)


def test_page_says_what_it_understood_and_shows_distances(client, make_user, two_debt_services):
    client.force_login(make_user("social_prescriber"))
    page = client.get(reverse("directory:index"), {"q": "debt near W2", "kind": "services"}).content.decode()
    assert "Showing: Debt, nearest to W2 first" in page
    assert page.index("Debt clinic Paddington") < page.index("Debt clinic Borough")
    assert " km</strong>" in page
