"""View models for the intake pages, so the templates stay free of logic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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


@dataclass(frozen=True)
class LinkageRunProgress:
    """A running linkage job's progress as the page says it: the stage, how far, how fast, how long left."""

    stage: str
    # fmt: off
    position: str        # "1,200,000 of 3,400,000 pairs", or "12,000 rows" when the total is not known
    rate: str            # "41,000 pairs a second", or "" before anything is counted
    time_left: str       # "about 2 min 10 s left", or "" when it cannot be worked out yet
    pairs: str           # "pairs blocked 3,400,000, compared 1,200,000, clustered 0"
    # fmt: on


def linkage_progress(job, now=None) -> LinkageRunProgress | None:
    """None until the task has reported a stage."""
    from django.utils import timezone

    if not job or not job.stage:
        return None
    now = now or timezone.now()
    done, total, unit = job.stage_done or 0, job.stage_total, job.stage_unit or "steps"
    position = f"{done:,} of {total:,} {unit}" if total is not None else (f"{done:,} {unit}" if done else "")
    seconds = (now - job.stage_started_at).total_seconds() if job.stage_started_at else 0
    rate = done / seconds if done and seconds > 0 else None
    left = ""
    if rate and total is not None and total > done:
        remaining = (total - done) / rate
        left = f"about {elapsed(now, now + timedelta(seconds=remaining))} left"
    pairs = (
        f"pairs blocked {job.pairs_blocked or 0:,}, compared {job.pairs_compared or 0:,}, "
        f"clustered {job.pairs_clustered or 0:,}"
    )
    return LinkageRunProgress(job.stage, position, f"{rate:,.0f} {unit} a second" if rate else "", left, pairs)
