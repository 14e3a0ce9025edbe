"""Life expectancy and the gap (issue #23): by IMD decile and sex over 3 years, the slope index of
inequality, the gap between the most and least deprived, its trend, and what makes it up.

Reads ``life_expectancy.parquet`` (deaths and mid-period populations, pre-aggregated by the
pipeline: ``octopus.population.life_expectancy``) and the methods of ``octopus.stats``.

**Disclosure and reliability.** Every figure carries the number of deaths behind it, published
under the OpenSAFELY rules (1-7 suppressed, others rounded to 5; ``core.disclosure``). A life
expectancy is not estimated ("too few deaths to estimate") when its life table rests on fewer
than 5,000 person-years (Toson & Baker 2003, as PHE's calculator), on fewer than
:data:`MIN_DEATHS` deaths, when nobody died at 90 or over (the open band cannot be closed), or
when its 95% interval is wider than 20 years (PHE suppresses those). A decomposition part resting
on 1-7 deaths is withheld.

Objections recorded in the app after the snapshot are honoured from the next pipeline run: the
counts are aggregated and no longer carry the residents they came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import altair as alt
import pandas as pd

from octopus.core.charts import Chart, Column, Definition, chart
from octopus.core.disclosure import publish_count
from octopus.population.life_expectancy import CAUSE_TITLES, CAUSES, PERIOD_DAYS
from octopus.stats import START_AGES, LifeTableError, arriaga, life_table, slope_index
from octopus.stats.inequality import simulated_slope_interval
from octopus.stats.life_expectancy import MAX_INTERVAL_WIDTH, MIN_PERSON_YEARS, band_label

from .areas import Area

FILE = "life_expectancy.parquet"
WINDOW_PERIODS = 3  # ONS and OHID publish local life expectancy over 3 pooled years
# OHID: no rate is published from fewer than 10 events (octopus.stats.standardisation.MIN_EVENTS).
MIN_DEATHS = 10
SEXES = (("female", "Females"), ("male", "Males"))
SOURCE = (
    "Deaths (ONS civil registration, underlying cause) and the registered population at the middle of "
    "each 12-month period, from the published snapshot; IMD 2025 national deciles of the home LSOA."
)
METHOD = (
    "Chiang II abridged life table (under 1, 1-4, 5-year bands to 90+) with Silcocks' variance for the "
    "open band, as PHE/OHID's Life Expectancy Calculator; 95% confidence intervals."
)
TOO_FEW = "too few deaths to estimate"


@dataclass(frozen=True)
class Window:
    periods: tuple[str, ...]  # period_end of each 12-month period, oldest first

    @property
    def first_day(self) -> dt.date:
        return dt.date.fromisoformat(self.periods[0]) - dt.timedelta(days=PERIOD_DAYS - 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date.fromisoformat(self.periods[-1])

    @property
    def label(self) -> str:
        return f"{self.first_day:%b %Y} to {self.last_day:%b %Y}"


@dataclass
class Estimate:
    value: float | None
    lower: float | None
    upper: float | None
    deaths: int
    person_years: int
    reason: str = ""
    table: object = field(default=None, repr=False)
    at_65: tuple[float, float, float] | None = None

    @property
    def standard_error(self) -> float | None:
        return None if self.value is None else (self.upper - self.value) / 1.959963984540054


@lru_cache(maxsize=4)
def _read(path: str, modified: float) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    for column in ("sex", "lsoa_code", "practice_ods_code", "period_end"):
        frame[column] = frame[column].astype("category")
    return frame


def counts(folder: Path | None) -> pd.DataFrame | None:
    """The snapshot's life expectancy counts, or None for a snapshot made before they existed."""
    path = folder / FILE if folder else None
    if path is None or not path.is_file():
        return None
    return _read(str(path), path.stat().st_mtime)


def restrict(frame: pd.DataFrame, area: Area) -> pd.DataFrame:
    """The rows of an area's residents, chosen as the chart pages choose places
    (``chart_data.ChartTables.within``; the practice is only kept in the counts for a current
    registration)."""
    if area.kind == "borough":
        return frame
    chosen = frame["practice_ods_code"].isin(area.practices or ())
    if area.lsoas is not None:
        chosen |= frame["lsoa_code"].isin(area.lsoas)
    return frame[chosen]


def windows(frame: pd.DataFrame) -> list[Window]:
    """Every run of 3 consecutive 12-month periods, oldest first (the latest last)."""
    ends = sorted(str(p) for p in frame["period_end"].unique())
    return [Window(tuple(ends[i : i + WINDOW_PERIODS])) for i in range(len(ends) - WINDOW_PERIODS + 1)]


def estimate(rows: pd.DataFrame, causes: bool = False) -> Estimate:
    """Life expectancy at birth from the rows' populations and deaths, or the reason there is none."""
    by_band = rows.groupby("start_age", observed=True)[["population", "deaths", *(f"deaths_{c}" for c in CAUSES)]]
    by_band = by_band.sum().reindex(list(START_AGES), fill_value=0)
    deaths, person_years = int(by_band["deaths"].sum()), int(by_band["population"].sum())
    empty = Estimate(None, None, None, deaths, person_years)
    if person_years < MIN_PERSON_YEARS:
        empty.reason = f"too few residents to estimate (under {MIN_PERSON_YEARS:,} person-years)"
        return empty
    if deaths < MIN_DEATHS:
        empty.reason = TOO_FEW
        return empty
    try:
        table = life_table(by_band["population"].to_numpy(), by_band["deaths"].to_numpy())
    except LifeTableError as error:
        empty.reason = f"{TOO_FEW} ({error})"
        return empty
    value, lower, upper = table.at(0)
    if upper - lower > MAX_INTERVAL_WIDTH:
        empty.reason = f"{TOO_FEW} (its 95% interval would be wider than {MAX_INTERVAL_WIDTH:.0f} years)"
        return empty
    result = Estimate(value, lower, upper, deaths, person_years, table=table)
    at_65 = table.at(65)
    # At 65 the same rule: no figure whose interval is wider than 20 years.
    result.at_65 = at_65 if at_65[2] - at_65[1] <= MAX_INTERVAL_WIDTH else None
    if causes:
        result.table = (table, {c: by_band[f"deaths_{c}"].to_numpy(float) for c in CAUSES})
    return result


def by_decile(rows: pd.DataFrame, window: Window, sex: str) -> dict[int, Estimate]:
    chosen = rows[rows["period_end"].isin(window.periods) & (rows["sex"] == sex)]
    return {int(decile): estimate(part) for decile, part in chosen.groupby("imd_decile", observed=True)}


@dataclass
class Inequality:
    sex: str
    window: Window
    deciles: dict[int, Estimate]
    sii: float | None = None  # least deprived minus most deprived (years; Fingertips' orientation)
    sii_lower: float | None = None
    sii_upper: float | None = None
    gap: float | None = None  # least deprived decile's value minus the most deprived's
    gap_deciles: tuple[int, int] | None = None
    deaths: int = 0

    @property
    def published_deaths(self) -> int | None:
        return publish_count(self.deaths)


def inequality(rows: pd.DataFrame, window: Window, sex: str) -> Inequality:
    """SII across the deciles with an estimate (at least 3, most deprived first) and the gap
    between the most and least deprived deciles that have one."""
    deciles = by_decile(rows, window, sex)
    result = Inequality(sex, window, deciles, deaths=sum(e.deaths for e in deciles.values()))
    estimated = sorted(d for d, e in deciles.items() if e.value is not None)
    if len(estimated) >= 2:
        most, least = estimated[0], estimated[-1]
        result.gap = deciles[least].value - deciles[most].value
        result.gap_deciles = (most, least)
    if len(estimated) >= 3:
        values = [deciles[d].value for d in estimated]
        populations = [deciles[d].person_years for d in estimated]
        errors = [deciles[d].standard_error for d in estimated]
        sii = slope_index(values, populations, errors)
        lower, upper = simulated_slope_interval(values, populations, errors)
        # octopus.stats orients most minus least; for life expectancy the page says how many years
        # more the least deprived live, so the sign and the interval turn round.
        result.sii, result.sii_lower, result.sii_upper = -sii.sii, -upper, -lower
    return result


@dataclass
class Decomposition:
    sex: str
    most: int
    least: int
    gap: float
    by_band: list[dict]
    by_cause: list[dict]


def quintile_rows(rows: pd.DataFrame, window: Window, sex: str, quintile: int) -> pd.DataFrame:
    chosen = rows[rows["period_end"].isin(window.periods) & (rows["sex"] == sex)]
    return chosen[(chosen["imd_decile"] + 1) // 2 == quintile]


def decomposition(rows: pd.DataFrame, window: Window, sex: str) -> Decomposition | None:
    """Arriaga decomposition of the gap between IMD quintile 1 (most deprived) and quintile 5,
    or the extreme quintiles the area has estimates for."""
    estimates = {}
    for quintile in range(1, 6):
        found = estimate(quintile_rows(rows, window, sex, quintile), causes=True)
        if found.value is not None:
            estimates[quintile] = found
    if len(estimates) < 2:
        return None
    most, least = min(estimates), max(estimates)
    (first, first_causes), (second, second_causes) = estimates[most].table, estimates[least].table
    by_band, by_cause = arriaga(first, second, {c: (first_causes[c], second_causes[c]) for c in CAUSES})
    deaths_band = first.deaths + second.deaths
    bands = [
        {
            "sex": sex,
            "age_band": band_label(age),
            "order": i,
            "years": _withheld(float(by_band[i]), deaths_band[i]),
            "deaths": publish_count(int(deaths_band[i])),
        }
        for i, age in enumerate(START_AGES)
    ]
    causes = []
    for cause in CAUSES:
        behind = int(first_causes[cause].sum() + second_causes[cause].sum())
        causes.append(
            {
                "sex": sex,
                "cause": CAUSE_TITLES[cause],
                "years": _withheld(float(by_cause[cause].sum()), behind),
                "deaths": publish_count(behind),
            }
        )
    gap = float(second.expectancy[0] - first.expectancy[0])
    return Decomposition(sex, most, least, gap, bands, causes)


def _withheld(value: float, deaths: float) -> float | None:
    return None if 0 < deaths <= 7 else round(value, 2)


def _estimate_row(sex_label: str, decile: int, found: Estimate, window: Window) -> dict:
    return {
        "sex": sex_label,
        "decile": decile,
        "period": window.label,
        "value": None if found.value is None else round(found.value, 1),
        "lower": None if found.value is None else round(found.lower, 1),
        "upper": None if found.value is None else round(found.upper, 1),
        "at_65": None if found.at_65 is None else round(found.at_65[0], 1),
        "at_65_lower": None if found.at_65 is None else round(found.at_65[1], 1),
        "at_65_upper": None if found.at_65 is None else round(found.at_65[2], 1),
        "deaths": publish_count(found.deaths),
        "note": found.reason,
    }


def decile_chart(results: list[Inequality], as_of: dt.date) -> Chart:
    rows = [
        _estimate_row(label, d, e, r.window)
        for r in results
        for (sex, label) in SEXES
        if sex == r.sex
        for d, e in sorted(r.deciles.items())
    ]
    base = alt.Chart().encode(
        x=alt.X("decile:O", title="IMD 2025 decile (1 = most deprived)"),
        color=alt.Color("sex:N", title="Sex", scale=alt.Scale(range=["#005eb8", "#ed8b00"])),
        xOffset="sex:N",
    )
    spec = alt.layer(
        base.mark_rule(strokeWidth=2).encode(
            y=alt.Y("lower:Q", title="Life expectancy at birth (years)", scale=alt.Scale(zero=False)), y2="upper:Q"
        ),
        base.mark_point(filled=True, size=70).encode(
            y="value:Q", tooltip=["sex:N", "decile:O", "value:Q", "lower:Q", "upper:Q", "deaths:Q"]
        ),
    )
    return chart(
        "le-decile",
        "Life expectancy at birth by deprivation decile",
        spec,
        rows,
        columns=[
            Column("sex", "Sex", "text"),
            Column("decile", "IMD decile", "text"),
            Column("period", "Years", "text"),
            Column("value", "Life expectancy (years)", "rate"),
            Column("lower", "Lower 95% limit", "rate"),
            Column("upper", "Upper 95% limit", "rate"),
            Column("at_65", "Life expectancy at 65 (years)", "rate"),
            Column("at_65_lower", "At 65: lower 95% limit", "rate"),
            Column("at_65_upper", "At 65: upper 95% limit", "rate"),
            Column("deaths", "Deaths", "count"),
            Column("note", "Note", "text"),
        ],
        definition=Definition(
            numerator="Deaths in the 3 years, by age band (life table)",
            denominator="Registered residents at the middle of each year (person-years)",
            source=SOURCE,
            as_of=as_of,
            notes=METHOD,
        ),
        summary="Life expectancy at birth for each IMD decile, females and males, with 95% intervals.",
    )


def trend_chart(history: list[Inequality], as_of: dt.date) -> Chart:
    rows = []
    for item in history:
        label = dict(SEXES)[item.sex]
        rows.append(
            {
                "sex": label,
                "period": item.window.label,
                "end": item.window.last_day.isoformat(),
                "sii": None if item.sii is None else round(item.sii, 1),
                "sii_lower": None if item.sii is None else round(item.sii_lower, 1),
                "sii_upper": None if item.sii is None else round(item.sii_upper, 1),
                "gap": None if item.gap is None else round(item.gap, 1),
                "between": f"deciles {item.gap_deciles[0]} and {item.gap_deciles[1]}" if item.gap_deciles else "",
                "deaths": publish_count(item.deaths),
            }
        )
    base = alt.Chart().encode(
        x=alt.X("end:T", title="3 years ending"),
        color=alt.Color("sex:N", title="Sex", scale=alt.Scale(range=["#005eb8", "#ed8b00"])),
    )
    spec = alt.layer(
        base.mark_rule(strokeWidth=2).encode(
            y=alt.Y("sii_lower:Q", title="Slope index of inequality (years)"), y2="sii_upper:Q"
        ),
        base.mark_line(point=True).encode(y="sii:Q", tooltip=["sex:N", "period:N", "sii:Q", "gap:Q"]),
    )
    return chart(
        "le-trend",
        "The gap over time: slope index of inequality in life expectancy",
        spec,
        rows,
        columns=[
            Column("sex", "Sex", "text"),
            Column("period", "Years", "text"),
            Column("sii", "Slope index (years)", "rate"),
            Column("sii_lower", "Lower 95% limit", "rate"),
            Column("sii_upper", "Upper 95% limit", "rate"),
            Column("gap", "Gap, least minus most deprived decile (years)", "rate"),
            Column("between", "Gap between", "text"),
            Column("deaths", "Deaths", "count"),
        ],
        definition=Definition(
            numerator="Life expectancy at birth of each IMD decile (3 pooled years)",
            denominator="Deciles weighted by their person-years",
            source=SOURCE,
            as_of=as_of,
            notes=(
                "Slope index of inequality: the difference in life expectancy between the least and the most "
                "deprived ends of the population, fitted across every decile with an estimate (PHE technical "
                "guide, 2013); its 95% interval by simulation from each decile's standard error, 100,000 "
                "draws, as PHE's SII tool. One point per 3-year window the deaths feed covers."
            ),
        ),
        summary="Slope index of inequality in life expectancy, by sex, for each 3-year window.",
    )


def cause_chart(parts: list[Decomposition], as_of: dt.date) -> Chart:
    rows = [
        {**row, "sex": dict(SEXES)[part.sex], "between": f"quintiles {part.most} and {part.least}"}
        for part in parts
        for row in part.by_cause
    ]
    spec = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=alt.Y("cause:N", title=None, sort=[CAUSE_TITLES[c] for c in CAUSES]),
            x=alt.X("years:Q", title="Years of the gap"),
            color=alt.Color("sex:N", title="Sex", scale=alt.Scale(range=["#005eb8", "#ed8b00"])),
            yOffset="sex:N",
            tooltip=["sex:N", "cause:N", "years:Q", "deaths:Q"],
        )
    )
    return chart(
        "le-gap-cause",
        "What makes up the gap: by cause of death",
        spec,
        rows,
        columns=[
            Column("sex", "Sex", "text"),
            Column("cause", "Broad cause", "text"),
            Column("years", "Years of the gap", "number"),
            Column("deaths", "Deaths", "count"),
            Column("between", "Gap between", "text"),
        ],
        definition=_decomposition_definition(as_of),
        summary="The gap in life expectancy between the most and least deprived quintiles, split by cause.",
    )


def age_chart(parts: list[Decomposition], as_of: dt.date) -> Chart:
    rows = [
        {**row, "sex": dict(SEXES)[part.sex], "between": f"quintiles {part.most} and {part.least}"}
        for part in parts
        for row in part.by_band
    ]
    spec = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("age_band:N", title="Age band", sort=[band_label(a) for a in START_AGES]),
            y=alt.Y("years:Q", title="Years of the gap"),
            color=alt.Color("sex:N", title="Sex", scale=alt.Scale(range=["#005eb8", "#ed8b00"])),
            xOffset="sex:N",
            tooltip=["sex:N", "age_band:N", "years:Q", "deaths:Q"],
        )
    )
    for row in rows:
        row.pop("order", None)
    return chart(
        "le-gap-age",
        "What makes up the gap: by age at death",
        spec,
        rows,
        columns=[
            Column("sex", "Sex", "text"),
            Column("age_band", "Age band", "text"),
            Column("years", "Years of the gap", "number"),
            Column("deaths", "Deaths", "count"),
            Column("between", "Gap between", "text"),
        ],
        definition=_decomposition_definition(as_of),
        summary="The gap in life expectancy between the most and least deprived quintiles, split by age band.",
    )


def _decomposition_definition(as_of: dt.date) -> Definition:
    causes = "; ".join(CAUSE_TITLES[c] for c in CAUSES)
    return Definition(
        numerator=(
            "Deaths by age band and broad underlying cause in the most and least deprived IMD quintiles "
            "(3 pooled years)"
        ),
        denominator="Registered residents of each quintile at the middle of each year",
        source=SOURCE,
        as_of=as_of,
        notes=(
            "Arriaga's decomposition (Demography 1984;21:83-96), each age band's part shared between causes in "
            "proportion to the difference in their death rates, as PHE/OHID's Segment Tool. Causes, ICD-10 ranges "
            f"of the underlying cause: {causes}. A positive part widens the gap; a part resting on 1-7 deaths is "
            "withheld."
        ),
    )


@dataclass
class Page:
    window: Window | None
    latest: list[Inequality]
    history: list[Inequality]
    decompositions: list[Decomposition]
    figures: list[Chart]


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The area's rows summed over LSOAs and practices: a few thousand rows for every estimate.
    Residents whose LSOA has no national decile (outside the reference) are in no decile."""
    measures = ["population", "deaths", *(f"deaths_{c}" for c in CAUSES)]
    known = frame[frame["imd_decile"].notna()]
    summed = known.groupby(["period_end", "sex", "imd_decile", "start_age"], observed=True)[measures].sum()
    summed = summed.reset_index()
    summed["period_end"] = summed["period_end"].astype(str)
    summed["sex"] = summed["sex"].astype(str)
    return summed.astype({c: "int64" for c in ["imd_decile", "start_age", *measures]})


def page(frame: pd.DataFrame, as_of: dt.date) -> Page:
    frame = compact(frame)
    found = windows(frame)
    if not found:
        return Page(None, [], [], [], [])
    window = found[-1]
    latest = [inequality(frame, window, sex) for sex, _ in SEXES]
    history = [inequality(frame, w, sex) for w in found[:-1] for sex, _ in SEXES] + latest
    parts = [d for d in (decomposition(frame, window, sex) for sex, _ in SEXES) if d is not None]
    figures = [decile_chart(latest, as_of), trend_chart(history, as_of)]
    if parts:
        figures += [cause_chart(parts, as_of), age_chart(parts, as_of)]
    return Page(window, latest, history, parts, figures)


def years(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def page_for(folder: Path, area: Area, as_of: dt.date) -> Page | None:
    """The page for an area of the snapshot in ``folder``, or None before life expectancy existed.
    Kept for the snapshot's lifetime: life tables and 100,000-draw intervals take about a second."""
    path = folder / FILE
    if not path.is_file():
        return None
    return _page_for(str(path), path.stat().st_mtime, area, as_of)


@lru_cache(maxsize=32)
def _page_for(path: str, modified: float, area: Area, as_of: dt.date) -> Page:
    return page(restrict(_read(path, modified), area), as_of)
