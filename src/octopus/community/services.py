"""Everything that changes drop-in records goes through here: one transaction and one explicit
audit entry per change. An attendee is not a resident, so audit entries name the session and
the attendee's row, never the attendee's details."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.care import services as care
from octopus.care.models.referral import ContactRoute, Urgency
from octopus.directory.models import LSOA
from octopus.directory.places import distance_km
from octopus.governance import audit
from octopus.population.feeds.codes import is_valid_postcode, normalise_postcode
from octopus.population.feeds.nhs_number import is_valid_nhs_number

from . import needs as drop_in_needs
from . import scoping
from .models import Attendee, Introduction, IntroductionStatus, Session

# A venue further than this from every LSOA's point is outside the shipped geography; its needs
# are then counted with no LSOA rather than in the wrong place. An LSOA is about 1,500 residents,
# a few hundred metres across in inner London, so 1 km is generous.
NEAREST_LSOA_WITHIN_KM = 1.0


def venue_lsoa(location) -> str:
    """The LSOA whose point (``LSOA.latitude``/``longitude``, a point inside it) is nearest the
    venue. An approximation near LSOA boundaries: good enough to map where needs were found."""
    if location.latitude is None or location.longitude is None:
        return ""
    best, best_km = "", NEAREST_LSOA_WITHIN_KM
    for code, lat, lon in LSOA.objects.exclude(latitude=None).values_list("code", "latitude", "longitude"):
        km = distance_km(location.latitude, location.longitude, lat, lon)
        if km < best_km:
            best, best_km = code, km
    return best


def _may_run(actor) -> None:
    if not scoping.may_see_sessions(actor):
        raise PermissionDenied("Setting up a drop-in needs the 'do_outreach' or 'plan_outreach' capability.")


@transaction.atomic
def create_session(
    actor,
    *,
    location,
    title: str,
    held_on: dt.date,
    starts_at: dt.time,
    ends_at: dt.time,
    run_by,
    partners=(),
    staff=(),
    path: str = "",
) -> Session:
    _may_run(actor)
    problems = {}
    if not (title or "").strip():
        problems["title"] = "Give the drop-in the name residents know it by."
    if starts_at and ends_at and ends_at <= starts_at:
        problems["ends_at"] = "The drop-in must end after it starts."
    staff = list(staff)
    if not staff:
        problems["staff"] = "Choose at least one member of staff present: only they can record attendees."
    elif any(not member.has_capability("view_residents") for member in staff):
        problems["staff"] = "Only staff whose role opens resident data can record attendees."
    if problems:
        raise ValidationError(problems)
    session = Session.objects.create(
        location=location,
        title=title.strip(),
        held_on=held_on,
        starts_at=starts_at,
        ends_at=ends_at,
        lsoa_code=venue_lsoa(location),
        run_by=run_by,
        created_by=actor,
        created_at=timezone.now(),
    )
    session.partners.set(partners)
    session.staff.set(staff)
    audit.record(actor, "create", f"Set up {session}"[:300], obj=session, path=path)
    return session


def _staff_only(session: Session, actor) -> None:
    if not scoping.is_staff_at(actor, session):
        raise PermissionDenied("Only the staff present at this drop-in can record its attendees and introductions.")


@transaction.atomic
def record_attendee(
    session: Session,
    actor,
    *,
    anonymous: bool = False,
    given_name: str = "",
    family_name: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
    nhs_number: str = "",
    needs=(),
    consent_to_match: bool | None = None,
    path: str = "",
) -> Attendee:
    """Record someone in seconds. Anonymous means no identifier at all and never matched;
    otherwise whatever they chose to give, each checked; matching needs their agreement and
    enough to match on (a name with a date of birth, or an NHS number)."""
    _staff_only(session, actor)
    given_name, family_name = (given_name or "").strip(), (family_name or "").strip()
    nhs_number = "".join((nhs_number or "").split())
    postcode = (postcode or "").strip()
    problems = {}
    try:
        answers = drop_in_needs.from_choices(needs)
    except ValueError as error:
        problems["needs"] = str(error)
        answers = {}
    if anonymous:
        if given_name or family_name or date_of_birth or postcode or nhs_number:
            problems["anonymous"] = (
                "An anonymous attendee has no name, date of birth, postcode or NHS number: clear them or untick "
                "anonymous."
            )
        if consent_to_match:
            problems["consent_to_match"] = "An anonymous attendee cannot be matched with their record."
    if nhs_number and not is_valid_nhs_number(nhs_number):
        problems["nhs_number"] = "Enter the 10-digit NHS number as printed, or leave it empty."
    if postcode:
        if is_valid_postcode(normalise_postcode(postcode)):
            postcode = normalise_postcode(postcode)
        else:
            problems["postcode"] = "Enter a full postcode, like W2 5PS, or leave it empty."
    if date_of_birth and date_of_birth > timezone.localdate():
        problems["date_of_birth"] = "The date of birth must be in the past."
    if consent_to_match and not (nhs_number or (given_name and family_name and date_of_birth)):
        problems["consent_to_match"] = "To match them later, record their NHS number, or their name and date of birth."
    if problems:
        raise ValidationError(problems)
    attendee = Attendee.objects.create(
        session=session,
        anonymous=anonymous,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        postcode=postcode,
        nhs_number=nhs_number,
        needs=answers,
        consent_to_match=consent_to_match,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit.record(actor, "create", f"Recorded an attendee at {session}"[:300], obj=attendee, path=path)
    return attendee


@transaction.atomic
def introduce(
    attendee: Attendee,
    actor,
    *,
    to_practitioner,
    need: str = "",
    shared_information: str,
    attendee_agreed: bool,
    path: str = "",
) -> Introduction:
    """A warm introduction on the spot to a named person. An attendee matched to a resident is
    introduced through the care app's referral service as well, so the named person sees it in
    their inbox and the resident's record shows it; the drop-in row then follows the referral."""
    _staff_only(attendee.session, actor)
    problems = {}
    if to_practitioner is None or not to_practitioner.active:
        problems["to_practitioner"] = "Choose the named person you are introducing them to."
    if need and need not in (attendee.needs or {}):
        problems["need"] = "Choose one of the needs recorded for this attendee, or none."
    if not (shared_information or "").strip():
        problems["shared_information"] = "Say what the attendee agreed may be shared."
    if not attendee_agreed:
        problems["attendee_agreed"] = "Confirm the attendee agreed to the introduction and to what is shared."
    if problems:
        raise ValidationError(problems)
    referral = None
    if attendee.resident_id is not None:
        referral = care.send_referral(
            attendee.resident,
            actor,
            to_practitioner=to_practitioner,
            reason=(
                f"Introduced at {attendee.session}: "
                f"{drop_in_needs.topic_words(need).lower() if need else 'asked for help'}."
            ),
            urgency=Urgency.ROUTINE,
            shared_information=shared_information,
            resident_agreed=True,
            preferred_contact=ContactRoute.VIA_REFERRER,
            path=path,
        )
    now = timezone.now()
    introduction = Introduction.objects.create(
        attendee=attendee,
        to_practitioner=to_practitioner,
        need=need,
        shared_information=shared_information.strip(),
        referral=referral,
        made_by=actor,
        made_at=now,
        updated_at=now,
    )
    audit.record(
        actor,
        "create",
        f"Introduced an attendee at {attendee.session} to {to_practitioner.name}"[:300],
        obj=introduction,
        path=path,
        resident_id=attendee.resident.person_id if attendee.resident_id else "",
    )
    return introduction


NEXT = {
    IntroductionStatus.MADE: {IntroductionStatus.MET, IntroductionStatus.COMPLETED, IntroductionStatus.CLOSED},
    IntroductionStatus.MET: {IntroductionStatus.COMPLETED, IntroductionStatus.CLOSED},
    IntroductionStatus.COMPLETED: set(),
    IntroductionStatus.CLOSED: set(),
}


@transaction.atomic
def set_status(introduction: Introduction, actor, status: str, *, path: str = "") -> Introduction:
    """How an introduction went, as the drop-in staff hear back. One that went through the care
    app follows its referral, which the receiving person moves on."""
    _staff_only(introduction.attendee.session, actor)
    if introduction.referral_id:
        raise ValidationError(
            "This introduction went through the care record: the person introduced to records its progress."
        )
    if status not in NEXT[introduction.status]:
        raise ValidationError(
            f"This introduction is {introduction.get_status_display().lower()}; it cannot be marked "
            f"{IntroductionStatus(status).label.lower() if status in IntroductionStatus.values else status}."
        )
    introduction.status, introduction.updated_at = status, timezone.now()
    introduction.save(update_fields=["status", "updated_at"])
    audit.record(
        actor, "change", f"{introduction}: {introduction.get_status_display()}"[:300], obj=introduction, path=path
    )
    return introduction
