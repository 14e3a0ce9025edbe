"""The demo CHWW's Church Street round (journey 6): 96 of 120 visited, today's doors to knock."""

import pytest
from django.urls import reverse

from octopus import demo
from octopus.accounts.models import User
from octopus.outreach import demo as outreach_demo
from octopus.outreach import queries
from octopus.outreach.models import Round
from octopus.residents.factories import make_household, make_resident

pytestmark = pytest.mark.django_db


def test_demo_chww_has_a_church_street_round_at_96_of_120(demo_directory, client):
    demo.ensure_demo_users(demo_directory["accounts"])
    church_street = ["E01004670", "E01033602", "E01004702"]
    for n in range(130):
        household = make_household(address_line=f"{n + 1} Church Street", lsoa_code=church_street[n % 3])
        make_resident(household=household)
        if n % 4 == 0:
            make_resident(household=household, given_name="Second")
    make_household(address_line="1 Mayfair Place", lsoa_code="E01004761")
    users = {u.username: u for u in User.objects.all()}

    assert "Church Street" in outreach_demo.seed(users)
    assert outreach_demo.seed(users) == {"skipped": Round.objects.get().name + " already planned"}

    round_ = Round.objects.get()
    assert round_.name.startswith("Church Street, ")
    progress = queries.progress(round_)[0]
    assert (progress.worker.username, progress.visited, progress.allocated) == ("chww", 96, 120)
    client.force_login(users["chww"])
    page = client.get(reverse("outreach:index")).content.decode()
    assert "96 of 120</strong> households visited" in page
    assert "9 households, in walking order" in page
