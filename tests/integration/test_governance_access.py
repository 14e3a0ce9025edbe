"""Break glass and the role limits on top of the legitimate-relationship rule."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from octopus.governance import access, consent
from octopus.governance.models import AuditEvent, BreakGlassAccess
from tests.security.factories import TEST_BASIS, make_resident, relate  # noqa: F401

pytestmark = pytest.mark.django_db


def test_no_relationship_means_no_access(make_user):
    user, resident = make_user("clinician"), make_resident()
    assert access.basis_for(user, resident) is None
    assert not access.residents_for(user).exists()
    with pytest.raises(PermissionDenied):
        access.get_resident(user, resident.person_id)


def test_relationship_gives_access_with_its_basis(make_user, relate):
    user, resident = make_user("clinician"), make_resident()
    relate(user, resident)
    assert access.basis_for(user, resident) == TEST_BASIS
    assert list(access.residents_for(user)) == [resident]
    assert access.get_resident(user, resident.person_id) == (resident, TEST_BASIS)


def test_residents_for_unions_every_term_of_every_provider(make_user):
    from octopus.residents.models import Resident

    user = make_user("clinician")
    by_subquery, by_list, by_name, both, elm, fir = (
        make_resident(family_name=name) for name in ("Ash", "Birch", "Cedar", "Cedar", "Elm", "Fir")
    )
    # An OR of IN-subqueries, an IN-list, a plain field and an empty list; an AND with a negation.
    access.register("terms", "Terms")(
        lambda u: (
            Q(pk__in=Resident.objects.filter(pk__in=[by_subquery.pk, both.pk]).values("pk"))
            | (Q(pk__in=[by_list.pk]) | Q(family_name="Cedar"))
            | Q(pk__in=[])
        )
    )
    access.register("negated", "Negated")(lambda u: Q(family_name__in=["Elm", "Fir"]) & ~Q(pk=fir.pk))
    try:
        visible = list(access.residents_for(user).order_by("pk"))
        assert visible == [by_subquery, by_list, by_name, both, elm]
        assert access.residents_for(user).filter(family_name="Cedar").count() == 2
    finally:
        access.unregister("terms")
        access.unregister("negated")


def test_residents_for_gives_nobody_for_empty_terms(make_user):
    from octopus.residents.models import Resident

    user = make_user("clinician")
    first = make_resident()
    make_resident()
    # An empty Q grants nobody (not everybody); a sliced subquery keeps its slice.
    access.register("nothing", "Nothing")(lambda u: Q(pk__in=[]) | Q(pk__in=[]))
    access.register("empty", "Empty")(lambda u: Q())
    try:
        assert list(access.residents_for(user)) == []
        access.register("first", "First")(lambda u: Q(pk__in=Resident.objects.order_by("pk").values("pk")[:1]))
        assert list(access.residents_for(user)) == [first]
    finally:
        for code in ("nothing", "empty", "first"):
            access.unregister(code)


def test_break_glass_grants_time_limited_access_to_one_resident(make_user):
    user, resident, other = make_user("clinician"), make_resident(), make_resident()
    grant = access.request_break_glass(user, resident, "urgent_care", "Resident collapsed at the drop-in")
    assert access.basis_for(user, resident) == "Break glass: Urgent care: the resident needs care now and I am involved"
    assert list(access.residents_for(user)) == [resident]
    assert access.basis_for(user, other) is None
    assert grant.expires_at - grant.granted_at == timedelta(hours=4)
    assert access.break_glass_for(user, resident) == grant
    event = AuditEvent.objects.get(action="break_glass")
    assert event.resident_id == resident.person_id and "collapsed" in event.summary


def test_break_glass_expires(make_user, settings):
    settings.OCTOPUS_BREAK_GLASS_HOURS = 1
    user, resident = make_user("clinician"), make_resident()
    grant = access.request_break_glass(user, resident, "safeguarding", "Concern raised by a neighbour today")
    assert grant.expires_at - grant.granted_at == timedelta(hours=1)
    BreakGlassAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert access.basis_for(user, resident) is None
    assert access.break_glass_for(user, resident) is None


def test_break_glass_needs_a_reason_and_an_explanation(make_user):
    user, resident = make_user("clinician"), make_resident()
    with pytest.raises(ValidationError):
        access.request_break_glass(user, resident, "because", "A long enough explanation")
    with pytest.raises(ValidationError):
        access.request_break_glass(user, resident, "urgent_care", "short")


@pytest.mark.parametrize("role", ["analyst", "system_admin", "ig_lead", "int_manager"])
def test_roles_without_view_residents_cannot_break_glass(make_user, role):
    user, resident = make_user(role), make_resident()
    with pytest.raises(PermissionDenied):
        access.request_break_glass(user, resident, "urgent_care", "I would like to see this record")
    assert not access.residents_for(user).exists()


def test_admin_manages_users_but_sees_no_resident_even_with_a_relationship(make_user, relate):
    admin, resident = make_user("system_admin"), make_resident()
    relate(admin, resident)
    assert access.basis_for(admin, resident) is None
    assert not access.residents_for(admin).exists()
    assert admin.has_capability("administer")


def test_analyst_never_reaches_names_or_nhs_numbers(make_user, relate):
    analyst, resident = make_user("analyst"), make_resident()
    relate(analyst, resident)
    assert not analyst.has_capability("view_residents")
    with pytest.raises(PermissionDenied):
        access.get_resident(analyst, resident.person_id)


def test_vcse_worker_sees_clinical_detail_only_with_consent(make_user, relate):
    vcse, clinician, resident = make_user("vcse_worker"), make_user("clinician"), make_resident()
    relate(vcse, resident)
    relate(clinician, resident)
    assert access.may_see_clinical_detail(clinician, resident)
    assert not access.may_see_clinical_detail(vcse, resident)
    consent.record_consent(actor=clinician, resident=resident, kind="share_clinical_with_vcse", status="given")
    assert access.may_see_clinical_detail(vcse, resident)
    consent.record_consent(actor=clinician, resident=resident, kind="share_clinical_with_vcse", status="withdrawn")
    assert not access.may_see_clinical_detail(vcse, resident)


def test_social_prescriber_without_capability_sees_no_clinical_detail(make_user, relate):
    user, resident = make_user("social_prescriber"), make_resident()
    relate(user, resident)
    assert not access.may_see_clinical_detail(user, resident)


def test_no_clinical_detail_without_a_relationship(make_user):
    assert not access.may_see_clinical_detail(make_user("clinician"), make_resident())


def test_break_glass_page_reveals_only_that_a_record_exists(client, make_user):
    user = make_user("clinician")
    resident = make_resident(given_name="Zebedee", family_name="Quill", nhs_number="9434765919")
    client.force_login(user)
    response = client.get(reverse("governance:break-glass", args=[resident.person_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert resident.person_id in body
    for secret in ("Zebedee", "Quill", "9434765919", "943 476 5919", "W2 1NY"):
        assert secret not in body
    missing = client.get(reverse("governance:break-glass", args=["P-NOPE"]))
    assert missing.status_code == 404 and "No record found" in missing.content.decode()


def test_break_glass_page_grants_and_redirects_to_next(client, make_user):
    user, resident = make_user("clinician"), make_resident()
    client.force_login(user)
    response = client.post(
        reverse("governance:break-glass", args=[resident.person_id]),
        {"reason": "covering", "detail": "Covering for Sam who is on leave", "next": "/somewhere/"},
    )
    assert response.status_code == 302 and response["Location"] == "/somewhere/"
    assert access.break_glass_for(user, resident) is not None


def test_break_glass_page_ignores_offsite_next(client, make_user):
    user, resident = make_user("clinician"), make_resident()
    client.force_login(user)
    response = client.post(
        reverse("governance:break-glass", args=[resident.person_id]),
        {"reason": "covering", "detail": "Covering for Sam who is on leave", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_break_glass_banner_shows_while_grant_lasts(make_user):
    from django.template.loader import render_to_string

    from octopus.governance.presenters import break_glass_banner_context

    user, resident = make_user("clinician"), make_resident()
    assert "Break-glass access" not in render_to_string(
        "governance/break_glass_banner.jinja", break_glass_banner_context(user, resident)
    )
    access.request_break_glass(user, resident, "meeting", "Preparing for this afternoon's huddle")
    html = render_to_string("governance/break_glass_banner.jinja", break_glass_banner_context(user, resident))
    assert "Break-glass access" in html and "Preparing for a meeting" in html


def test_ig_lead_reviews_break_glass(client, make_user):
    user, resident, lead = make_user("clinician"), make_resident(), make_user("ig_lead")
    grant = access.request_break_glass(user, resident, "urgent_care", "Resident collapsed at the drop-in")
    client.force_login(lead)
    queue = client.get(reverse("governance:break-glass-queue"))
    assert "Resident collapsed at the drop-in" in queue.content.decode()
    response = client.post(
        reverse("governance:break-glass-review", args=[grant.pk]), {"outcome": "inappropriate", "note": ""}
    )
    assert response.status_code == 200 and "Say what follow-up is needed" in response.content.decode()
    response = client.post(
        reverse("governance:break-glass-review", args=[grant.pk]), {"outcome": "appropriate", "note": ""}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == lead and grant.outcome == "appropriate"
    assert AuditEvent.objects.filter(action="review", resident_id=resident.person_id).exists()
    assert "Nothing to review" in client.get(reverse("governance:break-glass-queue")).content.decode()


def test_pseudonym_is_keyed_stable_and_not_the_id(settings):
    from octopus.governance import pseudonyms

    settings.OCTOPUS_PSEUDONYMISATION_KEY = "key-one"
    pseudonyms.reset_key_cache()
    first = pseudonyms.pseudonym("P000001")
    assert first == pseudonyms.pseudonym("P000001")
    assert "P000001" not in first and first != pseudonyms.pseudonym("P000002")
    settings.OCTOPUS_PSEUDONYMISATION_KEY = "key-two"
    pseudonyms.reset_key_cache()
    assert pseudonyms.pseudonym("P000001") != first
    pseudonyms.reset_key_cache()


def test_pseudonym_key_generated_for_demo_when_unset(settings, tmp_path):
    from octopus.governance import pseudonyms

    settings.OCTOPUS_PSEUDONYMISATION_KEY = None
    settings.DATA_DIR = tmp_path
    pseudonyms.reset_key_cache()
    value = pseudonyms.pseudonym("P1")
    assert (tmp_path / "pseudonymisation-key").exists()
    pseudonyms.reset_key_cache()
    assert pseudonyms.pseudonym("P1") == value
    pseudonyms.reset_key_cache()
