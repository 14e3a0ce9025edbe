"""Change in wellbeing between the start and review, per person and per service, with the
number of people behind each figure and disclosure control.

A person counts for a measure when both their start and review scores for it are recorded.
"Per service" is per destination of the introductions made for them (the team in the
directory); a person introduced to two services counts in both, and once in "Everyone".

Disclosure: a mean drawn from 1 to 7 people is withheld, and the number of people is published
as ``core.disclosure.publish_count`` does (suppressed 1-7, otherwise rounded to 5), the
OpenSAFELY rules the Population pages use. Means are computed from the true scores; with eight
or more people behind a mean of bounded scores no one answer can be read back from it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from octopus.core.disclosure import is_small, publish_count

from . import measures
from .models import Occasion, Prescription

EVERYONE = "Everyone"


@dataclass(frozen=True)
class Change:
    """One person's change on one reported figure."""

    measure: str  # e.g. "ons4:life_satisfaction"
    label: str
    start: float
    review: float
    higher_is_better: bool

    @property
    def change(self) -> float:
        return self.review - self.start

    @property
    def direction(self) -> str:
        if self.change == 0:
            return "No change"
        better = (self.change > 0) == self.higher_is_better
        return "Better" if better else "Worse"


def person_changes(scores) -> list[Change]:
    """From one person's WellbeingScore rows: each reported figure with both occasions."""
    by = {(s.instrument, s.occasion): s.scores for s in scores}
    changes = []
    for instrument, headlines in measures.HEADLINES.items():
        start, review = by.get((instrument, Occasion.START)), by.get((instrument, Occasion.REVIEW))
        if start is None or review is None:
            continue
        for key, label, higher in headlines:
            changes.append(Change(f"{instrument}:{key}", label, start[key], review[key], higher))
    return changes


def summarise(groups: dict[str, list[Change]]) -> list[dict]:
    """Per group and figure: people, mean at start, at review and mean change, protected."""
    rows = []
    for group, changes in groups.items():
        by_measure: dict[tuple[str, str], list[Change]] = defaultdict(list)
        for change in changes:
            by_measure[(change.measure, change.label)].append(change)
        for (measure, label), found in sorted(by_measure.items()):
            people = len(found)
            withheld = is_small(people)
            rows.append(
                {
                    "group": group,
                    "measure": label,
                    "measure_code": measure,
                    "people": publish_count(people),
                    "mean_start": None if withheld else round(statistics.fmean(c.start for c in found), 2),
                    "mean_review": None if withheld else round(statistics.fmean(c.review for c in found), 2),
                    "mean_change": None if withheld else round(statistics.fmean(c.change for c in found), 2),
                }
            )
    return rows


def by_service(prescriptions=None) -> list[dict]:
    """Everyone, then each destination service, for every prescription (no one is named)."""
    prescriptions = prescriptions if prescriptions is not None else Prescription.objects.all()
    prescriptions = prescriptions.prefetch_related("scores", "introductions__referral__to_team")
    groups: dict[str, list[Change]] = defaultdict(list)
    for prescription in prescriptions:
        changes = person_changes(prescription.scores.all())
        if not changes:
            continue
        groups[EVERYONE].extend(changes)
        for team in {made.referral.to_team.name for made in prescription.introductions.all()}:
            groups[team].extend(changes)
    ordered = {EVERYONE: groups.pop(EVERYONE, [])} if EVERYONE in groups else {}
    ordered.update(sorted(groups.items()))
    return summarise(ordered)
