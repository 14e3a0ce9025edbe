"""Matching attendees with their record later, through the linkage every partner feed uses.

Attendees who agreed (``consent_to_match``) leave as a delivery of the ``vcse_contacts`` feed,
the contract for VCSE partners that usually hold no NHS number (names, date of birth, postcode):

    octopus community export-for-linkage --sender CC-DROPINS --out inbox/
    octopus feeds load inbox/vcse_contacts__drop-ins-….csv       # or the intake page's upload
    octopus feeds link                                             # or "Link now"
    octopus community match --sender CC-DROPINS --linked data/linked/

The attendee's ``source_person_id`` is ``DROPIN-<id>``; after linking, the linked extract gives
the person id each one was linked to (``population.source_ids``), and ``match`` sets
``Attendee.resident`` where that person is a resident here. Attendees who did not agree, or came
anonymously, are never written out (decision 0042).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from octopus.governance import audit
from octopus.population import source_ids
from octopus.residents.models import Resident

from .models import Attendee

FEED = "vcse_contacts"
COLUMNS = (
    "sender_code",
    "source_record_id",
    "source_person_id",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "organisation_name",
    "contact_date",
    "need_domain",
)

# Doorstep need codes (octopus.outreach.conversation) → the feed's need_domain codes
# (population/feeds/contracts/vcse_contacts.yaml). Health worries have no domain of their own there.
NEED_DOMAIN = {
    "housing": "housing",
    "money:debt": "debt",
    "money:benefits_check": "benefits",
    "money:food": "food",
    "employment": "employment",
    "isolation": "isolation",
    "wellbeing": "mental_wellbeing",
}


def need_domain(topic: str, option: str) -> str:
    return NEED_DOMAIN.get(f"{topic}:{option}") or NEED_DOMAIN.get(topic) or "other"


def to_link() -> list[Attendee]:
    """Attendees who agreed to be matched and are not matched yet."""
    return list(
        Attendee.objects.filter(consent_to_match=True, anonymous=False, resident__isnull=True)
        .select_related("session__run_by")
        .order_by("pk")
    )


def export_for_linkage(out_dir: Path, sender_code: str, *, actor=None) -> tuple[Path, int]:
    """Write one ``vcse_contacts`` delivery of the attendees to link; returns the file and rows."""
    attendees = to_link()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{FEED}__drop-ins-{sender_code.lower()}-{timezone.now():%Y%m%dT%H%M%S}.csv"
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for attendee in attendees:
            domains = sorted(
                {need_domain(topic, option) for topic, options in attendee.needs.items() for option in options}
            ) or ["other"]
            for domain in domains:
                writer.writerow(
                    [
                        sender_code,
                        f"{attendee.source_person_id}-{domain}",
                        attendee.source_person_id,
                        attendee.nhs_number,
                        attendee.given_name,
                        attendee.family_name,
                        attendee.date_of_birth.isoformat() if attendee.date_of_birth else "",
                        "unknown",
                        attendee.postcode,
                        attendee.session.run_by.name,
                        attendee.session.held_on.isoformat(),
                        domain,
                    ]
                )
                rows += 1
    audit.record(
        actor,
        "export",
        f"Drop-in attendees who agreed to be matched, for linkage: {len(attendees)} "
        f"attendee(s), {rows} row(s) to {path.name}"[:300],
        object_type="Attendee",
    )
    return path, rows


@dataclass(frozen=True)
class MatchReport:
    matched: int
    not_linked: int  # sent, but not in the linked extract (not loaded yet, or quarantined)
    not_resident: int  # linked to a person who is not a resident here

    def describe(self) -> str:
        return (
            f"{self.matched} attendee(s) matched with their record; {self.not_linked} not in the linked extract yet; "
            f"{self.not_resident} linked to a person who is not a resident here."
        )


def match(linked_dir: Path, sender_code: str, *, actor=None) -> MatchReport:
    """Set each agreeing attendee's resident from the linked extract, one audited change each."""
    prefix = f"{sender_code}:"
    person_for: dict[str, str] = {}
    for row in source_ids.source_ids(Path(linked_dir)).itertuples(index=False):
        for pair in str(row.source_ids).split(source_ids.SEPARATOR):
            if pair.startswith(prefix + "DROPIN-"):
                person_for[pair[len(prefix) :]] = row.person_id
    waiting = to_link()
    residents = {
        r.person_id: r
        for r in Resident.objects.filter(
            person_id__in={person_for[a.source_person_id] for a in waiting if a.source_person_id in person_for}
        )
    }
    matched = not_linked = not_resident = 0
    for attendee in waiting:
        person_id = person_for.get(attendee.source_person_id)
        if person_id is None:
            not_linked += 1
            continue
        resident = residents.get(person_id)
        if resident is None:
            not_resident += 1
            continue
        with transaction.atomic():
            attendee.resident, attendee.matched_at = resident, timezone.now()
            attendee.save(update_fields=["resident", "matched_at"])
            audit.record(
                actor,
                "change",
                "Matched a drop-in attendee (agreed to matching) with their record by linkage",
                resident_id=resident.person_id,
                obj=attendee,
            )
        matched += 1
    return MatchReport(matched, not_linked, not_resident)
