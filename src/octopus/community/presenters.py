"""What the drop-in pages show of a session and its attendees: one presenter applies the field
scope (``scoping.FIELDS``) so the page and anything built on it show the same fields."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from . import needs, scoping
from .models import Attendee, Session


def attendee(row: Attendee, number: int, scope: str) -> dict:
    """The attendee as the scope may see them. Fields outside the scope are absent, not blank."""
    allowed = scoping.FIELDS[scope]
    shown = {
        "number": number,
        "anonymous": row.anonymous,
        "needs": needs.describe(row.needs),
        "consent_to_match": {True: "Yes", False: "No", None: "Not asked"}[row.consent_to_match],
        "matched": row.resident_id is not None,
        "introductions": [
            {
                "pk": i.pk,
                "to": f"{i.to_practitioner.name}, {i.to_practitioner.team.name}",
                "need": needs.topic_words(i.need) if i.need else "",
                "status": i.get_status_display()
                if not i.referral_id
                else f"Through the care record: {i.referral.get_status_display().lower()}",
                "completed": i.completed,
                "open": not i.referral_id and i.status in ("made", "met"),
            }
            for i in row.introductions.all()
        ],
        "name": "Anonymous"
        if row.anonymous
        else (" ".join(p for p in (row.given_name, row.family_name) if p) or "Name not given"),
        "date_of_birth": row.date_of_birth,
        "postcode": row.postcode,
        "nhs_number": row.nhs_number,
        "pk": row.pk,
    }
    return {key: value for key, value in shown.items() if key in allowed or key == "pk" and scope == scoping.STAFF}


@dataclass(frozen=True)
class Summary:
    attendees: int
    anonymous: int
    agreed_to_match: int
    matched: int
    needs: list[tuple[str, int]]  # kind of need in words, count
    introductions: int
    completed: int

    @property
    def needs_found(self) -> int:
        return sum(count for _, count in self.needs)


def summary(session: Session) -> Summary:
    """Counts only: what anyone who runs or plans drop-ins may see of a session."""
    attendees = list(session.attendees.prefetch_related("introductions__referral"))
    kinds = Counter()
    for row in attendees:
        for topic, options in (row.needs or {}).items():
            kinds[needs.topic_words(topic)] += len(options)
    introductions = [i for row in attendees for i in row.introductions.all()]
    return Summary(
        attendees=len(attendees),
        anonymous=sum(a.anonymous for a in attendees),
        agreed_to_match=sum(bool(a.consent_to_match) for a in attendees),
        matched=sum(a.resident_id is not None for a in attendees),
        needs=sorted(kinds.items(), key=lambda item: (-item[1], item[0])),
        introductions=len(introductions),
        completed=sum(i.completed for i in introductions),
    )
