"""How the reference CSVs next to this file were cut from the shared open data (run once by hand).

    python -m octopus.directory.reference.extract /path/to/shared/data

Kept so the subsets can be refreshed when ONS or NHS England publish new releases.
"""

import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent

LSOA_COLUMNS = {
    "lsoa21_code": "lsoa21_code", "lsoa21_name": "lsoa21_name", "msoa21_code": "msoa21_code",
    "msoa21_hcl_name": "msoa21_name", "ward24_code": "ward24_code", "ward24_name": "ward24_name",
    "lad24_code": "lad24_code", "lad24_name": "lad24_name", "icb24_code_nhs": "icb24_code",
}
PRACTICE_COLUMNS = {
    "practice_code": "practice_code", "practice_name": "practice_name", "practice_postcode": "practice_postcode",
    "pcn_code": "pcn_code", "pcn_name": "pcn_name", "sub_icb_location_code": "sub_icb_location_code",
    "icb_code": "icb_code", "lat": "latitude", "long": "longitude", "lsoa21_code_of_point": "lsoa21_code",
    "lad_of_point": "borough_name",
}


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def extract(data: Path) -> None:
    centroids = {r["lsoa21_code"]: r for r in csv.DictReader((data / "lsoa21_centroids_london.csv").open())}
    lsoas = []
    for row in csv.DictReader((data / "lsoa21_geography_lookup_london.csv").open()):
        out = {new: row[old] for old, new in LSOA_COLUMNS.items()}
        # The inside point is guaranteed to fall within the LSOA (a centroid may not).
        point = centroids.get(row["lsoa21_code"], {})
        out["latitude"] = round(float(point["inside_point_lat"]), 6) if point else ""
        out["longitude"] = round(float(point["inside_point_long"]), 6) if point else ""
        lsoas.append(out)
    _write(HERE / "lsoas_london.csv", lsoas)
    practices = []
    for row in csv.DictReader((data / "gp_practices_london_oct2025.csv").open()):
        out = {new: row[old] for old, new in PRACTICE_COLUMNS.items()}
        for key in ("latitude", "longitude"):
            out[key] = round(float(out[key]), 6) if out[key] else ""
        practices.append(out)
    _write(HERE / "gp_practices_london.csv", practices)


if __name__ == "__main__":
    extract(Path(sys.argv[1]))
