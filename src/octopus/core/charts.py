"""Charts that carry their own figures: one object gives the chart, its data table, its CSV and
its definition, all from the same rows (docs/architecture.md, "Charts and maps"; decision 0027).

    figure = charts.chart("pyramid", "Residents by age and sex", altair_chart, rows,
                          columns=[charts.Column("age_band", "Age band", "text"), ...],
                          definition=charts.Definition(numerator=..., denominator=..., source=..., as_of=...))
    return charts.csv_or(request, [figure]) or render(..., {"figures": [figure]})

and in the template ``{% from "charts/chart.jinja" import chart %}{{ chart(figure) }}``.

The rows must already be protected (``core.disclosure``): the chart, the table and the CSV are
drawn from the very same rows, so a count suppressed in the table is missing from the chart and
written "suppressed" in the table and the CSV alike. The specification is Vega-Lite (built with Altair
or written as a dict); its data is replaced by the rows, so nothing reaches the browser that the
table does not show. It is rendered by the vendored vega-embed with the CSP-safe expression
interpreter (``core/static/octopus/charts.js``), at the width of its container.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
KINDS = ("text", "count", "share", "rate", "money", "number")
SUPPRESSED_TEXT = {
    "count": "suppressed",
    "share": "withheld",
    "rate": "withheld",
    "money": "withheld",
    "number": "withheld",
}


@dataclass(frozen=True)
class Column:
    """A column of the data table and the CSV. ``kind`` says how the table writes it: text;
    count (None is "suppressed"); share (a fraction, shown as a percentage); rate (per 1,000 or
    as labelled, one decimal); money (pounds); number (two decimals)."""

    key: str
    label: str
    kind: str = "count"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Column {self.key!r}: kind must be one of {', '.join(KINDS)} (got {self.kind!r}).")

    def show(self, value) -> str:
        if value is None:
            return SUPPRESSED_TEXT.get(self.kind, "")
        if self.kind == "count":
            return f"{value:,.0f}"
        if self.kind == "share":
            return f"{value * 100:.1f}%"
        if self.kind == "rate":
            return f"{value:,.1f}"
        if self.kind == "money":
            return f"£{value:,.0f}"
        if self.kind == "number":
            return f"{value:,.2f}"
        return str(value)


@dataclass(frozen=True)
class Definition:
    """What every figure on the chart means, shown under it: the numerator, the denominator, the
    data source and the date the figures are as of."""

    numerator: str
    denominator: str
    source: str
    as_of: dt.date | None
    notes: str = ""


@dataclass
class Chart:
    key: str
    title: str
    spec: dict
    columns: list[Column]
    rows: list[dict]
    definition: Definition
    summary: str = ""
    csv_query: str = field(default="")

    @property
    def dom_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def spec_id(self) -> str:
        return f"chart-spec-{self.key}"

    def table(self) -> list[list[str]]:
        """The rows as the data table writes them (same rows as the chart and the CSV)."""
        return [[column.show(row.get(column.key)) for column in self.columns] for row in self.rows]

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([column.label for column in self.columns])
        for row in self.rows:
            writer.writerow([_csv_value(column, row.get(column.key)) for column in self.columns])
        return buffer.getvalue()


def _csv_value(column: Column, value):
    if value is None:
        return "" if column.kind == "text" else SUPPRESSED_TEXT[column.kind]
    if isinstance(value, float):
        return f"{value:.6g}" if column.kind == "share" else f"{value:.4f}".rstrip("0").rstrip(".")
    return value


def _plain(value):
    """JSON-safe, with every kind of missing (None, NaN, pandas NA) as None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


def records(rows) -> list[dict]:
    """A pandas DataFrame or an iterable of mappings → a list of plain dicts."""
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
        rows = rows.to_dict(orient="records")
    return [{str(k): _plain(v) for k, v in dict(row).items()} for row in rows]


def _as_dict(spec) -> dict:
    if isinstance(spec, dict):
        return dict(spec)
    if hasattr(spec, "to_dict"):  # an Altair chart
        return spec.to_dict()
    raise TypeError(f"A chart specification must be an Altair chart or a Vega-Lite dict, not {type(spec).__name__}.")


_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def chart(
    key: str,
    title: str,
    spec,
    rows,
    *,
    columns: Sequence[Column],
    definition: Definition,
    summary: str = "",
    embed_rows: bool = True,
) -> Chart:
    """One chart with its table, CSV and definition. ``key`` names it in the page and in the
    CSV link (lower case, digits and hyphens). With ``embed_rows`` the rows become the
    specification's data (any data Altair put in the spec is dropped); without it (maps) the
    specification already holds the same figures and ``rows`` are only the table's."""
    if not _KEY.match(key):
        raise ValueError(f"Chart key {key!r}: use lower-case letters, digits and hyphens.")
    rows = records(rows)
    missing = sorted({c.key for c in columns} - set().union(*(r.keys() for r in rows))) if rows else []
    if missing:
        raise ValueError(f"Chart {key!r}: the rows have no column {', '.join(missing)}.")
    spec = _as_dict(spec)
    if embed_rows:
        spec.pop("datasets", None)
        spec["data"] = {"values": rows}
        _inherit_rows(spec)
    spec["$schema"] = VEGA_LITE_SCHEMA
    # Fill the column it sits in, so it reads on a phone as on a desktop.
    if not any(k in spec for k in ("hconcat", "vconcat", "concat", "facet", "repeat")):
        spec["width"] = "container"
    spec.setdefault("autosize", {"type": "fit-x", "contains": "padding"})
    spec["description"] = summary or title
    return Chart(key, title, spec, list(columns), rows, definition, summary)


def _inherit_rows(spec: dict) -> None:
    """Altair gives each layer built without data ``{"name": "empty"}`` (a dataset of one empty
    row); drop it so the layer draws the chart's rows instead of nothing."""
    for layer in spec.get("layer", []):
        if layer.get("data") == {"name": "empty"}:
            del layer["data"]
        _inherit_rows(layer)


def csv_or(request, figures: Iterable[Chart]) -> HttpResponse | None:
    """The CSV of the chart the request names (``?csv=<key>``), or None for the page itself.

    The page view builds its charts and calls this first, so the CSV carries exactly the rows
    the page would show. The link keeps the page's other query parameters (area, indicator)."""
    figures = list(figures)
    others = request.GET.copy()
    others.pop("csv", None)
    for figure in figures:
        query = others.copy()
        query["csv"] = figure.key
        figure.csv_query = "?" + query.urlencode()
    wanted = request.GET.get("csv")
    if not wanted:
        return None
    for figure in figures:
        if figure.key == wanted:
            response = HttpResponse(figure.csv(), content_type="text/csv; charset=utf-8")
            as_of = f"-{figure.definition.as_of:%Y-%m-%d}" if figure.definition.as_of else ""
            response["Content-Disposition"] = f'attachment; filename="{figure.key}{as_of}.csv"'
            return response
    from django.http import Http404

    raise Http404(f"This page has no chart {wanted!r}.")
