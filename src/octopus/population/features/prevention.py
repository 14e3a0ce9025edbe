"""Prevention programmes per resident: screening, vaccination, NHS Health Check, diabetes care.

The rules are data (``population/config/prevention.yaml``: ages, sex, conditions, intervals and
their references); the events are SNOMED CT codes in the GP record from the lists it names. Each
programme gives one status column, ``<programme>_status``:

- ``not_eligible``: outside the ages, sex or conditions, excluded by a condition, ceased (a
  "ceased" code later than the last "done" one), or, for flu, outside the campaign season;
- ``up_to_date``: done within the rule's window (later than the as-of date minus the window);
- ``declined``: not up to date, and a "declined" code in the window later than the last "done";
- ``overdue``: done before, but not within the window (or, for MMR, fewer doses than due);
- ``never``: eligible and never done.

``prevention_gaps`` lists the programmes whose status is ``overdue`` or ``never`` (the open
gaps), comma-separated in the rules' order, and ``prevention_gap_count`` counts them. Declined is
not a gap: the resident's informed choice is recorded and honoured.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from functools import cache, reduce
from pathlib import Path
from typing import Annotated, Literal

import ibis
import pandas as pd
from pydantic import AfterValidator, Field, field_validator, model_validator

from octopus.config import Schema, load, read
from octopus.population.codelists import CodelistNotFound, read_codelist
from octopus.population.features.demographics import age_in_years
from octopus.population.features.periods import Period, count_where
from octopus.population.linked import LinkedExtract

KINDS = ("recurring", "seasonal", "once", "doses", "processes")
EVENT_KINDS = ("done", "declined", "ceased")
STATUSES = ("up_to_date", "overdue", "never", "declined", "not_eligible")
OPEN_STATUSES = ("overdue", "never")


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    lookback_months: int | None = None


@dataclass(frozen=True, eq=False)  # hashed by identity: the loader caches one tuple per file version
class Programme:
    name: str
    title: str
    kind: str
    sex: str = "any"
    bands: tuple[Band, ...] = ()
    codelists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excluded_if: tuple[str, ...] = ()
    age_at_season_end: int | None = None
    season: tuple[tuple[int, int], tuple[int, int]] | None = None
    at_risk_ages: tuple[int, int] | None = None
    at_risk_if: tuple[str, ...] = ()
    doses_by_age_months: tuple[tuple[int, int], ...] = ()
    condition: str | None = None
    lookback_months: int | None = None
    processes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    interval: str = ""
    reference: str = ""
    verified: str = ""

    @property
    def status_column(self) -> str:
        return f"{self.name}_status"


class AgeBand(Schema):
    ages: tuple[int, int] = Field(description="[from, to] in whole years, both included.")
    lookback_months: int | None = Field(None, ge=1, description="Up to date when done within this many months.")


class Season(Schema):
    starts: str = Field(description="MM-DD the campaign starts.")
    ends: str = Field(description="MM-DD the campaign ends.")

    @field_validator("starts", "ends")
    @classmethod
    def _month_day(cls, text: str) -> str:
        try:
            month, day = (int(part) for part in str(text).split("-"))
            date(2000, month, day)
        except (ValueError, TypeError):
            raise ValueError(f"season dates are MM-DD, got {text!r}.") from None
        return text

    def month_days(self) -> tuple[tuple[int, int], tuple[int, int]]:
        return (tuple(int(p) for p in self.starts.split("-")), tuple(int(p) for p in self.ends.split("-")))


def _known_lists(files: tuple[str, ...]) -> tuple[str, ...]:
    for file_name in files:
        try:
            read_codelist(file_name)
        except CodelistNotFound as error:
            raise ValueError(str(error)) from None
    return files


CodelistFiles = Annotated[tuple[str, ...], AfterValidator(_known_lists)]


class ProgrammeRule(Schema):
    """One prevention programme: who is eligible, what counts as done, and the source."""

    title: str = Field("", description="The programme's name as people see it.")
    kind: Literal["recurring", "seasonal", "once", "doses", "processes"] = Field(
        description="How status is worked out."
    )
    sex: Literal["any", "female", "male"] = Field("any", description="Registered sex the programme invites.")
    bands: tuple[AgeBand, ...] = Field((), description="Eligible ages, each with its look-back window.")
    codelists: dict[Literal["done", "declined", "ceased"], CodelistFiles] = Field(
        default_factory=dict, description="Code list files per event (done, declined, ceased)."
    )
    excluded_if: tuple[str, ...] = Field((), description="Resident fields that exclude (e.g. ltc_chd).")
    age_at_season_end: int | None = Field(None, description="seasonal: the age reached by the season's end.")
    season: Season | None = Field(None, description="seasonal: {starts: MM-DD, ends: MM-DD}.")
    at_risk_ages: tuple[int, int] | None = Field(None, description="seasonal: ages eligible when at risk.")
    at_risk_if: tuple[str, ...] = Field((), description="seasonal: resident fields that make someone at risk.")
    doses_by_age_months: tuple[tuple[int, int], ...] = Field((), description="doses: [age in months, doses due].")
    condition: str | None = Field(None, description="processes: the condition whose care processes are counted.")
    lookback_months: int | None = Field(None, ge=1, description="processes: the window in months.")
    processes: dict[str, CodelistFiles] = Field(
        default_factory=dict, description="processes: code list files per process."
    )
    interval: str = Field("", description="The interval in words, for the pages.")
    reference: str = Field("", description="The clinical source of the rule.")
    verified: str = Field("", description="What was checked against the source, and when.")

    @model_validator(mode="after")
    def _kind_needs(self):
        if self.kind == "recurring" and not all(b.lookback_months for b in self.bands):
            raise ValueError("a recurring programme needs lookback_months on every band.")
        if self.kind != "processes" and "done" not in self.codelists:
            raise ValueError("codelists.done is required.")
        if self.kind == "processes" and not (self.processes and self.condition and self.lookback_months):
            raise ValueError("a processes programme needs condition, lookback_months and processes.")
        if self.kind == "seasonal" and (self.season is None or self.age_at_season_end is None):
            raise ValueError("a seasonal programme needs season {starts, ends} and age_at_season_end.")
        return self

    def programme(self, name: str) -> Programme:
        return Programme(
            name=name,
            title=self.title or name,
            kind=self.kind,
            sex=self.sex,
            bands=tuple(Band(b.ages[0], b.ages[1], b.lookback_months) for b in self.bands),
            codelists=dict(self.codelists),
            excluded_if=self.excluded_if,
            age_at_season_end=self.age_at_season_end,
            season=self.season.month_days() if self.season else None,
            at_risk_ages=self.at_risk_ages,
            at_risk_if=self.at_risk_if,
            doses_by_age_months=self.doses_by_age_months,
            condition=self.condition,
            lookback_months=self.lookback_months,
            processes=dict(self.processes),
            interval=self.interval.strip(),
            reference=self.reference.strip(),
            verified=self.verified.strip(),
        )


class PreventionRules(Schema):
    """Prevention programmes' rules (``prevention.yaml``, decision 0021)."""

    programmes: dict[str, ProgrammeRule] = Field(
        description="Each programme by its name (status column <name>_status)."
    )


def load_programmes(path: Path | str | None = None) -> tuple[Programme, ...]:
    """The rules in effect (the place's ``prevention.yaml``, else the default), or those in ``path``."""
    rules = load("prevention.yaml") if path is None else read(Path(path), PreventionRules)
    return tuple(rule.programme(str(name)) for name, rule in rules.programmes.items())


def programmes() -> tuple[Programme, ...]:
    # Not cached here: the loader re-reads the file only when it changes (and when a place's
    # folder is set), so an edited prevention.yaml is picked up by the next run.
    return load_programmes()


def status_columns() -> tuple[str, ...]:
    return tuple(p.status_column for p in programmes())


def _key_column(programme: str, key: str) -> str:
    return f"_prev_{programme}_{key}"


def code_keys() -> pd.DataFrame:
    """One row per (code, key): which programme event a SNOMED CT code records."""
    return _code_keys(programmes())


@cache
def _code_keys(rules: tuple[Programme, ...]) -> pd.DataFrame:
    rows = []
    for programme in rules:
        for key, files in (*programme.codelists.items(), *programme.processes.items()):
            for file_name in files:
                for code in read_codelist(file_name)["code"]:
                    rows.append((code.strip(), _key_column(programme.name, key)))
    return pd.DataFrame(rows, columns=["prev_code", "prev_key"]).drop_duplicates()


def _coded(linked: LinkedExtract, period: Period) -> ibis.Table:
    """The GP record's rows with a programme code, up to the as-of date, with their ``prev_key``."""
    gp_events = linked.feed("gp_events")
    gp_events = gp_events.filter(gp_events.event_date <= period.as_of)
    codes = ibis.memtable(code_keys())
    return gp_events.join(codes, gp_events.snomed_code == codes.prev_code)


def events(linked: LinkedExtract, period: Period) -> ibis.Table:
    """Per person with any programme code: the latest date of each event."""
    coded = _coded(linked, period)
    aggregates = {
        column: (coded.prev_key == column).ifelse(coded.event_date, None).max()
        for column in code_keys()["prev_key"].unique()
    }
    return coded.group_by("person_id").aggregate(**aggregates)


def doses(linked: LinkedExtract, period: Period) -> list[ibis.Table]:
    """Per person with a dose of a "doses" programme (MMR): how many, as ``<done key>_doses``;
    no table when no programme counts doses.

    One dose per distinct date: a product and an administration code on the same day are the
    same vaccination. Only the dose rows are made distinct: counted beside the latest dates, the
    distinct count made the engine group every coded row by person and date (at 1M residents 3.7M
    rows, against about a tenth of that here).
    """
    keys = [_key_column(p.name, "done") for p in programmes() if p.kind == "doses"]
    if not keys:
        return []
    coded = _coded(linked, period)
    given = coded.filter(coded.prev_key.isin(keys)).select("person_id", "prev_key", "event_date").distinct()
    return [given.group_by("person_id").aggregate(**{f"{k}_doses": count_where(given.prev_key == k) for k in keys})]


def birth_dates(linked: LinkedExtract) -> ibis.Table:
    return linked.persons.select("person_id", _prev_dob=linked.persons.date_of_birth)


def months_before(as_of: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    month_index = as_of.year * 12 + as_of.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(as_of.day, calendar.monthrange(year, month + 1)[1]))


def _true(expression) -> ibis.BooleanValue:
    return expression.fill_null(False)


def _any(table: ibis.Table, columns) -> ibis.BooleanValue:
    return reduce(lambda a, b: a | b, [_true(table[c]) for c in columns], ibis.literal(False))


def _date(table: ibis.Table, programme: Programme, key: str) -> ibis.DateValue:
    column = _key_column(programme.name, key)
    return table[column] if column in table.columns else ibis.null().cast("date")


def _after(value: ibis.DateValue, start) -> ibis.BooleanValue:
    return _true(value > start)


def _sex_ok(table: ibis.Table, programme: Programme) -> ibis.BooleanValue:
    return ibis.literal(True) if programme.sex == "any" else _true(table.sex == programme.sex)


def _in_bands(table: ibis.Table, programme: Programme) -> ibis.BooleanValue:
    return reduce(
        lambda a, b: a | b, [_true(table.age.between(b.low, b.high)) for b in programme.bands], ibis.literal(False)
    )


def _recurring(table: ibis.Table, programme: Programme, as_of: date) -> ibis.StringValue:
    done, declined, ceased = (_date(table, programme, k) for k in EVENT_KINDS)
    window_start = ibis.cases(
        *[
            (_true(table.age.between(b.low, b.high)), ibis.literal(months_before(as_of, b.lookback_months)))
            for b in programme.bands
        ],
        else_=ibis.null().cast("date"),
    )
    eligible = _in_bands(table, programme) & _sex_ok(table, programme) & ~_any(table, programme.excluded_if)
    ceased_now = ceased.notnull() & (done.isnull() | _after(ceased, done))
    declined_now = _after(declined, window_start) & (done.isnull() | _after(declined, done))
    return ibis.cases(
        (~eligible | _true(ceased_now), "not_eligible"),
        (_after(done, window_start), "up_to_date"),
        (_true(declined_now), "declined"),
        (done.notnull(), "overdue"),
        else_="never",
    )


def season_bounds(programme: Programme, as_of: date) -> tuple[date, date]:
    """The season the as-of date falls in or last started: (first day, last day)."""
    (start_month, start_day), (end_month, end_day) = programme.season
    start_year = as_of.year if (as_of.month, as_of.day) >= (start_month, start_day) else as_of.year - 1
    start = date(start_year, start_month, start_day)
    end_year = start_year if (end_month, end_day) >= (start_month, start_day) else start_year + 1
    return start, date(end_year, end_month, end_day)


def _seasonal(table: ibis.Table, programme: Programme, as_of: date) -> ibis.StringValue:
    start, end = season_bounds(programme, as_of)
    if as_of > end:
        return ibis.literal("not_eligible")
    done, declined = _date(table, programme, "done"), _date(table, programme, "declined")
    age_at_end = age_in_years(table._prev_dob, end)
    eligible = _true(age_at_end >= programme.age_at_season_end)
    if programme.at_risk_ages:
        low, high = programme.at_risk_ages
        eligible = eligible | (_true(table.age.between(low, high)) & _any(table, programme.at_risk_if))
    eligible = eligible & _sex_ok(table, programme)
    return ibis.cases(
        (~eligible, "not_eligible"),
        (_true(done >= start), "up_to_date"),
        (_true(declined >= start), "declined"),
        (done.notnull(), "overdue"),
        else_="never",
    )


def _once(table: ibis.Table, programme: Programme) -> ibis.StringValue:
    done, declined = _date(table, programme, "done"), _date(table, programme, "declined")
    eligible = _in_bands(table, programme) & _sex_ok(table, programme)
    return ibis.cases(
        (~eligible, "not_eligible"),
        (done.notnull(), "up_to_date"),
        (declined.notnull(), "declined"),
        else_="never",
    )


def age_in_months(date_of_birth: ibis.DateValue, as_of: date) -> ibis.IntegerValue:
    """Completed calendar months (the day of the month must have been reached)."""
    before_day = as_of.day < date_of_birth.day()
    months = (as_of.year - date_of_birth.year()) * 12 + (as_of.month - date_of_birth.month())
    return months - before_day.ifelse(1, 0)


def _doses(table: ibis.Table, programme: Programme, as_of: date) -> ibis.StringValue:
    months = age_in_months(table._prev_dob, as_of)
    due = ibis.cases(*[(months >= m, n) for m, n in sorted(programme.doses_by_age_months, reverse=True)], else_=0)
    given = table[f"{_key_column(programme.name, 'done')}_doses"].fill_null(0)
    declined = _date(table, programme, "declined")
    eligible = _in_bands(table, programme) & _sex_ok(table, programme) & _true(due > 0)
    return ibis.cases(
        (~eligible, "not_eligible"),
        (given >= due, "up_to_date"),
        (declined.notnull(), "declined"),
        (given > 0, "overdue"),
        else_="never",
    )


def processes_done(table: ibis.Table, programme: Programme, as_of: date) -> ibis.IntegerValue:
    """How many of the programme's processes were recorded within its window."""
    start = months_before(as_of, programme.lookback_months)
    return sum(_after(table[_key_column(programme.name, p)], start).ifelse(1, 0) for p in programme.processes)


def _processes(table: ibis.Table, programme: Programme, as_of: date) -> ibis.StringValue:
    done = processes_done(table, programme, as_of)
    ever = reduce(lambda a, b: a | b, [table[_key_column(programme.name, p)].notnull() for p in programme.processes])
    return ibis.cases(
        (~_true(table[programme.condition]), "not_eligible"),
        (done == len(programme.processes), "up_to_date"),
        (_true(ever), "overdue"),
        else_="never",
    )


def _status(table: ibis.Table, programme: Programme, as_of: date) -> ibis.StringValue:
    if programme.kind == "recurring":
        return _recurring(table, programme, as_of)
    if programme.kind == "seasonal":
        return _seasonal(table, programme, as_of)
    if programme.kind == "once":
        return _once(table, programme)
    if programme.kind == "doses":
        return _doses(table, programme, as_of)
    return _processes(table, programme, as_of)


def with_prevention(table: ibis.Table, period: Period) -> ibis.Table:
    """Add each programme's status, the open gaps and their count; drop the event columns.

    ``table`` holds the residents with age, sex, condition flags and the columns of ``events``
    and ``birth_dates``.
    """
    rules = programmes()
    statuses = {p.status_column: _status(table, p, period.as_of) for p in rules}
    counts = {
        f"{p.name}_done": processes_done(table, p, period.as_of).cast("int64") for p in rules if p.kind == "processes"
    }
    table = table.mutate(**statuses, **counts)
    is_open = {p.name: table[p.status_column].isin(OPEN_STATUSES) for p in rules}
    # Each open gap as ",name"; the first comma is cut off (substr from the second character),
    # which every engine does alike, unlike trimming a trailing separator with a regex.
    joined = reduce(lambda a, b: a + b, [is_open[p.name].ifelse("," + p.name, "") for p in rules])
    count = sum(is_open[p.name].ifelse(1, 0) for p in rules)
    table = table.mutate(prevention_gaps=joined.substr(1), prevention_gap_count=count.cast("int64"))
    return table.drop(*[c for c in table.columns if c.startswith("_prev_")])
