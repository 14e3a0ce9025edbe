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
    # Prevention programmes: each code is in the list the pipeline reads for it
    # (population/config/prevention.yaml; a test checks every one).
    "breast_screening": "268547008",  # Screening for breast cancer
    "cervical_screening": "171149006",  # Screening for malignant neoplasm of cervix (procedure)
    "cervical_declined": "736595007",  # Screening for malignant neoplasm of cervix declined
    "bowel_screening": "1101361000000103",  # Bowel cancer screening programme liquid FIT normal
    "nhs_health_check": "523221000000100",  # NHS Health Check completed
    "flu_vaccination": "985151000000100",  # Administration of first inactivated seasonal influenza vaccination
    "flu_declined": "315640000",  # Influenza vaccination declined
    "pneumococcal_vaccination": "12866006",  # Pneumococcal vaccination (procedure)
    "mmr_vaccination": "3063401000001105",  # MMR vaccine injection 0.5mL (dm+d)
    "hba1c": "999791000000106",  # Haemoglobin A1c level - IFCC standardised
    "cholesterol": "1005671000000105",  # Serum cholesterol level
    "creatinine": "1000731000000107",  # Serum creatinine level
    "urine_acr": "1023491000000104",  # Urine albumin:creatinine ratio
    "foot_examination": "401191002",  # Diabetic foot examination
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


UNITS = (None, "kg/m2", "mm[Hg]", "mmol/mol", "mmol/L", "umol/L", "mg/mmol")


def coded_events(people: dict, window, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every coded GP event of the chunk's registered residents; `day` counts from window start.

    `code` is a position in `vocabulary()`, `unit` in `UNITS`.
    """
    n = len(people["age"])
    horizon = 365 * window.years
    registered = people["practice_index"] >= 0
    age = people["age"]
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
        frames.append(
            _rows(has, np.clip(day, first_day[has], last_day[has]), _codes(condition.snomed_list, len(has), rng))
        )
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
    frames.append(
        _rows(bmi_people, rng.integers(0, horizon, len(bmi_people)), _codes("bmi", len(bmi_people), rng), bmi, 1)
    )
    bp_people = np.flatnonzero(registered & ((age >= 40) | people["hypertension"]) & (rng.random(n) < 0.75))
    bp_people = np.repeat(bp_people, rng.integers(1, 4, len(bp_people)))
    bp_day = rng.integers(0, horizon, len(bp_people))
    systolic = np.round(rng.normal(128 + 0.3 * (age[bp_people] - 50) + 8 * people["hypertension"][bp_people], 14))
    frames.append(_rows(bp_people, bp_day, _codes("systolic", len(bp_people), rng), systolic, 2))
    frames.append(
        _rows(
            bp_people,
            bp_day,
            _codes("diastolic", len(bp_people), rng),
            np.round(systolic * 0.6 + rng.normal(2, 6, len(bp_people))),
            2,
        )
    )

    frames += prevention_events(people, window, registered, rng)
    events = {key: np.concatenate([frame[key] for frame in frames]) for key in frames[0]}
    day = events["day"]
    # Nothing recorded after death or before birth (a flu season before a baby was born).
    keep = (day <= last_day[events["person"]]) & (day >= first_day[events["person"]])
    return {key: values[keep] for key, values in events.items()}


# Uptake falls with deprivation: first-time bowel screening uptake was 43% in the most deprived
# quintile of areas and 57% in the least (Hirst Y et al., Eur J Cancer 2018;103:267-73), a ratio
# of 0.75. Every programme here takes that gradient across IMD deciles, scaled so the population
# mean stays at the programme's base uptake (deciles are about equally common in London).
_LEAST_DEPRIVED_RATIO = 0.75


def uptake(base: float, imd_decile: np.ndarray) -> np.ndarray:
    decile = np.where(imd_decile >= 1, imd_decile, 5.5).astype(np.float64)
    gradient = _LEAST_DEPRIVED_RATIO + (1 - _LEAST_DEPRIVED_RATIO) * (decile - 1) / 9
    return np.clip(base * gradient / gradient.mean(), 0, 0.98) if len(decile) else gradient


def _last_test(idx, interval_years, spread, horizon, rng):
    """Day of each participant's latest test: within one interval mostly, some a round or more
    before (late, or lapsed), as recall data shows."""
    back = (rng.random(len(idx)) * spread * 365 * interval_years).astype(np.int64)
    return horizon - 1 - back


def prevention_events(people: dict, window, registered: np.ndarray, rng: np.random.Generator) -> list[dict]:
    """Screening, NHS Health Checks, vaccinations and diabetes care processes.

    Base uptake figures are London-like round numbers below England's published coverage
    (NHS England / UKHSA coverage statistics 2023-24: bowel ~70%, breast ~70%, cervical ~68%,
    flu 65+ ~75%, MMR2 at 5 years ~84%; London lower): they shape a demo, not a statistic.
    """
    n = len(people["age"])
    horizon = 365 * window.years
    age = people["age"]
    female = people["female"]
    imd = people["imd_decile"]
    frames = []
    vascular = np.zeros(n, bool)
    for name in ("hypertension", "diabetes", "chd", "af", "stroke", "heart_failure", "ckd"):
        vascular |= people[name]
    # (programme, eligible, interval in years, base uptake in the coverage window)
    for name, mask, interval, base in (
        ("bowel_screening", (age >= 50) & (age <= 74), 2.5, 0.65),
        ("breast_screening", female & (age >= 50) & (age <= 70), 3, 0.62),
        ("cervical_screening", female & (age >= 25) & (age <= 64), 3.5, 0.65),
        ("nhs_health_check", (age >= 40) & (age <= 74) & ~vascular, 5, 0.45),
    ):
        eligible = np.flatnonzero(registered & mask)
        took_part = rng.random(len(eligible)) < uptake(base, imd[eligible])
        # Participants' latest test: 80% within the coverage window, 20% before it (overdue).
        idx = eligible[took_part]
        day = _last_test(idx, interval, 1.25, horizon, rng)
        frames.append(_rows(idx, day, _codes(name, len(idx), rng)))
        if name == "cervical_screening":
            decliners = eligible[~took_part & (rng.random(len(eligible)) < 0.05)]
            frames.append(
                _rows(
                    decliners,
                    rng.integers(horizon - 365, horizon, len(decliners)),
                    _codes("cervical_declined", len(decliners), rng),
                )
            )
    frames += _flu(people, window, registered, rng)
    older = np.flatnonzero(registered & (age >= 65))
    idx = older[rng.random(len(older)) < uptake(0.68, imd[older])]
    # A single dose at 65 or later: on the record, often years ago.
    day = horizon - 1 - (rng.random(len(idx)) * np.maximum(age[idx] - 64, 1) * 365).astype(np.int64)
    frames.append(_rows(idx, day, _codes("pneumococcal_vaccination", len(idx), rng)))
    frames += _mmr(people, window, registered, rng)
    frames += _diabetes_review(people, registered, horizon, rng)
    return frames


def _flu(people, window, registered, rng) -> list[dict]:
    """Each autumn, 65+ (about 70%) and people with a long-term condition (about 45%)."""
    n, horizon, age, imd = len(people["age"]), 365 * window.years, people["age"], people["imd_decile"]
    eligible = registered & ((age >= 65) | (people["ltc_count"] > 0))
    frames = []
    first_year = int(str(window.start)[:4])
    for year in range(first_year, first_year + window.years + 1):
        offset = int((np.datetime64(f"{year}-10-01") - window.start).astype(np.int64))
        if offset < 0 or offset >= horizon:
            continue
        chance = uptake(1.0, imd) * np.where(age >= 65, 0.7, 0.45)
        vaccinated = eligible & (rng.random(n) < chance)
        idx = np.flatnonzero(vaccinated)
        frames.append(_rows(idx, offset + rng.integers(0, 75, len(idx)), _codes("flu_vaccination", len(idx), rng)))
        declined = np.flatnonzero(eligible & ~vaccinated & (rng.random(n) < 0.08))
        frames.append(
            _rows(declined, offset + rng.integers(0, 60, len(declined)), _codes("flu_declined", len(declined), rng))
        )
    return frames


def _mmr(people, window, registered, rng) -> list[dict]:
    """Two doses, at 1 year and 3 years 4 months (the routine schedule before 2026); about 88%
    and 80% in London, the second only after the first."""
    n, age, dob, imd = len(people["age"]), people["age"], people["date_of_birth"], people["imd_decile"]
    frames, had_first = [], np.zeros(n, bool)
    for months, base in ((12, 0.88), (40, 0.9)):
        due = registered & (age >= months / 12) & (age < 19) & ((months == 12) | had_first)
        idx = np.flatnonzero(due & (rng.random(n) < uptake(base, imd)))
        had_first[idx] = True
        day = (
            (
                dob[idx]
                + np.timedelta64(int(months * 30.4), "D")
                + rng.integers(0, 60, len(idx)).astype("timedelta64[D]")
            )
            - window.start
        ).astype(np.int64)
        frames.append(_rows(idx, day, _codes("mmr_vaccination", len(idx), rng)))
    return frames


def _diabetes_review(people, registered, horizon, rng) -> list[dict]:
    """An annual review in the last year for most people with diabetes, each care process then
    done with its own probability (National Diabetes Audit: all 8 for roughly half)."""
    with_diabetes = np.flatnonzero(registered & people["diabetes"])
    reviewed = with_diabetes[rng.random(len(with_diabetes)) < uptake(0.85, people["imd_decile"][with_diabetes])]
    day = rng.integers(horizon - 360, horizon, len(reviewed))
    frames = []
    # (process, chance at the review, typical value, spread, unit position in UNITS)
    for name, chance, centre, spread, unit in (
        ("hba1c", 0.95, 58, 12, 3),
        ("cholesterol", 0.88, 4.4, 0.9, 4),
        ("creatinine", 0.93, 85, 20, 5),
        ("urine_acr", 0.7, 2.5, 2.0, 6),
        ("foot_examination", 0.8, None, None, 0),
        ("systolic", 0.95, 135, 14, 2),
        ("bmi", 0.9, 30, 5, 1),
    ):
        done = rng.random(len(reviewed)) < chance
        idx = reviewed[done]
        value = None if centre is None else np.round(np.abs(rng.normal(centre, spread, len(idx))), 1)
        frames.append(_rows(idx, day[done], _codes(name, len(idx), rng), value, unit))
        if name == "systolic":
            diastolic = np.round(value * 0.6 + rng.normal(2, 6, len(idx)))
            frames.append(_rows(idx, day[done], _codes("diastolic", len(idx), rng), diastolic, unit))
    # Smoking status asked at the review, in the same proportions as the whole record above.
    asked = rng.random(len(reviewed)) < 0.9
    status = np.searchsorted([0.13, 0.35], rng.random(int(asked.sum())), side="right")
    smoking = np.array([vocabulary()[1][name][0] for name in ("smoker", "ex_smoker", "never_smoked")])
    frames.append(_rows(reviewed[asked], day[asked], smoking[status]))
    return frames
