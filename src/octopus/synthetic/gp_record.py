"""The coded GP record: diagnoses, frailty, smoking, BMI, blood pressure, screening, immunisation.

Diagnoses use the shipped QOF (PCD) clusters; frailty deficits the eFI SNOMED CT codes (Clegg et
al. 2016, as published by GM SDE); observations a short list of well-known SNOMED CT concepts
(`OBSERVATIONS` below). Every code is checked for SNOMED CT shape when the lists are loaded.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from octopus.population.feeds.codes import is_valid_snomed_code
from octopus.synthetic.conditions import CONDITIONS

CODELIST_DIR = Path(__file__).resolve().parent.parent / "codelists"

OBSERVATIONS = {
    "smoker": "77176002",  # Smoker (finding)
    "ex_smoker": "8517006",  # Ex-smoker (finding)
    "never_smoked": "266919005",  # Never smoked tobacco (finding)
    "bmi": "60621009",  # Body mass index (observable entity)
    "systolic": "271649006",  # Systolic blood pressure (observable entity)
    "diastolic": "271650006",  # Diastolic blood pressure (observable entity)
    "breast_screening": "24623002",  # Screening mammography (procedure)
    "cervical_screening": "171149006",  # Screening for malignant neoplasm of cervix (procedure)
    "bowel_screening": "268548003",  # Screening for malignant neoplasm of colon (procedure)
    "flu_vaccination": "822851000000102",  # Seasonal influenza vaccination (procedure), UK ext.
    "mmr_vaccination": "38598009",  # Administration of measles, mumps and rubella vaccine
}


@lru_cache(maxsize=None)
def snomed_codes(name: str) -> np.ndarray:
    table = pd.read_csv(CODELIST_DIR / f"{name}.csv", dtype=str)
    codes = table["code"].str.strip()
    return np.array([code for code in codes if is_valid_snomed_code(code)], dtype=object)


@lru_cache(maxsize=None)
def icd10_codes(name: str) -> np.ndarray:
    return pd.read_csv(CODELIST_DIR / f"{name}.csv", dtype=str)["code"].str.strip().to_numpy(dtype=object)


@lru_cache(maxsize=1)
def efi_snomed_codes() -> np.ndarray:
    table = pd.read_csv(CODELIST_DIR / "efi_clegg2016_deficits_gmsde.csv", dtype=str)
    codes = table.loc[table["coding_system"] == "snomed", "code"].str.strip()
    return np.array(sorted({code for code in codes if is_valid_snomed_code(code)}), dtype=object)


def _rows(person, day, code, value=None, unit=None):
    n = len(person)
    return pd.DataFrame(
        {
            "person": person,
            "day": day,
            "snomed_code": code if not np.isscalar(code) else np.full(n, code, dtype=object),
            "value": np.full(n, np.nan) if value is None else value,
            "unit": np.full(n, None, dtype=object) if unit is None else np.full(n, unit, dtype=object),
        }
    )


def coded_events(people: pd.DataFrame, window, rng: np.random.Generator) -> pd.DataFrame:
    """Every coded GP event of the chunk's registered residents; `day` counts from window start."""
    n = len(people)
    horizon = 365 * window.years
    registered = people["practice_index"].to_numpy() >= 0
    age = people["age"].to_numpy()
    female = people["sex"].to_numpy() == "female"
    death = people["date_of_death"].to_numpy()
    last_day = np.where(np.isnat(death), horizon - 1, (death - window.start).astype("timedelta64[D]").astype(np.int64))
    frames = []
    for condition in CONDITIONS:
        has = np.flatnonzero(people[condition.name].to_numpy() & registered)
        codes = snomed_codes(condition.snomed_list)
        since = people[f"{condition.name}_since"].to_numpy()[has]
        day = (since - window.start).astype("timedelta64[D]").astype(np.int64)
        frames.append(_rows(has, day, codes[rng.integers(0, len(codes), len(has))]))
    deficits = people["efi_deficits"].to_numpy() * registered
    efi_codes = efi_snomed_codes()
    person = np.repeat(np.arange(n), deficits)
    frames.append(_rows(person, rng.integers(-horizon * 2, horizon, len(person)), efi_codes[rng.integers(0, len(efi_codes), len(person))]))
    efi = people["efi"].to_numpy()
    older = registered & (age >= 65) & (efi >= 0.12)
    for low, high, cluster in ((0.12, 0.24, "pcd_mildfrail_cod"), (0.24, 0.36, "pcd_modfrail_cod"), (0.36, 2.0, "pcd_sevfrail_cod")):
        idx = np.flatnonzero(older & (efi >= low) & (efi < high))
        codes = snomed_codes(cluster)
        frames.append(_rows(idx, rng.integers(0, horizon, len(idx)), codes[rng.integers(0, len(codes), len(idx))]))

    adult = np.flatnonzero(registered & (age >= 16) & (rng.random(n) < 0.8))
    status = rng.choice(np.array(["smoker", "ex_smoker", "never_smoked"]), len(adult), p=[0.13, 0.22, 0.65])
    frames.append(_rows(adult, rng.integers(0, horizon, len(adult)), np.array([OBSERVATIONS[s] for s in status], dtype=object)))
    bmi_people = np.flatnonzero(registered & (age >= 18) & (rng.random(n) < 0.6))
    bmi = np.round(rng.lognormal(np.log(26.5), 0.17, len(bmi_people)), 1)
    frames.append(_rows(bmi_people, rng.integers(0, horizon, len(bmi_people)), OBSERVATIONS["bmi"], bmi, "kg/m2"))
    bp_people = np.flatnonzero(registered & ((age >= 40) | people["hypertension"].to_numpy()) & (rng.random(n) < 0.75))
    bp_people = np.repeat(bp_people, rng.integers(1, 4, len(bp_people)))
    bp_day = rng.integers(0, horizon, len(bp_people))
    systolic = np.round(rng.normal(128 + 0.3 * (age[bp_people] - 50) + 8 * people["hypertension"].to_numpy()[bp_people], 14))
    frames.append(_rows(bp_people, bp_day, OBSERVATIONS["systolic"], systolic, "mm[Hg]"))
    frames.append(_rows(bp_people, bp_day, OBSERVATIONS["diastolic"], np.round(systolic * 0.6 + rng.normal(2, 6, len(bp_people))), "mm[Hg]"))

    # Screening (NHS programmes, London coverage below England's): breast 50-70 every 3 years
    # (~60%), cervical 25-64 (~65%), bowel 54-74 every 2 years (~60%).
    for name, mask, interval, uptake in (
        ("breast_screening", female & (age >= 50) & (age <= 71), 3, 0.6),
        ("cervical_screening", female & (age >= 25) & (age <= 64), 3, 0.65),
        ("bowel_screening", (age >= 54) & (age <= 74), 2, 0.6),
    ):
        idx = np.flatnonzero(registered & mask & (rng.random(n) < uptake))
        frames.append(_rows(idx, rng.integers(horizon - 365 * interval, horizon, len(idx)), OBSERVATIONS[name]))
    # Flu: each autumn, 65+ and people with a condition (London uptake ~ 60% / 40%).
    eligible = registered & ((age >= 65) | (people["ltc_count"].to_numpy() > 0))
    for year in range(window.years):
        autumn = np.datetime64(f"{int(str(window.start)[:4]) + year}-10-01")
        offset = int((autumn - window.start).astype(np.int64))
        if offset < 0 or offset >= horizon:
            continue
        idx = np.flatnonzero(eligible & (rng.random(n) < np.where(age >= 65, 0.6, 0.4)))
        frames.append(_rows(idx, offset + rng.integers(0, 75, len(idx)), OBSERVATIONS["flu_vaccination"]))
    # MMR: two doses, at 1 year and 3 years 4 months; about 80% coverage in London.
    dob = people["date_of_birth"].to_numpy()
    for months in (12, 40):
        idx = np.flatnonzero(registered & (age >= months / 12) & (age < 19) & (rng.random(n) < 0.8))
        day = ((dob[idx] + np.timedelta64(int(months * 30.4), "D") + rng.integers(0, 60, len(idx)).astype("timedelta64[D]")) - window.start).astype(np.int64)
        frames.append(_rows(idx, day, OBSERVATIONS["mmr_vaccination"]))
    events = pd.concat(frames, ignore_index=True)
    day = events["day"].to_numpy()
    # Nothing recorded after death, and nothing before the person could have been recorded.
    keep = (day <= last_day[events["person"].to_numpy()]) & (day > -365 * 110)
    return events[keep].reset_index(drop=True)
