"""Consent, objections and contact preferences: recorded with an audit entry, and asked."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from octopus.governance import consent
from octopus.governance.models import AuditEvent, Consent, ConsentKind
from tests.security.factories import make_resident, relate  # noqa: F401

# `clock`: outcomes here are reckoned from today (due dates, expiries, rounds, worklist windows).
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_consent_to_discuss_is_none_until_asked(make_user):
    assert consent.consent_to_discuss(make_resident()) is None


def test_latest_consent_decision_wins_and_is_audited(make_user):
    user, resident = make_user("clinician"), make_resident()
    consent.record_consent(actor=user, resident=resident, kind="discuss_at_mdt", status="given")
    consent.record_consent(actor=user, resident=resident, kind="discuss_at_mdt", status="withdrawn")
    decision = consent.consent_to_discuss(resident)
    assert decision.status == "withdrawn" and not decision.allowed
    assert AuditEvent.objects.filter(action="change", resident_id=resident.person_id).count() == 2


def test_expired_consent_counts_as_not_asked(make_user):
    user, resident = make_user("clinician"), make_resident()
    consent.record_consent(
        actor=user, resident=resident, kind="discuss_at_mdt", status="given", expires_on=timezone.localdate()
    )
    assert consent.consent_to_discuss(resident).allowed
    assert consent.current_consent(resident, "discuss_at_mdt", today=timezone.localdate() + timedelta(days=1)) is None


def test_consents_for_gives_each_kinds_current_consent_in_one_query(make_user, django_assert_num_queries):
    user, resident = make_user("clinician"), make_resident()
    consent.record_consent(actor=user, resident=resident, kind="discuss_at_mdt", status="given")
    consent.record_consent(actor=user, resident=resident, kind="discuss_at_mdt", status="refused")
    consent.record_consent(actor=user, resident=resident, kind="receive_introductions", status="given")
    # The latest decision has lapsed: an earlier unexpired one does not come back.
    consent.record_consent(actor=user, resident=resident, kind="share_between_organisations", status="given")
    consent.record_consent(
        actor=user,
        resident=resident,
        kind="share_between_organisations",
        status="given",
        expires_on=timezone.localdate(),
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    with django_assert_num_queries(1):
        decisions = consent.consents_for(resident, today=tomorrow)
    assert decisions == {kind: consent.current_consent(resident, kind, today=tomorrow) for kind in ConsentKind.values}
    assert decisions["discuss_at_mdt"].status == "refused" and decisions["receive_introductions"].allowed
    assert decisions["share_between_organisations"] is None and decisions["share_clinical_with_vcse"] is None


def test_best_interests_needs_rationale_and_decider(make_user):
    user, resident = make_user("clinician"), make_resident()
    with pytest.raises(ValidationError) as error:
        consent.record_consent(
            actor=user, resident=resident, kind="discuss_at_mdt", status="given", basis="best_interests"
        )
    assert {"rationale", "decided_by"} <= set(error.value.message_dict)
    consent.record_consent(
        actor=user,
        resident=resident,
        kind="discuss_at_mdt",
        status="given",
        basis="best_interests",
        rationale="Lacks capacity for this decision; discussion needed to keep her safe at home",
        decided_by="Dr A Okafor, GP",
    )
    decision = consent.consent_to_discuss(resident)
    assert decision.allowed and decision.basis == "best_interests" and decision.decided_by == "Dr A Okafor, GP"
    assert "best interests" in decision.summary.lower()


def test_objections_exclude_from_analytics_until_withdrawn(make_user):
    user = make_user("clinician")
    opted_out, type_1, neither = make_resident(), make_resident(), make_resident()
    consent.record_objection(actor=None, resident=opted_out, kind="national_data_opt_out", source="NHS Spine feed")
    objection = consent.record_objection(actor=user, resident=type_1, kind="type_1")
    assert consent.analytics_excluded_person_ids() == {opted_out.person_id, type_1.person_id}
    consent.withdraw_objection(actor=user, objection=objection)
    assert consent.analytics_excluded_person_ids() == {opted_out.person_id}
    assert neither.person_id not in consent.analytics_excluded_person_ids()


@pytest.mark.parametrize(
    ("fields", "preference", "route", "allowed", "reason"),
    [
        ({}, None, "phone", True, ""),
        ({"date_of_death": date(2026, 11, 1)}, None, "phone", False, "died"),
        ({}, {"do_not_contact": True, "note": "Asked at the door"}, "letter", False, "asked not to be contacted"),
        ({}, {"refused_routes": ["phone"]}, "phone", False, "by phone call"),
        ({}, {"refused_routes": ["phone"]}, "letter", True, ""),
        ({"phone": ""}, None, "sms", False, "No phone number"),
        ({"email": ""}, None, "email", False, "No email"),
    ],
)
def test_may_contact(make_user, fields, preference, route, allowed, reason):
    resident = make_resident(**fields)
    if preference:
        consent.record_contact_preference(actor=make_user("chww"), resident=resident, **preference)
    ok, why = consent.may_contact(resident, route)
    assert ok is allowed
    assert reason in why
    assert consent._contact_decision(resident, consent.current_preference(resident), route) == (ok, why)


def test_consent_panel_requires_a_relationship(client, make_user):
    user, resident = make_user("clinician"), make_resident()
    client.force_login(user)
    assert client.get(reverse("governance:consent-panel", args=[resident.person_id])).status_code == 403


def test_consent_form_records_with_htmx_and_returns_the_panel(client, make_user, relate):
    user, resident = make_user("clinician"), make_resident()
    relate(user, resident)
    client.force_login(user)
    response = client.post(
        reverse("governance:consent-record", args=[resident.person_id]),
        {"form": "consent", "kind": "discuss_at_mdt", "status": "given", "basis": "consent"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="consent-panel"' in body and "Recorded." in body and "<html" not in body
    assert Consent.objects.get().status == "given"


def test_consent_form_errors_are_shown_in_the_panel(client, make_user, relate):
    user, resident = make_user("clinician"), make_resident()
    relate(user, resident)
    client.force_login(user)
    response = client.post(
        reverse("governance:consent-record", args=[resident.person_id]),
        {"form": "consent", "kind": "discuss_at_mdt", "status": "given", "basis": "best_interests"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "There is a problem" in body and "needs a rationale" in body
    assert not Consent.objects.exists()


def test_contact_preference_form(client, make_user, relate):
    user, resident = make_user("chww"), make_resident()
    relate(user, resident)
    client.force_login(user)
    response = client.post(
        reverse("governance:consent-record", args=[resident.person_id]),
        {
            "form": "preference",
            "preferred_route": "letter",
            "refused_routes": ["phone"],
            "language": "Bengali",
            "interpreter_needed": "on",
        },
    )
    assert response.status_code == 302
    assert consent.may_contact(resident, "phone")[0] is False
    assert consent.current_preference(resident).language == "Bengali"
