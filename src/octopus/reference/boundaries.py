"""LSOA 2021 boundaries shipped for the population maps: one GeoJSON file per borough.

    python -m octopus.reference.boundaries /path/to/lsoa21_boundaries_london_bgc.geojson Westminster

The source is ONS's "Lower Layer Super Output Areas (December 2021) Boundaries EW BGC"
(generalised, clipped to the coastline, WGS84), Open Government Licence v3.0, contains OS data
© Crown copyright and database right (docs/data-sources.md). All of London simplified is about
2.8 MB, too much to send with every map page, so a borough's file is built and committed per
borough an INT works in. Shapes are simplified to 0.0001° (about 7-11 m in London, below the
generalised source's own accuracy) with topology kept, and coordinates rounded to 5 decimals
(about 1 m): Westminster's 123 LSOAs come to 74 KB. No Django.
"""

from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
TOLERANCE_DEGREES = 0.0001
DECIMALS = 5


def _slug(borough: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", borough.lower()).strip("_")


def boundaries_path(borough: str) -> Path:
    return HERE / f"lsoa21_boundaries_{_slug(borough)}.geojson"


@lru_cache(maxsize=8)
def borough_boundaries(borough: str) -> dict | None:
    """The shipped FeatureCollection for a borough (properties: code, name), or None if none is shipped."""
    path = boundaries_path(borough)
    return json.loads(path.read_text()) if path.is_file() else None


def _rounded(coordinates):
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [round(coordinates[0], DECIMALS), round(coordinates[1], DECIMALS)]
    return [_rounded(part) for part in coordinates]


def build(source: Path, borough: str) -> Path:
    from shapely.geometry import mapping, shape

    collection = json.loads(Path(source).read_text())
    features = []
    for number, feature in enumerate(collection["features"], start=1):
        properties = feature.get("properties") or {}
        missing = [key for key in ("lsoa21_code", "lsoa21_name", "lad_name") if key not in properties]
        if missing:
            raise ValueError(f"{source}: feature {number} has no {', '.join(missing)} property.")
        if properties["lad_name"] != borough:
            continue
        simplified = mapping(shape(feature["geometry"]).simplify(TOLERANCE_DEGREES, preserve_topology=True))
        features.append(
            {
                "type": "Feature",
                "properties": {"code": properties["lsoa21_code"], "name": properties["lsoa21_name"]},
                "geometry": {"type": simplified["type"], "coordinates": _rounded(simplified["coordinates"])},
            }
        )
    if not features:
        raise ValueError(f"{source}: no LSOA has lad_name {borough!r}; check the borough's spelling.")
    features.sort(key=lambda f: f["properties"]["code"])
    path = boundaries_path(borough)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")) + "\n")
    return path


if __name__ == "__main__":  # pragma: no cover - run by hand when a borough is added
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    written = build(Path(sys.argv[1]), sys.argv[2])
    print(f"wrote {written} ({written.stat().st_size:,} bytes)")
