"""What real partner data gets wrong, at known rates, recorded in the truth files.

Missing NHS numbers (council, VCSE and ambulance senders often lack them), name typos and
nicknames, day and month swapped, postcodes without their space, duplicated rows, late-arriving
rows (delivered in the next file) and, on request, malformed rows a loader must quarantine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from octopus.synthetic.names import NICKNAMES

MISSING_NHS_NUMBER = {"asc_clients": 0.3, "asc_packages": 0.3, "vcse_contacts": 0.85, "las_incidents": 0.25, "care_home_residents": 0.2, "deaths": 0.02}
DEFAULT_MISSING_NHS_NUMBER = 0.01
NAME_ERROR_RATE = 0.03
DOB_SWAP_RATE = 0.01
POSTCODE_VARIANT_RATE = 0.05
DUPLICATE_RATE = 0.005
LATE_RATE = 0.02


def typo(names: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A nickname where one exists, else two adjacent letters swapped."""
    out = names.copy()
    for i, name in enumerate(names):
        if not isinstance(name, str) or len(name) < 3:
            continue
        if name in NICKNAMES and rng.random() < 0.6:
            out[i] = NICKNAMES[name]
        else:
            k = int(rng.integers(1, len(name) - 1))
            out[i] = name[:k] + name[k + 1] + name[k] + name[k + 2 :]
    return out


def apply(feed: str, frame: pd.DataFrame, rng: np.random.Generator, malformed_rate: float) -> pd.DataFrame:
    """Degrade a feed's rows; adds truth flag columns (dropped before writing)."""
    n = len(frame)
    frame = frame.copy()
    flags = {key: np.zeros(n, bool) for key in ("nhs_number_missing", "name_altered", "dob_swapped", "postcode_variant", "duplicated", "late", "malformed")}
    if "nhs_number" in frame and feed != "gp_registrations":
        drop = rng.random(n) < MISSING_NHS_NUMBER.get(feed, DEFAULT_MISSING_NHS_NUMBER)
        drop &= frame["nhs_number"].notna().to_numpy()
        frame.loc[drop, "nhs_number"] = None
        flags["nhs_number_missing"] = drop
    if "given_name" in frame:
        alter = rng.random(n) < NAME_ERROR_RATE
        frame.loc[alter, "given_name"] = typo(frame["given_name"].to_numpy()[alter], rng)
        flags["name_altered"] = alter
    if "date_of_birth" in frame:
        dob = pd.to_datetime(frame["date_of_birth"])
        swap = (rng.random(n) < DOB_SWAP_RATE) & (dob.dt.day <= 12).to_numpy() & (dob.dt.day != dob.dt.month).to_numpy()
        swapped = pd.to_datetime({"year": dob.dt.year[swap], "month": dob.dt.day[swap], "day": dob.dt.month[swap]})
        frame.loc[swap, "date_of_birth"] = swapped.to_numpy().astype("datetime64[D]")
        flags["dob_swapped"] = swap
    if "postcode" in frame:
        vary = (rng.random(n) < POSTCODE_VARIANT_RATE) & frame["postcode"].notna().to_numpy()
        frame.loc[vary, "postcode"] = frame.loc[vary, "postcode"].str.replace(" ", "", regex=False)
        flags["postcode_variant"] = vary
    flags["late"] = rng.random(n) < LATE_RATE
    if malformed_rate > 0:
        bad = rng.random(n) < malformed_rate
        # A malformed row breaks its contract in a string-typed field, so it fits CSV and Parquet:
        # a bad NHS number check digit, or an unknown code in the first code column.
        target = "nhs_number" if "nhs_number" in frame else "sender_code"
        frame.loc[bad, target] = "1234567890" if target == "nhs_number" else "not a code!"
        flags["malformed"] = bad
    frame = frame.assign(**{f"_{k}": v for k, v in flags.items()})
    dup = rng.random(n) < DUPLICATE_RATE
    if dup.any():
        copies = frame[dup].assign(_duplicated=True)
        frame = pd.concat([frame, copies], ignore_index=True)
    return frame
