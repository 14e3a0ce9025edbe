"""The code lists and constants both peers use, exported once as files.

The peers match the same code-list tables as our engine (so the comparison is of engines, not
of code lists), but must not import Octopus or Ibis when they run: that start-up cost is ours,
not theirs. ``export`` writes the tables (Parquet), the constants (JSON) and an empty table per
feed with the contract's types (a feed not delivered is read as empty, as ``read_linked`` does).

    python benchmarks/peers/reference.py OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def export(directory: Path | str) -> Path:
    from octopus.population.features import conditions as cond
    from octopus.population.features import demographics, frailty
    from octopus.population.features.activity import RECENT_DISCHARGE_DAYS
    from octopus.population.features.periods import YEAR
    from octopus.population.linked import PERSONS_SCHEMA, feed_schema, load_contracts
    from octopus.population.reference import imd_frame

    directory = Path(directory)
    (directory / "empty").mkdir(parents=True, exist_ok=True)
    tables = {
        "condition_bits": cond.condition_bits(),
        "hospital_condition_bits": cond.hospital_condition_bits(),
        "efi_bits": frailty.efi_bits(),
        "hfrs_tenths": frailty.hfrs_tenths(),
        "ethnicity": demographics.ethnicity_lookup().to_pyarrow().to_pandas(),
        "imd": imd_frame()[["lsoa21_code", "imd_decile"]].astype({"imd_decile": "int64"}),
    }
    for name, frame in tables.items():
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), directory / f"{name}.parquet")
    pq.write_table(PERSONS_SCHEMA.empty_table(), directory / "empty" / "persons.parquet")
    for name in load_contracts():
        pq.write_table(feed_schema(name).empty_table(), directory / "empty" / f"{name}.parquet")
    constants = {
        "conditions": [
            {"name": c.name, "column": cond.ltc_column(c), "bit": cond.BITS[c.name], "resolvable": bool(c.resolved)}
            for c in cond.CONDITIONS
        ],
        "long_term_mask": cond.LONG_TERM_MASK,
        "unresolvable_mask": cond.UNRESOLVABLE_MASK,
        "age_bands": [list(band) for band in demographics.AGE_BANDS],
        "ethnicity_not_recorded": demographics.ETHNICITY_NOT_RECORDED,
        "no_fixed_abode_postcode": demographics.NO_FIXED_ABODE_POSTCODE,
        "efi_deficits": frailty.EFI_DEFICITS,
        "efi_thresholds": [list(t) for t in frailty.EFI_THRESHOLDS],
        "hfrs_lookback_days": frailty.HFRS_LOOKBACK.days,
        "year_days": YEAR.days,
        "recent_discharge_days": RECENT_DISCHARGE_DAYS,
    }
    (directory / "constants.json").write_text(json.dumps(constants, indent=2))
    return directory


def load(directory: Path | str) -> dict:
    return json.loads((Path(directory) / "constants.json").read_text())


def feed_path(linked_dir: Path, reference_dir: Path, name: str) -> Path:
    """The feed's file, or the empty one with its contract's types when it was not delivered."""
    path = Path(linked_dir) / f"{name}.parquet"
    return path if path.is_file() else Path(reference_dir) / "empty" / f"{name}.parquet"


if __name__ == "__main__":
    export(sys.argv[1])
