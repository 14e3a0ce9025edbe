"""The practice relationship: a practice's staff see the residents registered with it, a PCN's
clinical staff those of its practices, and nobody sees residents registered elsewhere unless
another basis applies."""

import pytest

from octopus.care import services as care
from octopus.casefinding import config
from octopus.casefinding.relationships import BASIS
from octopus.config import ConfigError
from octopus.governance import access
from octopus.residents.models import Resident
from tests.casefinding_factories import pcn_world, registered, user_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pcn_world()


def test_practice_staff_see_only_their_registered_residents(world):
    mine = registered(world["lisson"])
    neighbour = registered(world["church"])
    elsewhere = registered(world["pimlico"])
    visible = set(access.residents_for(world["gp"]))
    assert mine in visible
    assert neighbour not in visible and elsewhere not in visible
    assert access.basis_for(world["gp"], mine) == BASIS
    assert access.basis_for(world["gp"], elsewhere) is None


def test_practice_staff_see_a_resident_registered_elsewhere_when_another_basis_applies(world):
    elsewhere = registered(world["pimlico"])
    care.open_case(elsewhere, world["practice_team"], world["gp"], source="search", holder=world["gp"])
    assert elsewhere in set(access.residents_for(world["gp"]))
    assert access.basis_for(world["gp"], elsewhere) != BASIS and access.basis_for(world["gp"], elsewhere)


def test_pcn_coordinator_sees_every_practice_in_the_pcn_and_no_other(world):
    lisson, church, pimlico = registered(world["lisson"]), registered(world["church"]), registered(world["pimlico"])
    visible = set(access.residents_for(world["coordinator"]))
    assert {lisson, church} <= visible and pimlico not in visible


def test_practice_relationship_ignores_unregistered_residents_and_unlisted_roles(world):
    left = registered(world["lisson"], registered=False)
    chww = user_in(world["practice_team"], "chww", "practice-chww")
    present = registered(world["lisson"])
    assert left not in set(access.residents_for(world["gp"]))
    assert "chww" not in config.settings().practice_roles
    assert present not in set(access.residents_for(chww))


def test_pcn_roles_are_configuration(world, monkeypatch):
    church = registered(world["church"])
    narrowed = config.parse(
        config.CONFIG_FILE.read_text().replace("pcn_roles: [clinician, care_coordinator]", "pcn_roles: [clinician]")
    )
    monkeypatch.setattr(config, "settings", lambda: narrowed)
    assert church not in set(access.residents_for(world["coordinator"]))


def test_config_error_names_the_file_and_key():
    with pytest.raises(
        ConfigError, match=r"casefinding.yaml:\d+: practice_relationship.pcn_roles: unknown role\(s\) nurse"
    ):
        config.parse(
            config.CONFIG_FILE.read_text().replace("pcn_roles: [clinician, care_coordinator]", "pcn_roles: [nurse]")
        )
    with pytest.raises(
        ConfigError, match=r"check_in_scripts.shielded_monthly.calls: Input should be less than or equal to 24, got 60"
    ):
        config.parse(config.CONFIG_FILE.read_text().replace("calls: 6", "calls: 60"))


def test_the_scanning_form_of_the_access_point_selects_exactly_the_same_residents(world):
    """``residents_for_scan`` (the lists' query, decision 0026) is the same terms as
    ``residents_for`` joined by OR instead of UNION: the same residents for every kind of basis."""
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    from octopus.governance.models import BreakGlassAccess

    lisson, church, pimlico = registered(world["lisson"]), registered(world["church"]), registered(world["pimlico"])
    held, glass = registered(world["pimlico"]), registered(world["pimlico"])
    registered(world["lisson"], registered=False)
    care.open_case(held, world["practice_team"], world["gp"], source="search")
    BreakGlassAccess.objects.create(
        user=world["coordinator"],
        resident=glass,
        reason="urgent_care",
        detail="Test grant",
        granted_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    chww = user_in(world["practice_team"], "chww", "practice-chww")
    analyst = user_in(world["practice_team"], "analyst", "practice-analyst")
    for user in (world["gp"], world["coordinator"], chww, analyst, AnonymousUser()):
        for scopes in (access.RECORD, access.EVERY_SCOPE, frozenset({access.OUTREACH})):
            union = set(access.residents_for(user, scopes=scopes))
            assert set(access.residents_for_scan(user, scopes=scopes)) == union, (user, scopes)
            assert access.resident_ids_upto(user, 3, scopes=scopes) == sorted(r.pk for r in union), (user, scopes)
    assert set(access.residents_for_scan(world["gp"])) == {lisson, held}
    assert set(access.residents_for_scan(world["coordinator"])) == {lisson, church, glass}
    assert pimlico not in set(access.residents_for_scan(world["coordinator"]))
    assert access.resident_ids_upto(world["coordinator"], 2) is None  # three: more than asked for


def test_the_lists_read_a_few_residents_by_key_and_many_by_scanning_the_same_residents(world, monkeypatch):
    """Decision 0079: up to ``lists.FEW`` residents, the lists filter on their ids; above it, on
    the access terms as they scan. Either way the same residents, on every list."""
    from octopus.casefinding import lists

    lisson, church = registered(world["lisson"]), registered(world["church"])
    registered(world["pimlico"])
    few = lists.visible_to(world["coordinator"])
    assert set(few) == {lisson, church}
    assert "IN (SELECT" not in str(few.query)  # the ids themselves, not the access terms
    monkeypatch.setattr(lists, "FEW", 1)
    many = lists.visible_to(world["coordinator"])
    assert set(many) == {lisson, church} and str(many.query) != str(few.query)
    assert set(lists.visible_to(world["gp"])) == {lisson}


def test_openable_among_answers_for_the_given_residents_as_the_access_point_does(world):
    """The checks for a handful of residents (``openable_among`` for the inbox, ``with_openable``
    for the household panel) agree with ``residents_for`` for every kind of user, and name only
    residents among those asked about."""
    from django.contrib.auth.models import AnonymousUser

    lisson, church, pimlico = registered(world["lisson"]), registered(world["church"]), registered(world["pimlico"])
    held = registered(world["pimlico"])
    care.open_case(held, world["practice_team"], world["gp"], source="search")
    chww = user_in(world["practice_team"], "chww", "practice-chww")
    asked = [lisson.pk, church.pk, pimlico.pk, held.pk]
    for user in (world["gp"], world["coordinator"], chww, AnonymousUser()):
        expected = set(access.residents_for(user).filter(pk__in=asked).values_list("pk", flat=True))
        assert access.openable_among(user, asked) == expected, user
        assert access.openable_among(user, [lisson.pk]) == expected & {lisson.pk}
        marked = access.with_openable(user, Resident.objects.filter(pk__in=asked))
        assert {resident.pk for resident in marked if resident.openable} == expected, user
    assert access.openable_among(world["gp"], asked) == {lisson.pk, held.pk}
    assert access.openable_among(world["gp"], []) == set()


def test_the_caseload_relationship_opens_the_record_only_for_users_who_may_see_residents(world, monkeypatch):
    """The caseload list skips the union of relationships only while ``caseload`` is a registered
    relationship that opens the record and the user may see residents at all."""
    analyst = user_in(world["practice_team"], "analyst", "practice-analyst")
    assert access.opens_record_through(world["gp"], "caseload")
    assert not access.opens_record_through(analyst, "caseload")
    assert not access.opens_record_through(world["gp"], "no-such-relationship")
    monkeypatch.delitem(access._KINDS, "caseload")
    assert not access.opens_record_through(world["gp"], "caseload")
