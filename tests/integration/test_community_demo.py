"""The demo's social prescribing and working group: written through the services, enough
people behind the outcomes for them to be published, and safe to run twice."""

import pytest

from octopus.social_prescribing import demo as sp_demo
from octopus.social_prescribing import outcomes
from octopus.social_prescribing.models import Prescription
from octopus.working_groups import demo as wg_demo
from octopus.working_groups.models import WorkingGroup
from tests.security.factories import make_resident

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def users(demo_directory):
    from octopus import demo
    from octopus.accounts.models import User

    demo.ensure_demo_users(demo_directory["accounts"])
    return {u.username: u for u in User.objects.all()}


def test_demo_seeds_a_caseload_whose_outcomes_are_published_and_repeats_safely(users):
    from octopus.residents.models import Resident

    for _ in range(14):
        make_resident(lsoa_code="E01004736")
    counts = sp_demo.seed(Resident.objects.all(), users)
    assert counts == {"social prescriptions": 12, "introductions": 12, "wellbeing reviews": 10}
    everyone = [r for r in outcomes.by_service() if r["group"] == "Everyone"]
    assert {r["people"] for r in everyone} == {10} and all(r["mean_change"] is not None for r in everyone)
    assert "skipped" in sp_demo.seed(Resident.objects.all(), users)
    assert Prescription.objects.count() == 12


def test_demo_working_group_has_members_from_several_organisations_and_an_action(users):
    counts = wg_demo.seed(users)
    group = WorkingGroup.objects.get()
    assert counts["actions"] == 1 and group.actions.get().owner == users["socialworker"]
    assert group.members.values("organisation").distinct().count() >= 3
    assert "skipped" in wg_demo.seed(users)
