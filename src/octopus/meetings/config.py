"""The schema of ``meetings.yaml``: the worklist sources, their thresholds and which series use
them. Read through the one configuration loader (``octopus.config``, decision 0065)."""

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from octopus.config import FILES, ConfigError, Schema, load, parse_text

CONFIG_FILE = FILES["meetings.yaml"].default
KINDS = {
    "review_due": {"within_days"},
    "referrals_to_team": {"since_days"},
    "flag": {"flag", "reason"},
    "count": {"flag", "at_least", "reason"},
    "rising_risk": {"reason"},
    "unregistered": {"reason"},
    "cohort": {"cohort", "reason"},
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
    "cohort": "highest risk of emergency admission first",
}


class Source(Schema):
    """One worklist source: which residents it lists and the reason shown beside them."""

    code: str = Field("", description="Set from the key under sources; not written in the file.")
    kind: Literal["review_due", "referrals_to_team", "flag", "count", "rising_risk", "unregistered", "cohort"] = Field(
        description="What the source lists (see the kinds at the top of meetings.yaml)."
    )
    label: str = Field(min_length=1, description="The label attendees see.")
    within_days: int | None = Field(None, strict=True, ge=0, description="review_due: reviews due within N days.")
    since_days: int | None = Field(None, strict=True, ge=0, description="referrals_to_team: sent in the last N days.")
    flag: str = Field("", description="flag and count: a snapshot flag such as current_inpatient.")
    at_least: int | None = Field(None, strict=True, ge=1, description="count: the threshold.")
    cohort: str = Field("", description="cohort: the name of a cohort in cohorts.yaml (its members from the snapshot).")
    reason: str = Field("", description="Shown beside the resident; {n} is the figure, {reason} rising risk's reason.")
    # At most this many residents are listed from the source (None: all of them).
    limit: int | None = Field(
        None,
        strict=True,
        ge=1,
        description=(
            "The most residents to list from this source, the top ones by its figure; leave it out to list everyone."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _keys_for_kind(cls, data):
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            return data
        kind = data["kind"]
        needed = KINDS[kind] - OPTIONAL if kind in {"rising_risk", "unregistered", "cohort"} else KINDS[kind]
        missing = sorted(needed - set(data))
        if missing:
            raise ValueError(f"a {kind} source needs {', '.join(missing)}.")
        unknown = sorted(set(data) - KINDS[kind] - SHARED_KEYS - {"code"})
        if unknown:
            allowed = ", ".join(sorted(KINDS[kind] | SHARED_KEYS - {"kind"}))
            raise ValueError(f"unknown key(s) {', '.join(unknown)} for a {kind} source (it takes {allowed}).")
        return data

    @field_validator("label", "reason")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip() if isinstance(value, str) else value

    @field_validator("flag")
    @classmethod
    def _flag_name(cls, value: str) -> str:
        # "__" would be read by the ORM as a nested lookup rather than part of the flag's name.
        if value and (not value.isidentifier() or "__" in value):
            raise ValueError("name a snapshot flag such as current_inpatient.")
        return value

    @field_validator("cohort")
    @classmethod
    def _known_cohort(cls, value: str) -> str:
        from octopus.population.cohorts.load import load_cohorts

        try:
            names = [c.name for c in load_cohorts()]
        except ConfigError:  # cohorts.yaml's own problems are reported against cohorts.yaml
            return value
        if value and value not in names:
            raise ValueError(f"{value!r} is not a cohort in cohorts.yaml (cohorts: {', '.join(names)}).")
        return value

    @property
    def cohort_title(self) -> str:
        """The title published residents carry for the cohort (Resident.cohorts)."""
        from octopus.population.cohorts.load import load_cohorts

        return next((c.title for c in load_cohorts() if c.name == self.cohort), "")

    @field_validator("reason")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        try:
            value.format(n=0, reason="")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"only {{n}} and {{reason}} may appear in braces ({error}).") from None
        return value

    @property
    def ranked_by(self) -> str:
        return RANKED_BY[self.kind]

    def describe(self, **figures) -> str:
        return self.reason.format(**figures) if self.reason else self.label


class MeetingsConfig(Schema):
    """Meeting worklists (``meetings.yaml``)."""

    sources: dict[str, Source] = Field(min_length=1, description="Each source by its code.")
    worklists: dict[str, tuple[str, ...]] = Field(
        min_length=1, description="Each worklist a series may use: the codes of its sources, in order."
    )
    access_days_after_meeting: int = Field(
        strict=True,
        ge=0,
        description=("Days after a meeting that attendees may still open the records of residents discussed."),
    )
    carry_over_warning_after: int = Field(
        strict=True, ge=1, description=("Warn when a resident has been carried over this many meetings in a row.")
    )
    expected_professions: tuple[str, ...] = Field(
        (), description=("Job titles a meeting is expected to have (for example Pharmacist); missing ones are flagged.")
    )

    @field_validator("sources")
    @classmethod
    def _codes(cls, sources: dict[str, Source]) -> dict[str, Source]:
        return {code: source.model_copy(update={"code": code}) for code, source in sources.items()}

    @field_validator("worklists")
    @classmethod
    def _non_empty(cls, worklists: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        empty = [name for name, codes in worklists.items() if not codes]
        if empty:
            raise ValueError(f"{', '.join(empty)}: a worklist needs at least one source.")
        return worklists

    @field_validator("expected_professions")
    @classmethod
    def _titles(cls, titles: tuple[str, ...]) -> tuple[str, ...]:
        if not all(t.strip() for t in titles):
            raise ValueError("give job titles such as Pharmacist, not empty text.")
        return tuple(t.strip() for t in titles)

    @field_validator("worklists")
    @classmethod
    def _known_sources(cls, worklists: dict[str, tuple[str, ...]], info: ValidationInfo):
        sources = info.data.get("sources")
        if sources is None:  # the sources' own problems are reported; nothing to check against
            return worklists
        for name, codes in worklists.items():
            unknown = [c for c in codes if c not in sources]
            if unknown:
                raise ValueError(
                    f"worklists.{name} names unknown source(s) {', '.join(unknown)}; "
                    f"define them under sources (known: {', '.join(sources)})."
                )
        return worklists

    def worklist(self, name: str) -> list[Source]:
        if name not in self.worklists:
            raise ConfigError(
                f"no worklist called {name!r}; the series must use one of {', '.join(self.worklists)}.",
                file="meetings.yaml",
                field="worklists",
            )
        return [self.sources[code] for code in self.worklists[name]]


def parse(text: str, source: str = "meetings.yaml") -> MeetingsConfig:
    return parse_text(text, MeetingsConfig, source)


def settings() -> MeetingsConfig:
    return load("meetings.yaml")
