"""Who may see drop-in attendees, and which of their fields (decision 0042).

An attendee is not (yet) a resident, so the governance access point's relationships cannot
reach them; this module is the same pattern for them. The legitimate relationship is having
been one of the staff present at the session: they met the attendee and recorded them. They see
the ``STAFF`` fields. Anyone who runs or plans drop-ins (``do_outreach``, ``plan_outreach``)
sees sessions as counts and needs with no identifier (``SUMMARY``). Views reach attendees only
through ``attendees_for``; ``scripts/lint_model_usage.py`` refuses ``Attendee.objects`` in views.
"""

from django.db.models import QuerySet

from .models import Attendee, Introduction, Session

STAFF = "staff"
SUMMARY = "summary"

# The fields each scope may see, for the page, the CSV and any API alike (``presenters``).
NEEDS_FIELDS = ("number", "anonymous", "needs", "consent_to_match", "matched", "introductions")
IDENTIFYING_FIELDS = ("name", "date_of_birth", "postcode", "nhs_number")
FIELDS = {STAFF: NEEDS_FIELDS + IDENTIFYING_FIELDS, SUMMARY: NEEDS_FIELDS}


def may_see_sessions(user) -> bool:
    return bool(
        user and user.is_authenticated and (user.has_capability("do_outreach") or user.has_capability("plan_outreach"))
    )


def sessions_for(user) -> QuerySet[Session]:
    """Every session, for those who run or plan drop-ins (counts carry no attendee); none otherwise."""
    return Session.objects.all() if may_see_sessions(user) else Session.objects.none()


def is_staff_at(user, session: Session) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.has_capability("view_residents")
        and session.staff.filter(pk=user.pk).exists()
    )


def scope_for(user, session: Session) -> str | None:
    if is_staff_at(user, session):
        return STAFF
    return SUMMARY if may_see_sessions(user) else None


def attendees_for(user) -> QuerySet[Attendee]:
    """The attendees this user may see named: those of sessions they were present at."""
    if not (user and user.is_authenticated and user.has_capability("view_residents")):
        return Attendee.objects.none()
    return Attendee.objects.filter(session__staff=user)


def introductions_for(user) -> QuerySet[Introduction]:
    return Introduction.objects.filter(attendee__in=attendees_for(user))
