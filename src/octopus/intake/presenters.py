"""View models for the intake pages, so the templates stay free of logic."""

from __future__ import annotations

from dataclasses import dataclass

from octopus.population.linkage.review import ReviewPair

FIELD_LABELS = {
    "nhs_number": "NHS number",
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
}
METHOD_LABELS = {
    "nhs_number": "Same NHS number",
    "exact_demographics": "Exact name and date of birth",
    "probabilistic": "Probabilistic (Splink, probability 0.99 or more)",
    "clerical": "Confirmed in clerical review",
    "new": "Not linked to anyone else",
}


@dataclass(frozen=True)
class FieldRow:
    label: str
    left: str
    right: str

    @property
    def differs(self) -> bool:
        return self.left.replace(" ", "").lower() != self.right.replace(" ", "").lower()


def source_label(unit_key: str) -> str:
    """'E09000019/C123' -> 'sender E09000019, person C123'; record-level keys name the feed."""
    if ":" in unit_key.split("/", 1)[0]:
        feed, rest = unit_key.split(":", 1)
        sender, record = rest.split("/", 1)
        return f"{feed.replace('_', ' ')} record {record} from {sender}"
    sender, person = unit_key.split("/", 1)
    return f"person {person} from {sender}"


def field_rows(pair: ReviewPair) -> list[FieldRow]:
    return [FieldRow(FIELD_LABELS.get(name, name), left or "", right or "") for name, left, right in pair.fields]


def neighbours(pairs: list[ReviewPair], pair_id: str) -> tuple[int, str | None, str | None]:
    """Position (from 1) of a pair in the queue and the ids before and after it."""
    ids = [pair.pair_id for pair in pairs]
    index = ids.index(pair_id)
    return index + 1, ids[index - 1] if index else None, ids[index + 1] if index + 1 < len(ids) else None


def elapsed(since, until=None) -> str:
    """How long from ``since`` to ``until`` (default now), for the run's progress display."""
    from django.utils import timezone

    if since is None:
        return ""
    seconds = max(int(((until or timezone.now()) - since).total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def figure(value, places: int = 3) -> str:
    """A model-card figure as the page shows it; "not available" where the card has none
    (for example a calibration fit that did not converge)."""
    return "not available" if value is None else f"{value:.{places}f}"
