"""Every named URL × every role, checked against matrix.yaml; generated from the URL configuration
so that a new endpoint without an entry fails here, with instructions."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import URLResolver, get_resolver, reverse

from octopus.accounts.roles import catalogue
from octopus.governance import access
from tests.security.factories import make_resident

MATRIX_FILE = Path(__file__).with_name("matrix.yaml")
MATRIX = yaml.safe_load(MATRIX_FILE.read_text())
ROLES = [*catalogue().roles, "anonymous"]
OUTCOMES = {"allowed", "denied", "login", "unauthorized", "break_glass", "not_found", "invalid"}


def url_names(patterns=None, namespace: str = "") -> list[str]:
    """Every named URL, namespaced, from the live URL configuration."""
    names = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in MATRIX["ignore_namespaces"]:
                continue
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            names.extend(url_names(pattern.url_patterns, inner))
        elif pattern.name:
            names.append(namespace + pattern.name)
    return sorted(set(names))


def test_every_url_has_an_entry_in_the_matrix():
    missing = [name for name in url_names() if name not in MATRIX["urls"]]
    assert not missing, (
        "These URLs have no entry in "
        f"{MATRIX_FILE.relative_to(Path.cwd()) if MATRIX_FILE.is_relative_to(Path.cwd()) else MATRIX_FILE}: "
        f"{', '.join(missing)}.\nAdd one per URL saying what each role may do (see the comment at the top of the "
        "file), so the suite proves who can reach your new page."
    )


def test_matrix_has_no_stale_or_malformed_entries():
    known = set(url_names())
    stale = [name for name in MATRIX["urls"] if name not in known]
    assert not stale, f"matrix.yaml lists URLs that no longer exist: {', '.join(stale)}. Remove them."
    for name, entry in MATRIX["urls"].items():
        for role in ROLES:
            assert expected(entry, role) in OUTCOMES, f"{name} × {role}: unknown outcome {expected(entry, role)!r}"
        unknown_roles = (
            set(entry) - set(ROLES) - {"default", "method", "data", "json", "args", "query", "identifiable", "audit_as"}
        )
        assert not unknown_roles, f"{name}: unknown roles or keys {unknown_roles}"


def expected(entry: dict, role: str) -> str:
    return entry.get(role, entry["default"])


@pytest.fixture
def intake_data(intake_template, intake_pair_id, tmp_path, settings):
    """A copy of the tiny feed store as DATA_DIR, for the intake pages; returns a pair to review
    (read once from the template: a copy holds the same pairs)."""
    from tests.fixtures import intake_store

    settings.DATA_DIR = intake_store.copy_to(intake_template, tmp_path / "data")
    return {"pair_id": intake_pair_id}


@pytest.fixture
def world(make_user, tmp_path, intake_data):
    """The objects URL arguments refer to. The resident has no relationship with anyone."""
    from octopus.governance.models import BreakGlassAccess
    from octopus.insights.testing import write_snapshot

    write_snapshot(tmp_path / "snapshot")  # for the Population pages and the calibration plot

    other = make_user("clinician", username="someone-else")
    resident = make_resident()
    grant = BreakGlassAccess.objects.create(
        user=other,
        resident=make_resident(),
        reason="urgent_care",
        detail="Fixture grant for review",
        granted_at="2026-11-01T10:00Z",
        expires_at="2026-11-01T14:00Z",
    )
    from octopus.accounts.models import MembershipGrant

    access_grant = MembershipGrant.objects.create(
        user=other,
        team=other.memberships.get().team,
        role="social_worker",
        requested_at="2026-11-01T10:00Z",
        via="fixture",
    )
    directory = _directory_objects(other)
    care = _care_objects(resident)
    meetings = _meeting_objects(resident)
    outreach = _outreach_objects()
    drop_ins = _drop_in_objects()
    casefinding = _casefinding_objects(resident)
    working_groups = _working_group_objects(other)
    return {
        **casefinding,
        **working_groups,
        **directory,
        **care,
        **intake_data,
        **meetings,
        **outreach,
        **drop_ins,
        "person_id": resident.person_id,
        "user_id": other.pk,
        "membership_id": other.memberships.get().pk,
        "team_id": other.memberships.get().team_id,
        "grant_id": grant.pk,
        "access_grant_id": access_grant.pk,
        "resident": resident,
    }


def _directory_objects(user) -> dict:
    """One of each directory object, for the directory's detail and edit URLs."""
    from octopus.directory.models import PCN, GPPractice, Neighbourhood, Practitioner, Service

    team = user.memberships.get().team
    practitioner = Practitioner.objects.create(
        given_name="Fred", family_name="Adeyemi", job_title="Debt adviser", team=team
    )
    service = Service.objects.create(organisation=team.organisation, team=team, name="Debt advice")
    pcn = PCN.objects.create(code="U00001", name="Test PCN", sub_icb_code="93C", icb_code="QMJ")
    practice = GPPractice.objects.create(ods_code="E87001", name="Test Practice", postcode="W2 1AA", pcn=pcn)
    neighbourhood = Neighbourhood.objects.create(name="Test INT", slug="test-int", borough_name="Westminster")
    return {
        "organisation_id": team.organisation_id,
        "practitioner_id": practitioner.pk,
        "service_id": service.pk,
        "ods_code": practice.ods_code,
        "slug": neighbourhood.slug,
    }


def _care_objects(world_resident) -> dict:
    """Care records about a second resident, held by a team none of the test users belong to
    (and a care plan for the world resident, so its plan pages have something to show)."""

    from django.utils import timezone

    from octopus.accounts.models import Membership, User
    from octopus.care import services
    from octopus.care.models import Case
    from octopus.directory.models import Organisation, Team

    organisation = Organisation.objects.create(name="Elsewhere Trust", heart="health")
    team = Team.objects.create(organisation=organisation, name="Elsewhere Team", tier="consistent")
    holder = User.objects.create_user(username="elsewhere-nurse", password="pw-for-tests-only")
    Membership.objects.create(user=holder, team=team, role="clinician")
    resident = make_resident()
    case = services.open_case(resident, team, holder, source="search", holder=holder)
    referral = services.send_referral(
        resident,
        holder,
        to_team=team,
        reason="Falls",
        urgency="routine",
        shared_information="Falls history",
        resident_agreed=True,
        preferred_contact="phone",
    )
    task = services.create_task(holder, "Call the family", timezone.localdate(), resident=resident)
    plan = services.start_plan(resident, holder, lead_professional=holder)
    services.start_plan(world_resident, holder, lead_professional=holder)
    action = services.add_action(plan, holder, description="Review medicines", owner=holder, due=timezone.localdate())
    check_in = services.schedule_check_ins(
        resident, organisation=organisation, first_due=timezone.localdate(), count=1, actor=holder
    )[0]
    assert Case.objects.filter(pk=case.pk).exists()
    from octopus.virtualward import services as ward

    admission = ward.admit(
        resident, team, holder, reason="Matrix", expected_discharge_on=timezone.localdate(), observations_per_day=3
    )
    alert = ward.record_observation(
        admission,
        {
            "respiration_rate": 25,
            "spo2": 91,
            "on_oxygen": "air",
            "systolic_bp": 90,
            "pulse": 131,
            "consciousness": "A",
            "temperature": "37.0",
        },
        source="api",
        recorded_by="matrix",
    ).alerts[0]
    return {
        "case_id": case.pk,
        "referral_id": referral.pk,
        "task_id": task.pk,
        "action_id": action.pk,
        "check_in_id": check_in.pk,
        "admission_id": admission.pk,
        "alert_id": alert.pk,
    }


def _meeting_objects(resident) -> dict:
    """A series held by a team none of the test users belong to, with a published agenda that
    has the world resident on it (so attendees of *other* series cannot reach it)."""
    from django.utils import timezone

    from octopus.accounts.models import User
    from octopus.directory.models import Team
    from octopus.governance.consent import record_consent
    from octopus.meetings import services

    team = Team.objects.get(name="Elsewhere Team")
    holder = User.objects.get(username="elsewhere-nurse")
    neighbourhood = _neighbourhood()
    home = services.register_care_home(None, name="Garside", kind="nursing", provider="Sanctuary", beds=40)
    series = services.create_series(
        None,
        name="Elsewhere INC",
        kind="inc",
        team=team,
        schedule="Thursdays",
        worklist="inc",
        neighbourhood=neighbourhood,
        members=[(holder, "Nurse")],
    )
    meeting = services.schedule_meeting(series, None, timezone.now())
    record_consent(actor=None, resident=resident, kind="discuss_at_mdt", status="given")
    entry = services.add_resident(meeting, resident, holder, "Falls")
    services.put_on_agenda(entry, holder)
    services.publish_agenda(meeting, holder)
    return {"series_id": series.pk, "meeting_id": meeting.pk, "entry_id": entry.pk, "care_home_id": home.pk}


def _outreach_objects() -> dict:
    """A running round with one household allocated to a CHWW who is none of the test users (so
    a test CHWW finds another CHWW's household a 404). The world resident lives elsewhere."""
    import datetime as dt

    from django.utils import timezone

    from octopus.accounts.models import Membership, User
    from octopus.directory.models import Team
    from octopus.outreach import services
    from octopus.residents.factories import make_household

    worker = User.objects.create_user(username="elsewhere-chww", password="pw-for-tests-only")
    Membership.objects.create(user=worker, team=Team.objects.get(name="Elsewhere Team"), role="chww")
    household = make_household(address_line="1 Elsewhere Street")
    make_resident(household=household, address_line=household.address_line)
    today = timezone.localdate()
    round_ = services.create_round(
        None,
        name="Elsewhere, this month",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=20),
    )
    allocation = services.allocate(round_, None, worker=worker, households=[household], first_day=today)[0]
    from octopus.outreach.models import PlanJob

    job = PlanJob.objects.create(month="2026-12", status=PlanJob.Status.FINISHED, result={"chwws": []})
    return {"round_id": round_.pk, "allocation_id": allocation.pk, "job_id": job.pk}


def _drop_in_objects() -> dict:
    """A drop-in whose only staff is the CHWW elsewhere (none of the test users), with a named
    attendee introduced to someone: a test CHWW sees its counts, never the attendee."""
    import datetime as dt

    from octopus.accounts.models import User
    from octopus.community import services
    from octopus.directory.models import Location, Organisation, Practitioner

    worker = User.objects.get(username="elsewhere-chww")
    location = Location.objects.create(name="Elsewhere Library", postal_code="W2 5PS")
    session = services.create_session(
        worker,
        location=location,
        title="Elsewhere drop-in",
        held_on=dt.date(2026, 11, 10),
        starts_at=dt.time(10),
        ends_at=dt.time(12),
        run_by=Organisation.objects.get(name="Elsewhere Trust"),
        staff=[worker],
    )
    attendee = services.record_attendee(session, worker, given_name="Maryam", needs=["money:debt"])
    introduction = services.introduce(
        attendee,
        worker,
        to_practitioner=Practitioner.objects.get(given_name="Fred"),
        need="money",
        shared_information="Rent arrears",
        attendee_agreed=True,
    )
    return {
        "session_id": session.pk,
        "attendee_id": attendee.pk,
        "introduction_id": introduction.pk,
        "location_id": location.pk,
    }


def _casefinding_objects(resident) -> dict:
    """Monthly check-ins for the world resident, called by a user none of the test users are."""
    from django.utils import timezone

    from octopus.accounts.models import User
    from octopus.casefinding.models import CheckInProgramme

    caller = User.objects.get(username="elsewhere-nurse")
    programme = CheckInProgramme.objects.create(
        resident=resident,
        caller=caller,
        organisation=caller.memberships.get().team.organisation,
        script="shielded_monthly",
        every_days=30,
        calls=6,
        started_by=caller,
        started_at=timezone.now(),
    )
    return {"programme_id": programme.pk}


def _working_group_objects(user) -> dict:
    """A working group none of the test users belongs to (no resident data: everyone may read it)."""
    from django.utils import timezone

    from octopus.working_groups.models import WorkingGroup

    group = WorkingGroup.objects.create(
        name="Homelessness",
        topic="homelessness",
        aims="Fewer people sleeping rough",
        created_at=timezone.now(),
        created_by=user,
    )
    return {"group_id": group.pk}


def _neighbourhood():
    from octopus.directory.models import Neighbourhood

    return Neighbourhood.objects.get(slug="test-int")


def request_as(client, name: str, entry: dict, world: dict):
    args = {key: world[value] if value in world else value for key, value in (entry.get("args") or {}).items()}
    url = reverse(name, kwargs=args or None)
    method = entry.get("method", "get")
    if entry.get("json"):  # the JSON API's writes take a JSON body, values filled from the world like args
        body = {
            key: world[value] if isinstance(value, str) and value in world else value
            for key, value in (entry.get("data") or {}).items()
        }
        return getattr(client, method)(url, body, content_type="application/json")
    if method == "post":
        return client.post(url, entry.get("data") or {})
    query = {key: world[value] if value in world else value for key, value in (entry.get("query") or {}).items()}
    return client.get(url, query)


def outcome(response) -> str:
    if response.status_code == 403:
        return "denied"
    if response.status_code == 404:
        return "not_found"
    if response.status_code == 422:
        return "invalid"  # the JSON API: authorised, then the body refused
    if response.status_code == 401:
        return "unauthorized"  # the JSON API answers 401 rather than redirecting to sign in
    if response.status_code in (301, 302, 303):
        login = reverse(settings.LOGIN_URL)
        return "login" if response["Location"].startswith(login) else "allowed"
    if 200 <= response.status_code < 300:
        return "allowed"
    return f"HTTP {response.status_code}"


CASES = [(name, role) for name in url_names() for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_authorization_matrix(client, make_user, world, name, role):
    entry = MATRIX["urls"].get(name)
    assert entry is not None, (
        f"{name} has no entry in tests/authorization/matrix.yaml: add one (see the file's header)."
    )
    want = expected(entry, role)
    user = None
    if role != "anonymous":
        user = make_user(role)
        client.force_login(user)
    got = outcome(request_as(client, name, entry, world))
    if want == "break_glass":
        assert got == "denied", f"{name} as {role}: expected 403 before breaking glass, got {got}"
        access.request_break_glass(user, world["resident"], "urgent_care", "Matrix test: checking break glass opens it")
        got = outcome(request_as(client, name, entry, world))
        assert got == "allowed", f"{name} as {role}: still {got} after breaking glass"
    else:
        assert got == want, f"{name} as {role}: expected {want}, got {got} (tests/authorization/matrix.yaml)"
