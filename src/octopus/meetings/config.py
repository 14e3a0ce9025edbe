"""Reads ``meetings.yaml``: the worklist sources, their thresholds and which series use them."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONFIG_FILE = Path(__file__).with_name("meetings.yaml")
KINDS = {
    "review_due": {"within_days"},
    "referrals_to_team": {"since_days"},
    "flag": {"flag", "reason"},
    "count": {"flag", "at_least", "reason"},
    "rising_risk": {"reason"},
    "unregistered": {"reason"},
}
OPTIONAL = {"reason"}
# Any source may be capped; what "top" means depends on its kind (see RANKED_BY).
SHARED_KEYS = {"kind", "label", "limit"}
RANKED_BY = {
    "review_due": "most overdue review first",
    "referrals_to_team": "longest-waiting referral first",
    "flag": "highest risk of emergency admission first",
    "count": "highest figure first",
    "rising_risk": "highest risk of emergency admission first",
    "unregistered": "highest risk of emergency admission first",
}


class MeetingsConfigError(ValueError):
    """meetings.yaml is malformed; the message names the file, key and what to do."""


@dataclass(frozen=True)
class Source:
    code: str
    kind: str
    label: str
    within_days: int | None = None
    since_days: int | None = None
    flag: str = ""
    at_least: int | None = None
    reason: str = ""
    # At most this many residents are listed from the source (None: all of them).
    limit: int | None = None

    @property
    def ranked_by(self) -> str:
        return RANKED_BY[self.kind]

    def describe(self, **figures) -> str:
        return self.reason.format(**figures) if self.reason else self.label


@dataclass(frozen=True)
class MeetingsConfig:
    sources: dict[str, Source]
    worklists: dict[str, tuple[str, ...]]
    access_days_after_meeting: int
    carry_over_warning_after: int
    expected_professions: tuple[str, ...] = ()

    def worklist(self, name: str) -> list[Source]:
        if name not in self.worklists:
            raise MeetingsConfigError(
                f"{CONFIG_FILE.name}: no worklist called {name!r}; the series must use one of {', '.join(self.worklists)}."
            )
        return [self.sources[code] for code in self.worklists[name]]


def _whole(value, where: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise MeetingsConfigError(f"{where}: expected a whole number of at least {minimum}, got {value!r}.")
    return value


def _limit(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise MeetingsConfigError(
            f"{where}: expected the most residents to list from this source, a whole number of at least 1 "
            f"(for example 10), got {value!r}. Remove the key to list everyone the source finds."
        )
    return value


def _source(code: str, entry, source: str) -> Source:
    where = f"{source}: sources.{code}"
    if not isinstance(entry, dict):
        raise MeetingsConfigError(f"{where}: expected a mapping with kind and label.")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise MeetingsConfigError(f"{where}.kind: {kind!r} is not a kind of source; use one of {', '.join(KINDS)}.")
    if not isinstance(entry.get("label"), str) or not entry["label"].strip():
        raise MeetingsConfigError(f"{where}.label: give the label attendees see.")
    needed = KINDS[kind] - OPTIONAL if kind in {"rising_risk", "unregistered"} else KINDS[kind]
    missing = sorted(needed - set(entry))
    if missing:
        raise MeetingsConfigError(f"{where}: a {kind} source needs {', '.join(missing)}.")
    unknown = sorted(set(entry) - KINDS[kind] - SHARED_KEYS)
    if unknown:
        allowed = ", ".join(sorted(KINDS[kind] | SHARED_KEYS - {"kind"}))
        raise MeetingsConfigError(f"{where}: unknown key(s) {', '.join(unknown)} for a {kind} source (it takes {allowed}).")
    fields = {"code": code, "kind": kind, "label": entry["label"].strip(), "reason": str(entry.get("reason", ""))}
    for key in ("within_days", "since_days"):
        if key in entry:
            fields[key] = _whole(entry[key], f"{where}.{key}")
    if "at_least" in entry:
        fields["at_least"] = _whole(entry["at_least"], f"{where}.at_least", minimum=1)
    if "limit" in entry:
        fields["limit"] = _limit(entry["limit"], f"{where}.limit")
    if "flag" in entry:
        # "__" would be read by the ORM as a nested lookup rather than part of the flag's name.
        if not isinstance(entry["flag"], str) or not entry["flag"].isidentifier() or "__" in entry["flag"]:
            raise MeetingsConfigError(f"{where}.flag: name a snapshot flag such as current_inpatient.")
        fields["flag"] = entry["flag"]
    try:
        Source(**fields).describe(n=0, reason="")
    except (KeyError, IndexError, ValueError) as error:
        raise MeetingsConfigError(f"{where}.reason: only {{n}} and {{reason}} may appear in braces ({error}).") from None
    return Source(**fields)


def parse(text: str, source: str = str(CONFIG_FILE)) -> MeetingsConfig:
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise MeetingsConfigError(f"{source}: not valid YAML ({error}).") from None
    if not isinstance(document, dict):
        raise MeetingsConfigError(f"{source}: expected a mapping with sources and worklists.")
    raw_sources = document.get("sources")
    if not isinstance(raw_sources, dict) or not raw_sources:
        raise MeetingsConfigError(f"{source}: sources must list at least one source.")
    sources = {code: _source(code, entry, source) for code, entry in raw_sources.items()}
    raw_lists = document.get("worklists")
    if not isinstance(raw_lists, dict) or not raw_lists:
        raise MeetingsConfigError(f"{source}: worklists must name at least one worklist.")
    worklists = {}
    for name, codes in raw_lists.items():
        if not isinstance(codes, list) or not codes:
            raise MeetingsConfigError(f"{source}: worklists.{name} must be a list of source names.")
        unknown = [c for c in codes if c not in sources]
        if unknown:
            raise MeetingsConfigError(
                f"{source}: worklists.{name} names unknown source(s) {', '.join(map(str, unknown))}; "
                f"define them under sources (known: {', '.join(sources)})."
            )
        worklists[name] = tuple(codes)
    for key in ("access_days_after_meeting", "carry_over_warning_after"):
        if key not in document:
            raise MeetingsConfigError(f"{source}: missing {key}.")
    return MeetingsConfig(
        sources=sources,
        worklists=worklists,
        access_days_after_meeting=_whole(document["access_days_after_meeting"], f"{source}: access_days_after_meeting"),
        carry_over_warning_after=_whole(document["carry_over_warning_after"], f"{source}: carry_over_warning_after", 1),
        expected_professions=_professions(document.get("expected_professions", []), source),
    )


def _professions(value, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise MeetingsConfigError(f"{source}: expected_professions must be a list of job titles such as Pharmacist.")
    return tuple(v.strip() for v in value)


@cache
def settings() -> MeetingsConfig:
    return parse(CONFIG_FILE.read_text())
