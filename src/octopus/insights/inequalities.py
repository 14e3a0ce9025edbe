"""The Inequalities page's figures, from the snapshot's pre-aggregated ``inequalities.parquet``.

Per indicator and breakdown: each group's published counts, its crude value with a confidence
interval, a directly age-standardised rate where the indicator is a rate and groups' ages differ,
and, by IMD quintile, the slope and relative indices of inequality (``octopus.stats``).

Disclosure (the rules of every population page, ``core.disclosure``): counts of 1-7 suppressed,
the rest rounded to 5, with secondary suppression; the crude value and its interval are computed
from the *published* counts (an exact interval from true counts would give them back). A DSR is
computed from the age-specific counts, which are not shown, and only from 10 events (OHID's
rule: fewer are unreliable). The SII of a proportion uses the published counts; of a rate, the
DSRs and their standard errors. Residents who objected in the app after the snapshot was made are
taken out of the counts here (``without``).

``IndicatorView.chart_rows`` gives the rows a chart can draw (group, value, lower, upper).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from octopus.core import charts
from octopus.core.disclosure import protect_counts, protect_table
from octopus.population.features.demographics import AGE_BANDS
from octopus.population.inequalities import (
    BREAKDOWNS,
    BY_NAME,
    COLUMNS,
    INDICATORS,
    NOT_KNOWN,
    RATE,
    Indicator,
)
from octopus.stats import (
    MIN_EVENTS,
    SlopeIndex,
    dsr,
    proportion_ci,
    rate_ci,
    slope_index,
    slope_index_of_inequality,
)
from octopus.stats.standardisation import dsr_parts, european_standard_population

FILE = "inequalities.parquet"
BREAKDOWN_TITLES = dict(BREAKDOWNS)
QUINTILE_LABELS = {"1": "1 (most deprived)", "5": "5 (least deprived)"}
SIGN_CONVENTION = (
    "Slope index of inequality (SII): the difference in the indicator between the most and the least "
    "deprived ends of the population, from a line fitted through all five IMD quintiles weighted by their "
    "populations. Positive: higher where more deprived; negative: lower where more deprived. Relative index "
    "(RII): the fitted value at the most deprived end divided by that at the least deprived end (above 1: "
    "higher where more deprived). OHID's Fingertips tool orients the scale the other way (least minus most "
    "deprived): its SII has the opposite sign and its RII is the inverse."
)


@dataclass(frozen=True)
class GroupRow:
    group: str
    label: str
    numerator: int | None  # published: None when suppressed
    denominator: int | None
    value: float | None  # crude, in the indicator's unit (per cent or per 1,000)
    lower: float | None
    upper: float | None
    standardised: float | None = None  # DSR per 1,000 (rates only)
    standardised_lower: float | None = None
    standardised_upper: float | None = None
    note: str = ""


@dataclass
class IndicatorView:
    indicator: Indicator
    breakdown: str
    rows: list[GroupRow]
    standardised: bool
    sii: SlopeIndex | None = None
    sii_note: str = ""
    available: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def breakdown_title(self) -> str:
        return BREAKDOWN_TITLES[self.breakdown]

    @property
    def scale(self) -> float:
        return 100.0 if self.indicator.kind != RATE else 1.0

    def chart_rows(self) -> list[dict]:
        """One row per group a chart can draw: the standardised value where there is one."""
        rows = []
        for order, row in enumerate(self.rows):
            use_dsr = self.standardised
            rows.append(
                {
                    "order": order,
                    "group": row.label,
                    "value": row.standardised if use_dsr else row.value,
                    "lower": row.standardised_lower if use_dsr else row.lower,
                    "upper": row.standardised_upper if use_dsr else row.upper,
                    "measure": "directly age-standardised" if use_dsr else "crude",
                    "unit": self.indicator.unit,
                }
            )
        return rows

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        unit = self.indicator.unit
        writer.writerow(
            [
                "indicator",
                "breakdown",
                "group",
                "numerator",
                "denominator",
                f"value ({unit})",
                "lower 95%",
                "upper 95%",
                f"age-standardised ({unit})",
                "lower 95%",
                "upper 95%",
                "note",
            ]
        )
        for row in self.rows:
            writer.writerow(
                [
                    self.indicator.title,
                    self.breakdown_title,
                    row.label,
                    _blank(row.numerator),
                    _blank(row.denominator),
                    *(
                        _blank(v, 2)
                        for v in (
                            row.value,
                            row.lower,
                            row.upper,
                            row.standardised,
                            row.standardised_lower,
                            row.standardised_upper,
                        )
                    ),
                    row.note,
                ]
            )
        if self.sii is not None:
            scale = self.scale
            writer.writerow(
                [
                    self.indicator.title,
                    "SII (most minus least deprived)",
                    "",
                    "",
                    "",
                    _blank(self.sii.sii * scale, 2),
                    _blank(self.sii.lower * scale, 2),
                    _blank(self.sii.upper * scale, 2),
                    "",
                    "",
                    "",
                    "",
                ]
            )
            if self.sii.rii is not None:
                writer.writerow(
                    [
                        self.indicator.title,
                        "RII (most over least deprived)",
                        "",
                        "",
                        "",
                        _blank(self.sii.rii, 3),
                        _blank(self.sii.rii_lower, 3),
                        _blank(self.sii.rii_upper, 3),
                        "",
                        "",
                        "",
                        "",
                    ]
                )
        return out.getvalue()


def _blank(value, digits: int | None = None) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}f}" if digits is not None else str(value)


@lru_cache(maxsize=4)
def _read(path: str, modified: float) -> pd.DataFrame:
    return pd.read_parquet(path)


def snapshot_counts(snapshot_dir: Path) -> pd.DataFrame | None:
    path = snapshot_dir / FILE
    if not path.is_file():
        return None
    return _read(str(path), path.stat().st_mtime)


@lru_cache(maxsize=8)
def _objectors_counts(residents_path: str, modified: float, ids: frozenset[str]) -> pd.DataFrame:
    """The counts of residents who objected after the snapshot was made (the same aggregation,
    on the engine, over their rows only)."""
    import ibis

    from octopus.population import engines
    from octopus.population.inequalities import inequality_counts, long_counts

    available = set(pq.read_schema(residents_path).names)
    table = pq.read_table(
        residents_path, columns=[c for c in COLUMNS if c in available], filters=[("person_id", "in", sorted(ids))]
    )
    frame = table.to_pandas()
    if "analytics_excluded" in frame:
        frame = frame[~frame["analytics_excluded"].fillna(False).astype(bool)]
    if frame.empty:
        return pd.DataFrame(columns=["indicator", "breakdown", "group", "esp_band", "numerator", "denominator"])
    return long_counts(engines.execute(engines.connect(), inequality_counts(ibis.memtable(frame))))


def without(counts: pd.DataFrame, snapshot_dir: Path, excluded: set[str]) -> pd.DataFrame:
    """``counts`` less the residents in ``excluded`` that the snapshot still counted."""
    if not excluded:
        return counts
    path = snapshot_dir / "residents.parquet"
    removed = _objectors_counts(str(path), path.stat().st_mtime, frozenset(excluded))
    if removed.empty:
        return counts
    keys = ["indicator", "breakdown", "group", "esp_band"]
    merged = counts.merge(removed, on=keys, how="left", suffixes=("", "_removed"))
    for column in ("numerator", "denominator"):
        merged[column] = merged[column] - merged[f"{column}_removed"].fillna(0).astype("int64")
    return merged[merged["denominator"] > 0][counts.columns]


def current_counts(snapshot_dir: Path, excluded: set[str]) -> pd.DataFrame | None:
    """The snapshot's counts less late objectors, kept between requests while neither changes."""
    path = snapshot_dir / FILE
    if not path.is_file():
        return None
    residents = snapshot_dir / "residents.parquet"
    return _current(str(snapshot_dir), path.stat().st_mtime, residents.stat().st_mtime, frozenset(excluded))


@lru_cache(maxsize=4)
def _current(folder: str, modified: float, residents_modified: float, excluded: frozenset[str]) -> pd.DataFrame:
    return without(snapshot_counts(Path(folder)), Path(folder), set(excluded))


def _order(breakdown: str, groups: list[str], names: dict[str, str]) -> list[tuple[str, str]]:
    if breakdown == "imd_quintile":
        known = sorted((g for g in groups if g.isdigit()), key=int)
        labelled = [(g, QUINTILE_LABELS.get(g, g)) for g in known]
    elif breakdown == "age_band":
        order = [label for _, label in AGE_BANDS]
        labelled = [
            (g, g) for g in sorted(groups, key=lambda g: order.index(g) if g in order else 99) if g != NOT_KNOWN
        ]
    elif breakdown == "practice":
        labelled = sorted(
            ((g, f"{names.get(g, g)} ({g})" if g in names else g) for g in groups if g != NOT_KNOWN),
            key=lambda pair: pair[1],
        )
    else:
        labelled = sorted(((g, g) for g in groups if g != NOT_KNOWN), key=lambda pair: pair[1])
    known = {g for g, _ in labelled}
    return labelled + [(g, g) for g in groups if g not in known]


def indicator_view(
    counts: pd.DataFrame, indicator_name: str, breakdown: str, names: dict[str, str] | None = None
) -> IndicatorView:
    indicator = BY_NAME[indicator_name]
    if breakdown not in BREAKDOWN_TITLES:
        raise KeyError(breakdown)
    part = counts[(counts["indicator"] == indicator_name) & (counts["breakdown"] == breakdown)]
    standardise = indicator.standardise and breakdown != "age_band"
    view = IndicatorView(indicator, breakdown, [], standardise)
    if part.empty:
        view.available = False
        return view
    by_group = {group: rows for group, rows in part.groupby("group")}
    ordered = _order(breakdown, list(by_group), names or {})
    numerators = [int(by_group[g]["numerator"].sum()) for g, _ in ordered]
    denominators = [int(by_group[g]["denominator"].sum()) for g, _ in ordered]
    if indicator.kind == RATE:
        shown_num = protect_counts(numerators)["values"]
        shown_den = protect_counts(denominators)["values"]
    else:
        table = protect_table([[n, d - n] for n, d in zip(numerators, denominators, strict=True)])
        shown_num = [row[0] for row in table.cells]
        shown_den = table.row_totals
    standard = [b.population for b in european_standard_population()]
    dsr_errors: dict[str, float] = {}
    for (group, label), num, den in zip(ordered, shown_num, shown_den, strict=True):
        value = lower = upper = None
        note = ""
        if num is not None and den:
            if indicator.kind == RATE:
                low, high = rate_ci(num)
                per = indicator.per
                value, lower, upper = num / den * per, low / den * per, high / den * per
            else:
                low, high = proportion_ci(num, den)
                value, lower, upper = num / den * 100, low * 100, high * 100
        else:
            note = "counts suppressed (1 to 7, or to protect another count)"
        row = GroupRow(group, label, num, den, value, lower, upper, note=note)
        if standardise and num is not None:
            bands = by_group[group].set_index("esp_band")
            events = [int(bands["numerator"].get(b, 0)) for b in range(19)]
            population = [int(bands["denominator"].get(b, 0)) for b in range(19)]
            if sum(events) >= MIN_EVENTS:
                rate, low, high = dsr(events, population, standard, per=indicator.per)
                parts = dsr_parts(events, population, standard)
                dsr_errors[group] = math.sqrt(parts.variance) * indicator.per
                row = GroupRow(group, label, num, den, value, lower, upper, rate, low, high)
            else:
                row = GroupRow(
                    group,
                    label,
                    num,
                    den,
                    value,
                    lower,
                    upper,
                    note=f"no age-standardised rate from fewer than {MIN_EVENTS} events",
                )
        view.rows.append(row)
    if breakdown == "imd_quintile":
        _add_sii(view, dsr_errors)
    return view


def _add_sii(view: IndicatorView, dsr_errors: dict[str, float]) -> None:
    quintiles = [r for r in view.rows if r.group in {"1", "2", "3", "4", "5"}]
    if len(quintiles) < 3:
        view.sii_note = "The slope index of inequality needs residents in at least three IMD quintiles."
        return
    if any(r.numerator is None or not r.denominator for r in quintiles):
        view.sii_note = "Not shown: a quintile's counts are suppressed."
        return
    if view.standardised:
        if any(r.standardised is None for r in quintiles):
            view.sii_note = f"Not shown: a quintile has fewer than {MIN_EVENTS} events for an age-standardised rate."
            return
        view.sii = slope_index(
            [r.standardised for r in quintiles],
            [r.denominator for r in quintiles],
            [dsr_errors[r.group] for r in quintiles],
        )
    elif view.indicator.kind == RATE:
        view.sii = slope_index(
            [r.value for r in quintiles],
            [r.denominator for r in quintiles],
            [math.sqrt(r.numerator) / r.denominator * view.indicator.per for r in quintiles],
        )
    else:
        view.sii = slope_index_of_inequality([r.numerator for r in quintiles], [r.denominator for r in quintiles])


def indicators() -> tuple[Indicator, ...]:
    return INDICATORS


def indicator_chart(view: IndicatorView, as_of) -> charts.Chart | None:
    """Each group's value with its 95% confidence interval, drawn as a point on a line (the
    Fingertips "compare areas" view), from the same protected rows as the table."""
    rows = [row for row in view.chart_rows() if row["value"] is not None]
    if not view.available or not rows:
        return None
    measure = rows[0]["measure"]
    axis = f"{view.indicator.title} ({view.indicator.unit}{', age-standardised' if measure != 'crude' else ''})"
    order = [row["group"] for row in rows]
    spec = {
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 2, "color": "#4c6272"},
                "encoding": {
                    "y": {"field": "group", "type": "nominal", "sort": order, "title": view.breakdown_title},
                    "x": {"field": "lower", "type": "quantitative", "title": axis},
                    "x2": {"field": "upper"},
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 80, "color": "#005eb8"},
                "encoding": {
                    "y": {"field": "group", "type": "nominal", "sort": order},
                    "x": {"field": "value", "type": "quantitative"},
                },
            },
        ],
        "height": {"step": 28},
    }
    columns = [
        charts.Column("group", view.breakdown_title, "text"),
        charts.Column("value", f"Value ({view.indicator.unit})", "rate"),
        charts.Column("lower", "Lower 95%", "rate"),
        charts.Column("upper", "Upper 95%", "rate"),
        charts.Column("measure", "Measure", "text"),
    ]
    indicator = view.indicator
    return charts.chart(
        "inequality",
        f"{indicator.title} by {view.breakdown_title.lower()}",
        spec,
        [{key: row[key] for key in ("group", "value", "lower", "upper", "measure")} for row in rows],
        columns=columns,
        definition=charts.Definition(
            numerator=indicator.definition,
            denominator=f"Residents in each group ({indicator.unit})",
            source=indicator.source,
            as_of=as_of,
            notes=(
                "Groups whose counts are suppressed are not drawn. 95% confidence intervals: "
                "Wilson for proportions, Byar or exact Poisson for rates, Dobson for age-standardised rates."
            ),
        ),
        summary=f"{indicator.title} for each {view.breakdown_title.lower()} with its 95% confidence interval.",
    )
