"""Names for the codes partner feeds carry: the directory's, else the lists shipped with Octopus,
else (the caller's fallback) the code itself."""

import pytest

from octopus.directory.models import GPPractice, Organisation
from octopus.directory.models.organisations import Heart
from octopus.insights.organisations import organisation_names

pytestmark = pytest.mark.django_db


def test_a_london_practice_is_named_from_the_shipped_list_before_the_directory_knows_it():
    """An installation that publishes before loading its reference geography still shows the
    practice's name; the list once went missing unnoticed and the timeline showed codes."""
    assert not GPPractice.objects.filter(ods_code="E83003").exists()
    names = organisation_names()
    assert names["E83003"] == "Oakleigh Road Health Centre"
    assert names["R1H"] == "Barts Health NHS Trust"
    assert "ZZZ99" not in names


def test_the_directory_names_win_over_the_shipped_lists():
    Organisation.objects.create(name="Oakleigh Road Surgery", heart=Heart.HEALTH, ods_code="E83003")
    assert organisation_names()["E83003"] == "Oakleigh Road Surgery"
