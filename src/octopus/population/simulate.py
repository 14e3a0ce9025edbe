"""A simulated population whose emergency admissions depend on its features plus noise.

Used by model tests and the pipeline benchmark: a few thousand residents with long-term
conditions, frailty deficits and three years of hospital and A&E activity, where each person's
yearly admission rate follows a latent risk made of age, conditions and frailty and a persistent
personal effect. Nothing here is real data; names and NHS numbers are left empty.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from octopus.population.testing import write_linked

# A few codes from the shipped lists: DM_COD, AST_COD, HF_COD, COPD_COD, CHD_COD and eFI deficits.
LTC_CODES = ("111552007", "195967001", "10633002", "13645005", "194828000")
EFI_CODES = ("160983005", "109996008", "161567008", "111541001", "161939006", "161898004")
LSOAS = ("E01000001", "E01000002", "E01000005", "E01032739", "E01032740")


def simulate_linked(directory: Path | str, *, people: int = 3000, as_of: dt.date, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    ages = rng.integers(0, 95, people)
    n_ltc = rng.poisson(np.clip((ages - 20) / 25, 0.05, None))
    n_frail = rng.poisson(np.clip((ages - 55) / 8, 0.0, None))
    personal = rng.normal(0, 0.8, people)
    log_rate = -3.6 + 0.025 * np.clip(ages - 40, 0, None) + 0.35 * n_ltc + 0.15 * n_frail + personal
    rate = np.exp(log_rate)
    persons, events, spells, ae = [], [], [], []
    for i in range(people):
        pid = f"sim{i:05d}"
        dob = as_of - dt.timedelta(days=int(ages[i] * 365.25 + rng.integers(0, 365)))
        persons.append({
            "person_id": pid, "date_of_birth": dob, "sex": ("female", "male")[i % 2],
            "lsoa_code": LSOAS[i % len(LSOAS)], "registered": True, "practice_ods_code": "A12345",
        })
        for code in rng.choice(LTC_CODES, min(n_ltc[i], len(LTC_CODES)), replace=False):
            events.append({"person_id": pid, "event_date": dt.date(2015, 1, 1), "snomed_code": str(code)})
        for code in rng.choice(EFI_CODES, min(n_frail[i], len(EFI_CODES)), replace=False):
            events.append({"person_id": pid, "event_date": dt.date(2016, 1, 1), "snomed_code": str(code)})
        for year in range(3):  # three years of activity ending on the as-of date
            start = as_of - dt.timedelta(days=365 * (3 - year))
            for _ in range(rng.poisson(rate[i])):
                day = start + dt.timedelta(days=int(rng.integers(1, 366)))
                spells.append({
                    "person_id": pid, "admission_date": day,
                    "discharge_date": min(day + dt.timedelta(days=int(rng.integers(0, 10))), as_of),
                    "admission_method": "emergency", "tariff_cost_gbp": "2500.00",
                })
            for _ in range(rng.poisson(rate[i] * 1.5)):
                day = start + dt.timedelta(days=int(rng.integers(1, 366)))
                ae.append({"person_id": pid, "arrival_datetime": dt.datetime.combine(day, dt.time(12))})
    tables = {"persons": persons, "gp_events": events, "apc_spells": spells, "ae_attendances": ae}
    return write_linked(directory, tables)
