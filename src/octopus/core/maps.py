"""LSOA choropleth maps: a chart (``core.charts``) whose marks are the real 2021 LSOA boundaries
shipped in ``octopus.reference`` (``lsoa21_boundaries_<borough>.geojson``), drawn by Vega-Lite's
geoshape in the browser. No tiles and no tile server: nothing is fetched from the internet.

    figure = maps.lsoa_map("imd", "IMD 2025 decile by LSOA", {"E01004660": 1, ...},
                           value_label="IMD 2025 decile", kind="number", definition=...)

``values`` maps LSOA codes to an already-protected figure (None where suppressed: the area is
drawn grey and the table says "suppressed"). The table beside the map lists every LSOA in
``values``, so the map is never the only way to read a figure. LSOAs whose borough has no
shipped boundary file are still in the table; ``Chart.summary`` says how many are not drawn.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache

from octopus.reference import REFERENCE_DIR

from .charts import Chart, Column, Definition, chart

NO_DATA_COLOUR = "#d8dde0"  # NHS.UK grey 4: LSOAs with the figure suppressed or not known


@lru_cache(maxsize=1)
def shipped_boundaries() -> dict[str, dict]:
    """Every shipped LSOA boundary feature, by LSOA code (all borough files)."""
    features = {}
    for path in sorted(REFERENCE_DIR.glob("lsoa21_boundaries_*.geojson")):
        for feature in json.loads(path.read_text())["features"]:
            features[feature["properties"]["code"]] = feature
    return features


def lsoa_map(
    key: str,
    title: str,
    values: Mapping[str, float | int | None],
    *,
    value_label: str,
    kind: str,
    definition: Definition,
    ordinal: bool = False,
    scheme: str = "blues",
    reverse: bool = False,
    summary: str = "",
    height: int = 420,
    legend_format: str = ",.0f",
) -> Chart:
    """A choropleth of ``values`` by LSOA with its legend, data table, CSV and definition.

    ``kind`` is the table's column kind (``charts.Column``); ``ordinal`` colours by class (e.g.
    IMD deciles, 1 = most deprived) rather than on a continuous scale; ``reverse`` flips the
    colour scheme so that the darkest colour is the smallest value."""
    boundaries = shipped_boundaries()
    rows, features = [], []
    for code in sorted(values):
        feature = boundaries.get(code)
        name = feature["properties"]["name"] if feature else code
        rows.append({"name": name, "lsoa": code, "value": values[code]})
        if feature:
            features.append(
                {
                    "type": "Feature",
                    "geometry": feature["geometry"],
                    "properties": {"code": code, "name": name, "value": values[code]},
                }
            )
    undrawn = len(rows) - len(features)
    if undrawn:
        summary = (summary + " " if summary else "") + (
            f"{undrawn} LSOA{'s are' if undrawn != 1 else ' is'} in the table but not drawn: no boundary file "
            "is shipped for their borough (python -m octopus.reference.boundaries)."
        )
    data = {
        "values": {"type": "FeatureCollection", "features": features},
        "format": {"type": "json", "property": "features"},
    }
    colour = {
        "field": "properties.value",
        "type": "ordinal" if ordinal else "quantitative",
        "title": value_label,
        "scale": {"scheme": scheme, "reverse": reverse},
        "legend": {"orient": "bottom", "direction": "horizontal", **({} if ordinal else {"format": legend_format})},
    }
    spec = {
        "height": height,
        "data": data,
        "projection": {"type": "mercator"},
        "layer": [
            # Every LSOA in grey first, so a suppressed or unknown figure still shows its area.
            {"mark": {"type": "geoshape", "fill": NO_DATA_COLOUR, "stroke": "#ffffff", "strokeWidth": 0.5}},
            {
                "transform": [{"filter": "datum.properties.value != null"}],
                "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.5},
                "encoding": {"color": colour},
            },
        ],
    }
    columns = [Column("name", "LSOA", "text"), Column("lsoa", "LSOA code", "text"), Column("value", value_label, kind)]
    return chart(key, title, spec, rows, columns=columns, definition=definition, summary=summary, embed_rows=False)
