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

import ibis
import pandas as pd
import yaml

from octopus.population.codelists import CodelistNotFound, read_codelist
from octopus.population.config import CONFIG_DIR, ConfigError
from octopus.population.features.demographics import age_in_years
from octopus.population.features.periods import Period
from octopus.population.linked import LinkedExtract

PREVENTION_FILE = CONFIG_DIR / "prevention.yaml"
KINDS = ("recurring", "seasonal", "once", "doses", "processes")
EVENT_KINDS = ("done", "declined", "ceased")
STATUSES = ("up_to_date", "overdue", "never", "declined", "not_eligible")
OPEN_STATUSES = ("overdue", "never")


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    lookback_months: int | None = None


@dataclass(frozen=True)
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


def _fail(source: str, programme: str, reason: str):
    raise ConfigError(f"{source}: programme '{programme}': {reason}")


def _month_day(text: str, source: str, name: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(text).split("-"))
        date(2000, month, day)
    except (ValueError, TypeError):
        _fail(source, name, f"season dates are MM-DD, got {text!r}.")
    return month, day


def _programme(name: str, spec: dict, source: str) -> Programme:
    if not isinstance(spec, dict):
        _fail(source, name, "a programme is a mapping (title, kind, ...).")
    kind = spec.get("kind")
    if kind not in KINDS:
        _fail(source, name, f"kind must be one of {', '.join(KINDS)}, got {kind!r}.")
    if spec.get("sex", "any") not in ("any", "female", "male"):
        _fail(source, name, "sex must be any, female or male.")
    bands = []
    for band in spec.get("bands", []):
        ages = band.get("ages") if isinstance(band, dict) else None
        if not (isinstance(ages, list) and len(ages) == 2 and all(isinstance(a, int) for a in ages)):
            _fail(source, name, "each band needs ages: [from, to] in whole years.")
        bands.append(Band(ages[0], ages[1], band.get("lookback_months")))
    if kind == "recurring" and not all(b.lookback_months for b in bands):
        _fail(source, name, "a recurring programme needs lookback_months on every band.")
    codelists = {k: tuple(v) for k, v in (spec.get("codelists") or {}).items()}
    if set(codelists) - set(EVENT_KINDS):
        _fail(source, name, f"codelists are keyed by {', '.join(EVENT_KINDS)}.")
    if kind != "processes" and "done" not in codelists:
        _fail(source, name, "codelists.done is required.")
    processes = {k: tuple(v) for k, v in (spec.get("processes") or {}).items()}
    if kind == "processes" and not (processes and spec.get("condition") and spec.get("lookback_months")):
        _fail(source, name, "a processes programme needs condition, lookback_months and processes.")
    season = None
    if kind == "seasonal":
        if not isinstance(spec.get("season"), dict) or spec.get("age_at_season_end") is None:
            _fail(source, name, "a seasonal programme needs season {starts, ends} and age_at_season_end.")
        season = (_month_day(spec["season"].get("starts"), source, name),
                  _month_day(spec["season"].get("ends"), source, name))
    for files in (*codelists.values(), *processes.values()):
        for file_name in files:
            try:
                read_codelist(file_name)
            except CodelistNotFound as error:
                _fail(source, name, str(error))
    at_risk_ages = spec.get("at_risk_ages")
    return Programme(
        name=name, title=str(spec.get("title", name)), kind=kind, sex=spec.get("sex", "any"),
        bands=tuple(bands), codelists=codelists, excluded_if=tuple(spec.get("excluded_if", ())),
        age_at_season_end=spec.get("age_at_season_end"), season=season,
        at_risk_ages=tuple(at_risk_ages) if at_risk_ages else None,
        at_risk_if=tuple(spec.get("at_risk_if", ())),
        doses_by_age_months=tuple(tuple(d) for d in spec.get("doses_by_age_months", ())),
        condition=spec.get("condition"), lookback_months=spec.get("lookback_months"),
        processes=processes, interval=str(spec.get("interval", "")),
        reference=str(spec.get("reference", "")).strip(), verified=str(spec.get("verified", "")).strip(),
    )


def load_programmes(path: Path | str = PREVENTION_FILE) -> tuple[Programme, ...]:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("programmes"), dict):
        raise ConfigError(f"{path}: expected a top-level 'programmes:' mapping of name to rule.")
    return tuple(_programme(str(name), spec, str(path)) for name, spec in document["programmes"].items())


@cache
def programmes() -> tuple[Programme, ...]:
    return load_programmes()


def status_columns() -> tuple[str, ...]:
    return tuple(p.status_column for p in programmes())


def _key_column(programme: str, key: str) -> str:
    return f"_prev_{programme}_{key}"


@cache
def code_keys() -> pd.DataFrame:
    """One row per (code, key): which programme event a SNOMED CT code records."""
    rows = []
    for programme in programmes():
        for key, files in (*programme.codelists.items(), *programme.processes.items()):
            for file_name in files:
                for code in read_codelist(file_name)["code"]:
                    rows.append((code.strip(), _key_column(programme.name, key)))
    return pd.DataFrame(rows, columns=["prev_code", "prev_key"]).drop_duplicates()


def events(linked: LinkedExtract, period: Period) -> ibis.Table:
    """Per person with any programme code: the latest date of each event (and MMR doses)."""
    gp_events = linked.feed("gp_events")
    gp_events = gp_events.filter(gp_events.event_date <= period.as_of)
    codes = ibis.memtable(code_keys())
    coded = gp_events.join(codes, gp_events.snomed_code == codes.prev_code)
    aggregates = {}
    for column in code_keys()["prev_key"].unique():
        aggregates[column] = (coded.prev_key == column).ifelse(coded.event_date, None).max()
    for programme in programmes():
        if programme.kind == "doses":
            done = _key_column(programme.name, "done")
            # One dose per distinct date: a product and an administration code on the same day
            # are the same vaccination.
            aggregates[f"{done}_doses"] = (coded.prev_key == done).ifelse(coded.event_date, None).nunique()
    return coded.group_by("person_id").aggregate(**aggregates)


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
    return reduce(lambda a, b: a | b, [_true(table.age.between(b.low, b.high)) for b in programme.bands],
                  ibis.literal(False))


def _recurring(table: ibis.Table, programme: Programme, as_of: date) -> ibis.StringValue:
    done, declined, ceased = (_date(table, programme, k) for k in EVENT_KINDS)
    window_start = ibis.cases(*[
        (_true(table.age.between(b.low, b.high)), ibis.literal(months_before(as_of, b.lookback_months)))
        for b in programme.bands
    ], else_=ibis.null().cast("date"))
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
    due = ibis.cases(*[(months >= m, n) for m, n in sorted(programme.doses_by_age_months, reverse=True)],
                     else_=0)
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
    ever = reduce(lambda a, b: a | b, [table[_key_column(programme.name, p)].notnull()
                                       for p in programme.processes])
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
    counts = {f"{p.name}_done": processes_done(table, p, period.as_of).cast("int64")
              for p in rules if p.kind == "processes"}
    table = table.mutate(**statuses, **counts)
    is_open = {p.name: table[p.status_column].isin(OPEN_STATUSES) for p in rules}
    # Each open gap as ",name"; the first comma is cut off (substr from the second character),
    # which every engine does alike, unlike trimming a trailing separator with a regex.
    joined = reduce(lambda a, b: a + b, [is_open[p.name].ifelse("," + p.name, "") for p in rules])
    count = sum(is_open[p.name].ifelse(1, 0) for p in rules)
    table = table.mutate(prevention_gaps=joined.substr(1), prevention_gap_count=count.cast("int64"))
    return table.drop(*[c for c in table.columns if c.startswith("_prev_")])
