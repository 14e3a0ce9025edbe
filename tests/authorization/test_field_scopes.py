"""From "may open" to "what appears": for each role and way of access, the record page, its HTMX
timeline fragment, the JSON API (detail and list) and the care-plan exports show exactly the
fields the scope allows (octopus.residents.fields; docs/information-governance.md).

Issue #14: the API returned risk, risk factors, conditions, frailty, band and segment to anyone
who could open the record, and the timeline ignored VCSE consent. Each surface is checked for the
presence of what the scope allows AND the absence of every value it withholds.
"""

import json

import pytest
from django.urls import reverse

from octopus.care import services as care
from octopus.governance import access
from octopus.governance.consent import record_consent
from octopus.residents import fields
from octopus.residents.factories import make_activity, make_resident
from octopus.residents.models import Resident

pytestmark = pytest.mark.django_db

FULL, NO_CLINICAL = access.FULL, access.NO_CLINICAL

# Distinctive values, so a body can be searched for each one.
CLINICAL = {
    "risk_band": "band-sigma",
    "segment": "Segment Kappa",
    "risk_factors": ["Risk factor Zeta"],
    "long_term_conditions": ["Condition Omega"],
    "frailty_category": "frailty-tau",
    "rising_risk": True,
    "rising_risk_reason": "Rising reason Lambda",
    "cohorts": ["Cohort Mu"],
    "risk_probability": 0.4321,
}
CLINICAL_TEXT = [
    "band-sigma",
    "Segment Kappa",
    "Risk factor Zeta",
    "Condition Omega",
    "frailty-tau",
    "Rising reason Lambda",
    "Cohort Mu",
]
EVENT_DETAIL = "Timeline detail Upsilon"  # a partner's event: clinical detail
OCTOPUS_NOTE = "Octopus note Phi"  # Octopus's own contact: shown in every record scope
RECORD_TEXT = ["Marigold", "Scopewell", "020 7946 0123", "marigold.scope@example.org"]

# (role, how the user reaches the resident, the scope that must result)
CASES = [
    ("clinician", "relationship", FULL),
    ("care_coordinator", "relationship", FULL),
    ("social_worker", "relationship", FULL),
    ("social_prescriber", "relationship", NO_CLINICAL),
    ("vcse_worker", "relationship", NO_CLINICAL),
    ("vcse_worker", "relationship_and_consent", FULL),
    ("chww", "break_glass", NO_CLINICAL),
    ("clinician", "break_glass", FULL),
    ("social_prescriber", "break_glass", NO_CLINICAL),
    ("vcse_worker", "break_glass", NO_CLINICAL),
]
IDS = [f"{role}-{how}" for role, how, _ in CASES]


@pytest.fixture
def resident():
    resident = make_resident(
        given_name="Marigold",
        family_name="Scopewell",
        phone="020 7946 0123",
        email="marigold.scope@example.org",
        **CLINICAL,
    )
    make_activity(resident, "ae", days_ago=3, summary=EVENT_DETAIL)
    make_activity(resident, "octopus", days_ago=2, source_organisation="Octopus", summary=OCTOPUS_NOTE)
    return resident


@pytest.fixture
def viewer(request, client, make_user, relate, resident):
    """Signs in a user of the case's role with the case's kind of access; returns the scope due."""
    role, how, scope = request.param
    user = make_user(role)
    if how.startswith("relationship"):
        relate(user, resident)
    else:
        access.request_break_glass(user, resident, "urgent_care", "Field scope test: urgent visit today")
    if how == "relationship_and_consent":
        record_consent(actor=None, resident=resident, kind="share_clinical_with_vcse", status="given")
    care.start_plan(resident, user)
    client.force_login(user)
    return scope


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _assert_clinical(body: str, scope: str, where: str):
    for value in CLINICAL_TEXT:
        if scope == FULL:
            assert value in body, f"{where}: {value!r} missing in the full scope"
        else:
            assert value not in body, f"{where}: {value!r} shown in the {scope} scope"


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_record_page_shows_the_fields_of_the_scope(client, resident, viewer):
    body = _text(client.get(reverse("residents:record", args=[resident.person_id])))
    for value in RECORD_TEXT + [OCTOPUS_NOTE]:
        assert value in body
    _assert_clinical(body, viewer, "record page")
    assert (EVENT_DETAIL in body) == (viewer == FULL)


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_timeline_fragment_shows_event_detail_only_in_the_full_scope(client, resident, viewer):
    response = client.get(reverse("residents:timeline", args=[resident.person_id]), headers={"HX-Request": "true"})
    body = _text(response)
    assert OCTOPUS_NOTE in body and "A&amp;E" in body  # what happened and where: every record scope
    assert (EVENT_DETAIL in body) == (viewer == FULL)
    _assert_clinical(body, NO_CLINICAL, "timeline fragment")  # the fragment never shows the snapshot


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_api_detail_returns_only_the_fields_of_the_scope(client, resident, viewer):
    response = client.get(f"/api/residents/{resident.person_id}")
    body = _text(response)
    data = json.loads(body)
    assert data["scope"] == viewer
    assert data["nhs_number"] == resident.nhs_number and data["name"] == "Marigold Scopewell"
    clinical_keys = {
        "risk_band",
        "segment",
        "risk_probability",
        "risk_centile",
        "risk_factors",
        "long_term_conditions",
        "frailty_category",
        "rising_risk",
        "rising_risk_reason",
        "cohorts",
    }
    if viewer == FULL:
        assert clinical_keys <= set(data) and data["withheld"] == []
        assert data["risk_factors"] == ["Risk factor Zeta"] and data["segment"] == "Segment Kappa"
    else:
        assert not clinical_keys & set(data), f"withheld fields sent: {clinical_keys & set(data)}"
        assert set(data["withheld"]) == clinical_keys
    _assert_clinical(body, viewer, "API detail")
    assert "0.4321" not in body or viewer == FULL


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_api_list_returns_band_and_segment_only_in_the_full_scope(client, resident, viewer):
    body = _text(client.get("/api/residents/", {"q": "Scopewell"}))
    [item] = json.loads(body)["items"]
    assert item["person_id"] == resident.person_id and item["scope"] == viewer
    assert ("risk_band" in item and "segment" in item) == (viewer == FULL)
    assert ("band-sigma" in body, "Segment Kappa" in body) == (viewer == FULL, viewer == FULL)


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_care_plan_exports_show_identity_never_clinical_detail(client, resident, viewer):
    printed = _text(client.get(reverse("care:plan_print", args=[resident.person_id])))
    exported = _text(client.get(reverse("care:plan_fhir", args=[resident.person_id])))
    for body, where in ((printed, "care plan print"), (exported, "FHIR care plan")):
        assert "Marigold Scopewell" in body
        _assert_clinical(body, NO_CLINICAL, where)  # a care plan carries no snapshot fields, whatever the scope
    assert "020 7946 0123" not in exported


LIST_CASES = [
    ("clinician", False, FULL),
    ("social_worker", False, FULL),
    ("social_prescriber", False, NO_CLINICAL),
    ("vcse_worker", False, NO_CLINICAL),
    ("vcse_worker", True, FULL),
]


@pytest.mark.parametrize(
    ("role", "consent", "scope"), LIST_CASES, ids=[f"{r}-{'consent' if c else 'no-consent'}" for r, c, _ in LIST_CASES]
)
def test_caseload_and_rising_risk_lists_show_band_and_segment_only_in_the_full_scope(
    client, make_user, resident, role, consent, scope
):
    user = make_user(role)
    care.open_case(resident, user.memberships.get().team, user, source="search")
    if consent:
        record_consent(actor=None, resident=resident, kind="share_clinical_with_vcse", status="given")
    client.force_login(user)
    caseload = _text(client.get(reverse("care:caseload"), {"sort": "segment"}))
    assert "Marigold Scopewell" in caseload
    for value in ("band-sigma", "Segment Kappa"):
        assert (value in caseload) == (scope == FULL), f"caseload: {value!r} in the {scope} scope"
    # The rising-risk list is a case-finding list (decision 0022): being on it is clinical detail, so
    # only roles that see clinical detail open it, VCSE workers never (whatever the consent).
    rising = client.get(reverse("casefinding:list", args=["rising-risk"]))
    if role in ("clinician", "social_worker"):
        body = _text(rising)
        assert "Marigold Scopewell" in body and "Rising reason Lambda" in body
    else:
        assert rising.status_code == 403 and "Rising reason Lambda" not in rising.content.decode()
    # A filter on band is a way to learn the band: for a list not wholly in the full scope it is ignored.
    if access.list_scope(user) != FULL:
        assert 'id="band"' not in caseload and 'id="segment"' not in caseload
        filtered = _text(client.get(reverse("care:caseload"), {"band": "no-such-band"}))
        assert "Marigold Scopewell" in filtered


def test_vcse_worker_consent_decides_per_resident_in_a_list(client, make_user, relate):
    """scopes_for: one VCSE worker, two residents, consent for one of them."""
    worker = make_user("vcse_worker")
    agreed, not_asked = (
        make_resident(family_name="Agreed", **CLINICAL),
        make_resident(family_name="Notasked", **CLINICAL),
    )
    for r in (agreed, not_asked):
        relate(worker, r)
    record_consent(actor=None, resident=agreed, kind="share_clinical_with_vcse", status="given")
    assert access.scopes_for(worker, [agreed, not_asked]) == {agreed.pk: FULL, not_asked.pk: NO_CLINICAL}
    client.force_login(worker)
    items = {i["name"].split()[-1]: i for i in client.get("/api/residents/").json()["items"]}
    assert items["Agreed"]["segment"] == "Segment Kappa" and "segment" not in items["Notasked"]


def test_vcse_worker_consent_withdrawn_closes_clinical_detail_again(client, make_user, relate, resident):
    worker = make_user("vcse_worker")
    relate(worker, resident)
    record_consent(actor=None, resident=resident, kind="share_clinical_with_vcse", status="given")
    record_consent(actor=None, resident=resident, kind="share_clinical_with_vcse", status="withdrawn")
    client.force_login(worker)
    body = _text(client.get(reverse("residents:timeline", args=[resident.person_id])))
    assert EVENT_DETAIL not in body
    assert access.record_for(worker, resident.person_id).scope == NO_CLINICAL


def test_open_record_returns_basis_and_scope_and_audits_once(rf, make_user, relate, resident):
    from octopus.governance.models import AuditEvent

    user = make_user("social_prescriber")
    relate(user, resident)
    request = rf.get("/somewhere/")
    request.user = user
    opened = access.open_record(request, resident.person_id, "Test view")
    assert (opened.resident, opened.basis, opened.scope) == (resident, "Test relationship", NO_CLINICAL)
    resident_again, basis = opened  # callers written before the scope still unpack two values
    assert resident_again == resident and basis == "Test relationship"
    assert AuditEvent.objects.filter(resident_id=resident.person_id, action="view").count() == 1


def test_scoped_finds_no_record_of_an_unrelated_resident(make_user, relate, resident):
    from octopus.care.models import CarePlan

    holder, stranger = make_user("clinician"), make_user("clinician")
    relate(holder, resident)
    plan = care.start_plan(resident, holder)
    assert list(access.scoped(holder, CarePlan.objects)) == [plan]
    assert not access.scoped(stranger, CarePlan.objects).filter(pk=plan.pk).exists()


# --- the table itself -----------------------------------------------------------------------


def test_every_resident_model_field_is_classified():
    """A new Resident field must be given a scope in octopus.residents.fields (or listed as shown
    nowhere), so nobody adds a field that some surface shows by default."""
    names = {f.attname for f in Resident._meta.concrete_fields}
    unclassified = names - set(fields.FIELDS) - set(fields.SHOWN_NOWHERE)
    assert not unclassified, (
        f"Give these Resident fields a scope in octopus/residents/fields.py: {sorted(unclassified)}"
    )


def test_scopes_nest_outreach_within_no_clinical_within_full():
    assert fields.visible(access.OUTREACH) < fields.visible(NO_CLINICAL) < fields.visible(FULL)
    assert {"nhs_number", "date_of_birth", "phone", "email"}.isdisjoint(fields.visible(access.OUTREACH))
    assert {"risk_band", "segment", "long_term_conditions", "risk_factors"}.isdisjoint(fields.visible(NO_CLINICAL))


def test_resident_view_refuses_a_withheld_field(resident):
    shown = fields.present(resident, access.OUTREACH)
    assert shown.name == "Marigold Scopewell" and shown.age is not None
    for withheld in ("nhs_number", "risk_band", "phone"):
        assert not shown.shows(withheld)
        with pytest.raises(AttributeError, match="not shown"):
            getattr(shown, withheld)


@pytest.mark.parametrize(("role", "scope"), [("clinician", FULL), ("social_prescriber", NO_CLINICAL)])
def test_meeting_record_summary_shows_what_an_acute_event_was_about_only_in_the_full_scope(
    client, make_user, relate, resident, role, scope
):
    from octopus.meetings import services as meetings
    from tests.meetings_factories import make_series

    world = make_series(make_user)
    user = make_user(role, team=world["team"])
    relate(user, resident)
    meetings.confirm_confidentiality(world["series"], user)
    record_consent(actor=None, resident=resident, kind="discuss_at_mdt", status="given")
    entry = meetings.add_resident(world["meeting"], resident, world["gp"], "Falls")
    client.force_login(user)
    body = _text(client.get(reverse("meetings:discuss", args=[entry.pk])))
    assert "Marigold Scopewell" in body and "A&amp;E" in body
    assert (EVENT_DETAIL in body) == (scope == FULL)


def test_chww_outreach_allocation_shows_the_outreach_fields_and_opens_no_api(client, make_user):
    from tests.outreach_factories import church_street

    street = church_street(make_user)
    older = street["older"]
    client.force_login(street["chww"])
    body = _text(client.get(reverse("outreach:household", args=[street["first"].pk])))
    assert fields.visible(access.OUTREACH) >= {"name", "age", "main_language", "interpreter_needed"}
    for shown in ("Joseph Mensah", "Twi"):
        assert shown in body
    withheld = [
        older.nhs_number,
        older.phone,
        older.email,
        "4 March 1950",
        older.risk_band,
        older.segment,
        *older.long_term_conditions,
        *older.risk_factors,
    ]
    assert not [value for value in withheld if value and value in body]
    assert client.get(f"/api/residents/{older.person_id}").status_code == 403


# --- Pages added with case finding and care homes (issue #13): the same rule, field by field. ---

ACP_TEXT = ["Ceiling Psi: ward-based care only", "ACP note Chi"]


def _record_advance_care_plan(resident, author):
    from octopus.care.models import CarePlan

    plan = CarePlan.objects.get(resident=resident)  # started by the viewer fixture
    care.record_advance_care_plan(
        plan,
        author,
        cpr_recommendation="do_not_attempt",
        care_focus="comfort",
        ceilings_of_treatment=ACP_TEXT[0],
        notes=ACP_TEXT[1],
        agreed_with="Her daughter",
        agreed_by=author,
        agreed_on=plan.created_at.date(),
    )


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_advance_care_plan_is_shown_and_exported_only_in_the_full_scope(client, make_user, resident, viewer):
    """ReSPECT recommendations are clinical detail: the record, the care plan and its FHIR export show
    them to the full scope; every other scope sees that a plan exists, not what it says."""
    _record_advance_care_plan(resident, make_user("clinician"))
    pages = {
        "record page": _text(client.get(reverse("residents:record", args=[resident.person_id]))),
        "care plan": _text(client.get(reverse("care:plan", args=[resident.person_id]))),
        "FHIR care plan": _text(client.get(reverse("care:plan_fhir", args=[resident.person_id]))),
    }
    for where, body in pages.items():
        # The FHIR CarePlan carries the recommendations as coded observations, not the free-text notes.
        for value in ACP_TEXT[:1] if where.startswith("FHIR") else ACP_TEXT:
            assert (value in body) == (viewer == FULL), f"{where}: {value!r} in the {viewer} scope"
        assert ("not recommended" in body.lower()) == (viewer == FULL), (
            f"{where}: CPR recommendation in the {viewer} scope"
        )
    editing = client.get(reverse("care:advance_care", args=[resident.person_id]))
    assert editing.status_code == (200 if viewer == FULL else 403)
    if viewer != FULL:
        assert ACP_TEXT[0] not in editing.content.decode()


@pytest.mark.parametrize(
    ("role", "scope"), [("clinician", FULL), ("social_worker", FULL), ("social_prescriber", NO_CLINICAL)]
)
def test_care_home_page_shows_risk_and_falls_only_in_the_full_scope_and_only_related_residents(
    client, make_user, relate, role, scope
):
    from octopus.meetings import services as meetings

    home = meetings.register_care_home(None, name="Scopewell House", kind="nursing")
    known = make_resident(given_name="Marigold", family_name="Scopewell", risk_centile=97, **CLINICAL)
    stranger = make_resident(given_name="Hollis", family_name="Unrelated", risk_centile=88, **CLINICAL)
    for person in (known, stranger):
        meetings.place_resident(home, person, None)
    user = make_user(role)
    relate(user, known)
    client.force_login(user)
    body = _text(client.get(reverse("meetings:care_home", args=[home.pk])))
    assert "Marigold Scopewell" in body
    assert "Unrelated" not in body and stranger.person_id not in body  # no relationship: not listed at all
    assert ("band-sigma" in body) == (scope == FULL)
    assert ("centile 97" in body) == (scope == FULL)
    if scope != FULL:
        assert "Not shown (clinical detail)" in body


@pytest.mark.parametrize(
    ("role", "consent", "scope"), LIST_CASES, ids=[f"{r}-{'consent' if c else 'no-consent'}" for r, c, _ in LIST_CASES]
)
def test_json_caseload_names_the_resident_and_never_carries_snapshot_fields(
    client, make_user, resident, role, consent, scope
):
    """The JSON caseload (issue #15) is a worklist: who, which team, tier and review dates. Its
    schema has no clinical field, so no scope sees band, segment or conditions through it."""
    user = make_user(role)
    care.open_case(resident, user.memberships.get().team, user, source="search")
    if consent:
        record_consent(actor=None, resident=resident, kind="share_clinical_with_vcse", status="given")
    client.force_login(user)
    body = _text(client.get("/api/care/caseload"))
    assert resident.person_id in body
    _assert_clinical(body, NO_CLINICAL, "JSON caseload")
