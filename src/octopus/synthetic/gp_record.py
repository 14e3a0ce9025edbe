"""The coded GP record: diagnoses, frailty, smoking, BMI, blood pressure, screening, immunisation.

Diagnoses use the shipped QOF (PCD) clusters; frailty deficits the eFI SNOMED CT codes (Clegg et
al. 2016, as published by GM SDE); observations a short list of well-known SNOMED CT concepts
(`OBSERVATIONS` below). Every code is checked for SNOMED CT shape when the lists are loaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from octopus.population.feeds.codes import is_valid_snomed_code
from octopus.synthetic import rows
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


@cache
def snomed_codes(name: str) -> np.ndarray:
    table = pd.read_csv(CODELIST_DIR / f"{name}.csv", dtype=str)
    codes = table["code"].str.strip()
    return np.array([code for code in codes if is_valid_snomed_code(code)], dtype=object)


@cache
def icd10_codes(name: str) -> np.ndarray:
    return pd.read_csv(CODELIST_DIR / f"{name}.csv", dtype=str)["code"].str.strip().to_numpy(dtype=object)


@cache
def efi_snomed_codes() -> np.ndarray:
    """eFI deficit codes other than diagnoses: a listed condition is coded from its own list
    when the person has it, so a deficit code never records a diagnosis the person lacks."""
    table = pd.read_csv(CODELIST_DIR / "efi_clegg2016_deficits_gmsde.csv", dtype=str)
    diagnoses = {condition.efi_deficit for condition in CONDITIONS}
    listed = {code for condition in CONDITIONS for code in snomed_codes(condition.snomed_list)}
    codes = table.loc[(table["coding_system"] == "snomed") & ~table["deficit"].isin(diagnoses), "code"].str.strip()
    return np.array(sorted({code for code in codes if is_valid_snomed_code(code)} - listed), dtype=object)


_FRAILTY_CLUSTERS = ("pcd_mildfrail_cod", "pcd_modfrail_cod", "pcd_sevfrail_cod")


@cache
def vocabulary() -> tuple[pa.Array, dict[str, tuple[int, int]]]:
    """Every SNOMED CT code the GP record uses, and each list's (first position, length) in it.

    A diagnosis is coded only with codes of its own list: QOF clusters share a few codes (asthma
    and COPD, depression and SMI ...), and one of those would record a second condition the
    person does not have.
    """
    diagnoses = {condition.snomed_list: snomed_codes(condition.snomed_list) for condition in CONDITIONS}
    lists: dict[str, np.ndarray] = {}
    for name, values in diagnoses.items():
        elsewhere = {code for other, codes in diagnoses.items() if other != name for code in codes}
        lists[name] = np.array([code for code in values if code not in elsewhere], dtype=object)
    lists.update({name: snomed_codes(name) for name in _FRAILTY_CLUSTERS})
    lists["efi"] = efi_snomed_codes()
    lists.update({name: np.array([code], dtype=object) for name, code in OBSERVATIONS.items()})
    spans, codes, start = {}, [], 0
    for name, values in lists.items():
        spans[name] = (start, len(values))
        codes.extend(values)
        start += len(values)
    return rows.vocabulary(codes), spans


def _codes(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    start, length = vocabulary()[1][name]
    return start + rng.integers(0, length, n) if length > 1 else np.full(n, start, dtype=np.int64)


def _rows(person, day, code, value=None, unit=0):
    n = len(person)
    return {
        "person": person,
        "day": day,
        "code": code,
        "value": np.full(n, np.nan) if value is None else value.astype(np.float64),
        "unit": np.full(n, unit, dtype=np.int8),
    }


UNITS = (None, "kg/m2", "mm[Hg]")


def coded_events(people: dict, window, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every coded GP event of the chunk's registered residents; `day` counts from window start.

    `code` is a position in `vocabulary()`, `unit` in `UNITS`.
    """
    n = len(people["age"])
    horizon = 365 * window.years
    registered = people["practice_index"] >= 0
    age = people["age"]
    female = people["female"]
    death = people["date_of_death"]
    last_day = np.where(np.isnat(death), horizon - 1, (death - window.start).astype("timedelta64[D]").astype(np.int64))
    first_day = (people["date_of_birth"] - window.start).astype("timedelta64[D]").astype(np.int64)
    frames = []
    # A diagnosis the person has is on their record even if they died before the drawn date:
    # it was made before death (and never before birth), so it is clipped, not dropped.
    for condition in CONDITIONS:
        has = np.flatnonzero(people[condition.name] & registered)
        since = people[f"{condition.name}_since"][has]
        day = (since - window.start).astype("timedelta64[D]").astype(np.int64)
        frames.append(_rows(has, np.clip(day, first_day[has], last_day[has]), _codes(condition.snomed_list, len(has), rng)))
    diagnosed = sum(people[condition.name].astype(np.int64) for condition in CONDITIONS if condition.efi_deficit)
    deficits = np.maximum(people["efi_deficits"] - diagnosed, 0) * registered
    person = np.repeat(np.arange(n), deficits)
    day = rng.integers(-horizon * 2, horizon, len(person))
    frames.append(_rows(person, np.clip(day, first_day[person], last_day[person]), _codes("efi", len(person), rng)))
    efi = people["efi"]
    older = registered & (age >= 65) & (efi >= 0.12)
    for low, high, cluster in zip((0.12, 0.24, 0.36), (0.24, 0.36, 2.0), _FRAILTY_CLUSTERS, strict=True):
        idx = np.flatnonzero(older & (efi >= low) & (efi < high))
        frames.append(_rows(idx, rng.integers(0, horizon, len(idx)), _codes(cluster, len(idx), rng)))

    adult = np.flatnonzero(registered & (age >= 16) & (rng.random(n) < 0.8))
    status = np.searchsorted([0.13, 0.35], rng.random(len(adult)), side="right")  # smoker, ex, never
    smoking = np.array([vocabulary()[1][name][0] for name in ("smoker", "ex_smoker", "never_smoked")])
    frames.append(_rows(adult, rng.integers(0, horizon, len(adult)), smoking[status]))
    bmi_people = np.flatnonzero(registered & (age >= 18) & (rng.random(n) < 0.6))
    bmi = np.round(rng.lognormal(np.log(26.5), 0.17, len(bmi_people)), 1)
    frames.append(_rows(bmi_people, rng.integers(0, horizon, len(bmi_people)), _codes("bmi", len(bmi_people), rng), bmi, 1))
    bp_people = np.flatnonzero(registered & ((age >= 40) | people["hypertension"]) & (rng.random(n) < 0.75))
    bp_people = np.repeat(bp_people, rng.integers(1, 4, len(bp_people)))
    bp_day = rng.integers(0, horizon, len(bp_people))
    systolic = np.round(rng.normal(128 + 0.3 * (age[bp_people] - 50) + 8 * people["hypertension"][bp_people], 14))
    frames.append(_rows(bp_people, bp_day, _codes("systolic", len(bp_people), rng), systolic, 2))
    frames.append(_rows(bp_people, bp_day, _codes("diastolic", len(bp_people), rng), np.round(systolic * 0.6 + rng.normal(2, 6, len(bp_people))), 2))

    # Screening (NHS programmes, London coverage below England's): breast 50-70 every 3 years
    # (~60%), cervical 25-64 (~65%), bowel 54-74 every 2 years (~60%).
    for name, mask, interval, uptake in (
        ("breast_screening", female & (age >= 50) & (age <= 71), 3, 0.6),
        ("cervical_screening", female & (age >= 25) & (age <= 64), 3, 0.65),
        ("bowel_screening", (age >= 54) & (age <= 74), 2, 0.6),
    ):
        idx = np.flatnonzero(registered & mask & (rng.random(n) < uptake))
        frames.append(_rows(idx, rng.integers(horizon - 365 * interval, horizon, len(idx)), _codes(name, len(idx), rng)))
    # Flu: each autumn, 65+ and people with a condition (London uptake ~ 60% / 40%).
    eligible = registered & ((age >= 65) | (people["ltc_count"] > 0))
    for year in range(window.years):
        autumn = np.datetime64(f"{int(str(window.start)[:4]) + year}-10-01")
        offset = int((autumn - window.start).astype(np.int64))
        if offset < 0 or offset >= horizon:
            continue
        idx = np.flatnonzero(eligible & (rng.random(n) < np.where(age >= 65, 0.6, 0.4)))
        frames.append(_rows(idx, offset + rng.integers(0, 75, len(idx)), _codes("flu_vaccination", len(idx), rng)))
    # MMR: two doses, at 1 year and 3 years 4 months; about 80% coverage in London.
    dob = people["date_of_birth"]
    for months in (12, 40):
        idx = np.flatnonzero(registered & (age >= months / 12) & (age < 19) & (rng.random(n) < 0.8))
        day = ((dob[idx] + np.timedelta64(int(months * 30.4), "D") + rng.integers(0, 60, len(idx)).astype("timedelta64[D]")) - window.start).astype(np.int64)
        frames.append(_rows(idx, day, _codes("mmr_vaccination", len(idx), rng)))
    events = {key: np.concatenate([frame[key] for frame in frames]) for key in frames[0]}
    day = events["day"]
    # Nothing recorded after death or before birth (a flu season before a baby was born).
    keep = (day <= last_day[events["person"]]) & (day >= first_day[events["person"]])
    return {key: values[keep] for key, values in events.items()}
