"""Deaths and populations for life expectancy, pre-aggregated for the Life expectancy page.

One row per 12-month period, sex, home LSOA (with its national IMD 2025 decile), practice and
life-table age band (under 1, 1-4, 5-9, ..., 85-89, 90+; ``octopus.stats.START_AGES``), with the
population at the middle of the period (the person-years, as ONS mid-year estimates stand for
them) and the deaths in the period, in all and by broad underlying cause
(``life_expectancy.parquet`` in the snapshot). The page adds rows up for any area (LSOAs and
practices, as the other population pages choose residents) and makes life tables from them;
nothing here identifies anyone, and disclosure control is applied where the figures are shown.

- **Periods** are the 12 months ending on the as-of date and the 12 months before each, back to
  the first period the deaths feed covers: a period counts when the feed's earliest death falls
  no later than :data:`COVERAGE_SLACK_DAYS` after the period starts (a feed starting mid-period
  would make that period look healthier than it was).
- **Population**: persons of the linked extract born on or before the period's midpoint and not
  dead by then, aged at the midpoint; registered-list inflation is not corrected (the
  population is the registered one, as the rest of Octopus's).
- **Deaths**: one per person (the earliest date if a death was sent twice), aged at death; the
  underlying cause grouped by :data:`CAUSE_GROUPS`.
- Residents with a standing objection to secondary use are left out of both (decision 0023).
- The practice is kept only for a current registration, as the pages choose a practice's or a
  PCN's residents.
"""

from __future__ import annotations

import datetime as dt

import ibis

from octopus.population import engines
from octopus.population.linked import LinkedExtract
from octopus.population.objections import FEED as OBJECTIONS_FEED
from octopus.population.objections import active_objections
from octopus.population.reference import imd_deciles

PERIOD_DAYS = 365
COVERAGE_SLACK_DAYS = 31
# Broad causes as in PHE/OHID's Segment Tool (technical document, 2016; "Segment Tool: technical
# document", Fingertips), ICD-10 ranges of the underlying cause. Cancer is C00-D48 (neoplasms,
# the tool's definition, which includes in situ and benign neoplasms) rather than C00-C97.
# External causes are V01-Y98 (ICD-10 chapter XX); Y90-Y98 are never an underlying cause, so
# the range counts the same deaths as the tool's V01-Y89. Anything else, and a death whose cause
# is not yet coded (awaiting an inquest), is "other".
CAUSE_GROUPS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("circulatory", "Circulatory (I00-I99)", (("I00", "I99"),)),
    ("cancer", "Cancer (C00-D48)", (("C00", "C99"), ("D00", "D48"))),
    ("respiratory", "Respiratory (J00-J99)", (("J00", "J99"),)),
    ("digestive", "Digestive (K00-K93)", (("K00", "K93"),)),
    ("external", "External causes (V01-Y98)", (("V01", "Y98"),)),
    ("mental", "Mental and behavioural (F00-F99)", (("F00", "F99"),)),
)
OTHER = ("other", "Other causes")
CAUSES: tuple[str, ...] = (*(name for name, _, _ in CAUSE_GROUPS), OTHER[0])
CAUSE_TITLES: dict[str, str] = {**{name: title for name, title, _ in CAUSE_GROUPS}, OTHER[0]: OTHER[1]}
KEYS = ("period_end", "sex", "lsoa_code", "imd_decile", "practice_ods_code", "start_age")


def periods(as_of: dt.date, first_death: dt.date | None) -> list[tuple[dt.date, dt.date]]:
    """``(start, end)`` of each 12-month period covered, latest first; start exclusive, end inclusive."""
    found = []
    end = as_of
    while first_death is not None:
        start = end - dt.timedelta(days=PERIOD_DAYS)
        if first_death > start + dt.timedelta(days=COVERAGE_SLACK_DAYS):
            break
        found.append((start, end))
        end = start
    return found


def cause_group(code: ibis.StringValue) -> ibis.StringValue:
    """The broad group of an ICD-10 underlying cause ("I21.9", "I219" and "i219" alike)."""
    three = code.upper().replace(".", "").strip().substr(0, 3)
    cases = []
    for name, _, ranges in CAUSE_GROUPS:
        within = None
        for low, high in ranges:
            part = (three >= low) & (three <= high)
            within = part if within is None else within | part
        cases.append((within.fill_null(False), name))
    return ibis.cases(*cases, else_=OTHER[0])


def _start_age(age: ibis.IntegerValue) -> ibis.IntegerValue:
    return ibis.cases((age < 1, 0), (age < 5, 1), else_=ibis.least(age // 5 * 5, 90)).cast("int64")


def _age_on(date_of_birth: ibis.DateValue, on: ibis.DateValue) -> ibis.IntegerValue:
    """Completed years on a date (the birthday must have been reached), on every engine."""
    before_birthday = (on.month() * 100 + on.day()) < (date_of_birth.month() * 100 + date_of_birth.day())
    return on.year() - date_of_birth.year() - before_birthday.ifelse(1, 0)


def _last_registration(registrations: ibis.Table) -> ibis.Table:
    """Each person's latest GP registration (by start date): its LSOA and practice."""
    latest = ibis.row_number().over(
        group_by=registrations.person_id,
        order_by=[registrations.registration_start_date.desc(), registrations.source_record_id],
    )
    ranked = registrations.mutate(rank=latest)
    ranked = ranked.filter(ranked["rank"] == 0)
    return ranked.select(
        last_person_id=ranked.person_id,
        last_lsoa_code=ranked.lsoa_code,
        last_practice_ods_code=ranked.practice_ods_code,
    )


def first_death(con, linked: LinkedExtract) -> dt.date | None:
    deaths = linked.feed("deaths")
    value = engines.execute(con, deaths.aggregate(first=deaths.date_of_death.min()))["first"].iloc[0]
    return None if value is None or value != value else dt.date.fromisoformat(str(value)[:10])


def life_expectancy_counts(linked: LinkedExtract, spans: list[tuple[dt.date, dt.date]]) -> ibis.Table:
    """Population and deaths (all and by cause) per :data:`KEYS` for each period in ``spans``."""
    persons = linked.persons
    objectors = active_objections(linked.feed(OBJECTIONS_FEED)).select("person_id")
    persons = persons.anti_join(objectors, "person_id")
    imd = imd_deciles()
    deaths = linked.feed("deaths")
    deaths = deaths.group_by("person_id").aggregate(
        died=deaths.date_of_death.min(), underlying_cause=deaths.underlying_cause.min()
    )
    last = _last_registration(linked.feed("gp_registrations"))
    people = persons.left_join(deaths, "person_id").drop("person_id_right")
    people = people.left_join(last, people.person_id == last.last_person_id)
    # The dead have no current registration: their home and practice are those of their last one.
    lsoa = people.lsoa_code.fill_null(people.last_lsoa_code)
    people = people.left_join(imd, lsoa == imd.imd_lsoa_code)
    practice = people.registered.fill_null(False).ifelse(people.practice_ods_code, ibis.null("string"))
    practice = people.died.isnull().ifelse(practice, people.last_practice_ods_code.fill_null(practice))
    people = people.select(
        "person_id",
        "date_of_birth",
        "died",
        "underlying_cause",
        sex=people.sex.fill_null("unknown"),
        lsoa_code=people.lsoa_code.fill_null(people.last_lsoa_code),
        practice_ods_code=practice,
        imd_decile=people.imd_decile.cast("int64"),
    )
    zero_causes = {f"deaths_{cause}": ibis.literal(0, "int64") for cause in CAUSES}
    parts = []
    for start, end in spans:
        middle = start + (end - start) / 2
        period_end = ibis.literal(end.isoformat())
        alive = people.filter((people.date_of_birth <= middle) & (people.died.isnull() | (people.died > middle)))
        parts.append(
            alive.select(
                period_end=period_end,
                sex=alive.sex,
                lsoa_code=alive.lsoa_code,
                imd_decile=alive.imd_decile,
                practice_ods_code=alive.practice_ods_code,
                start_age=_start_age(_age_on(alive.date_of_birth, ibis.literal(middle))),
                population=ibis.literal(1, "int64"),
                deaths=ibis.literal(0, "int64"),
                **zero_causes,
            )
        )
        died = people.filter((people.died > start) & (people.died <= end) & (people.date_of_birth <= people.died))
        group = cause_group(died.underlying_cause)
        parts.append(
            died.select(
                period_end=period_end,
                sex=died.sex,
                lsoa_code=died.lsoa_code,
                imd_decile=died.imd_decile,
                practice_ods_code=died.practice_ods_code,
                start_age=_start_age(_age_on(died.date_of_birth, died.died)),
                population=ibis.literal(0, "int64"),
                deaths=ibis.literal(1, "int64"),
                **{f"deaths_{cause}": (group == cause).ifelse(1, 0).cast("int64") for cause in CAUSES},
            )
        )
    if not parts:
        return None
    rows = ibis.union(*parts)
    measures = {
        name: rows[name].sum().cast("int64") for name in ("population", "deaths", *(f"deaths_{c}" for c in CAUSES))
    }
    return rows.group_by(list(KEYS)).aggregate(**measures)


def counts_frame(con, linked: LinkedExtract, as_of: dt.date):
    """The pre-aggregated table as pandas, sorted; empty (with its columns) when no deaths were sent."""
    import pandas as pd

    spans = periods(as_of, first_death(con, linked))
    columns = [*KEYS, "population", "deaths", *(f"deaths_{c}" for c in CAUSES)]
    if not spans:
        return pd.DataFrame(columns=columns)
    frame = engines.execute(con, life_expectancy_counts(linked, spans))
    return frame[columns].sort_values(list(KEYS), ignore_index=True, na_position="first")
