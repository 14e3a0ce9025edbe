"""Synthetic virtual ward: stays and the readings their devices sent, as a partner system would.

Residents on the ward are drawn from the generated population (``truth/persons.parquet``): alive,
living in the area, 65 or older, with heart failure or COPD, the people Westminster's plan puts on
it. Each stay has a reason, a schedule (two to four readings a day) and, for some residents with
COPD, SpO2 scale 2. Readings follow one of three trajectories around the resident's own
baseline: stable, recovering from the exacerbation that brought them in, or deteriorating over
the last half of the stay so far (a rising respiration rate and pulse, falling SpO2 and blood
pressure, a fever, sometimes new confusion), with a little noise on every reading.

Written as a partner system sends them: ``virtual_ward/stays.csv`` (who, since when, why, the
schedule) and ``virtual_ward/observations.ndjson``, FHIR R4 vital-signs Observations coded as the
Octopus export and import read them (LOINC, UCUM). The demo admits the stays through the ward's
services and imports the file through ``virtualward.fhir_import``, the FHIR API's path. The same
seed and ``until`` give the same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

NHS = "https://fhir.nhs.uk/Id/nhs-number"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}
]
TRAJECTORIES = ("stable", "recovering", "deteriorating")
TRAJECTORY_WEIGHTS = (0.55, 0.25, 0.20)
STAY_COLUMNS = ("nhs_number", "admitted_at", "reason", "expected_discharge_on", "observations_per_day", "spo2_scale")
EXPECTED_STAY_DAYS = 14  # the synthetic stays' expected length; on a real ward the admitting clinician sets it
# Plausibility limits of octopus.virtualward.news2.PLAUSIBLE, kept well inside so no reading is refused.
CLIP = {"rr": (8, 40), "spo2": (80, 100), "sbp": (70, 220), "pulse": (35, 160), "temp": (34.5, 41.0)}


def ward_size(population: int) -> int:
    """About one resident in 1,500 (12 in the 20,000 demo), at least 6 and at most 40: a board a
    team reads in one screen."""
    return int(min(40, max(6, population // 1500)))


def _candidates(truth: Path) -> list[dict]:
    columns = ["nhs_number", "age", "heart_failure", "copd", "date_of_death", "out_of_area", "efi"]
    table = pq.read_table(truth / "persons.parquet", columns=columns).to_pylist()
    chosen = [
        p
        for p in table
        if p["date_of_death"] is None
        and not p["out_of_area"]
        and p["age"] >= 65
        and (p["heart_failure"] or p["copd"])
        and p["nhs_number"]
    ]
    chosen.sort(key=lambda p: p["nhs_number"])  # a stable order for the draw, whatever the chunking
    return chosen


def _baseline(rng, scale2: bool) -> dict:
    return {
        "rr": rng.normal(16, 1.5),
        "spo2": rng.uniform(88, 92) if scale2 else rng.uniform(95, 98),
        "sbp": rng.normal(132, 12),
        "pulse": rng.normal(76, 8),
        "temp": rng.normal(36.8, 0.2),
    }


# How far from baseline each parameter goes at the worst point of a trajectory.
DETERIORATION = {"rr": 9, "spo2": -6, "sbp": -32, "pulse": 36, "temp": 1.7}
EXACERBATION = {"rr": 5, "spo2": -3, "sbp": -8, "pulse": 18, "temp": 0.7}


def _reading(rng, base: dict, trajectory: str, position: float) -> dict:
    """Values at ``position`` (0 at admission, 1 now) of the stay."""
    if trajectory == "deteriorating":
        weight = max(0.0, (position - 0.5) / 0.5)
        shift = {k: v * weight for k, v in DETERIORATION.items()}
    elif trajectory == "recovering":
        shift = {k: v * (1 - position) for k, v in EXACERBATION.items()}
    else:
        shift = {k: 0.0 for k in DETERIORATION}
    noise = {"rr": 1.0, "spo2": 0.8, "sbp": 6, "pulse": 4, "temp": 0.15}
    values = {k: float(np.clip(base[k] + shift[k] + rng.normal(0, noise[k]), *CLIP[k])) for k in base}
    return {
        "rr": round(values["rr"]),
        "spo2": round(values["spo2"]),
        "sbp": round(values["sbp"]),
        "pulse": round(values["pulse"]),
        "temp": round(values["temp"], 1),
    }


def _resources(
    stay: int, number: int, nhs_number: str, when: dt.datetime, values: dict, consciousness: str, on_oxygen: bool
) -> list[dict]:
    base = {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": when.isoformat(timespec="seconds"),
        "subject": {"identifier": {"system": NHS, "value": nhs_number}},
    }
    ident = f"syn-vw{stay}-{number}"

    def measured(suffix, code, display, value, unit):
        return {
            **base,
            "id": f"{ident}-{suffix}",
            "category": VITAL_SIGNS,
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "valueQuantity": {"value": value, "system": UCUM, "code": unit},
        }

    return [
        measured("rr", "9279-1", "Respiratory rate", values["rr"], "/min"),
        measured("spo2", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", values["spo2"], "%"),
        {
            **base,
            "id": f"{ident}-bp",
            "category": VITAL_SIGNS,
            "code": {"coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure panel"}]},
            "component": [
                {
                    "code": {"coding": [{"system": LOINC, "code": "8480-6", "display": "Systolic blood pressure"}]},
                    "valueQuantity": {"value": values["sbp"], "system": UCUM, "code": "mm[Hg]"},
                }
            ],
        },
        measured("hr", "8867-4", "Heart rate", values["pulse"], "/min"),
        measured("temp", "8310-5", "Body temperature", values["temp"], "Cel"),
        # ACVPU and air or oxygen as the Octopus export codes them (no LOINC vital-signs code).
        {
            **base,
            "id": f"{ident}-acvpu",
            "code": {"text": "Level of consciousness (ACVPU)"},
            "valueString": {"A": "Alert", "C": "New confusion"}[consciousness],
        },
        {
            **base,
            "id": f"{ident}-o2",
            "code": {"text": "Air or supplemental oxygen"},
            "valueString": "Supplemental oxygen" if on_oxygen else "Air",
        },
    ]


def write(folder: Path, *, until: dt.datetime, population: int, seed: int) -> dict:
    """Write ``virtual_ward/`` under ``folder`` (which holds ``truth/``); readings end at ``until``
    (timezone-aware). Returns counts."""
    if until.tzinfo is None:
        raise ValueError("until must carry a time zone.")
    rng = np.random.default_rng([seed, 19])
    candidates = _candidates(folder / "truth")
    size = min(ward_size(population), len(candidates))
    chosen = [candidates[i] for i in sorted(rng.choice(len(candidates), size=size, replace=False))] if size else []
    out = folder / "virtual_ward"
    out.mkdir(parents=True, exist_ok=True)
    stays, sets = [], 0
    with (out / "observations.ndjson").open("w", encoding="utf-8") as ndjson:
        for stay, person in enumerate(chosen, start=1):
            scale2 = bool(person["copd"]) and rng.random() < 0.3
            per_day = int(rng.choice([2, 3, 3, 4]))
            admitted = (until - dt.timedelta(days=float(rng.uniform(1.5, 6.5)))).replace(microsecond=0)
            trajectory = str(rng.choice(TRAJECTORIES, p=TRAJECTORY_WEIGHTS))
            reason = (
                "Heart failure exacerbation"
                if person["heart_failure"] and (not person["copd"] or rng.random() < 0.5)
                else "COPD exacerbation"
            )
            stays.append(
                {
                    "nhs_number": person["nhs_number"],
                    "admitted_at": admitted.isoformat(),
                    "reason": reason,
                    "expected_discharge_on": (admitted + dt.timedelta(days=EXPECTED_STAY_DAYS)).date().isoformat(),
                    "observations_per_day": per_day,
                    "spo2_scale": 2 if scale2 else 1,
                }
            )
            base = _baseline(rng, scale2)
            on_oxygen = scale2 and rng.random() < 0.5
            every = dt.timedelta(hours=24 / per_day)
            span = (until - admitted).total_seconds()
            when, number = admitted + every / 4, 0
            while when <= until:
                number += 1
                position = (when - admitted).total_seconds() / span
                values = _reading(rng, base, trajectory, position)
                confused = trajectory == "deteriorating" and position > 0.9 and rng.random() < 0.3
                for resource in _resources(
                    stay, number, person["nhs_number"], when, values, "C" if confused else "A", on_oxygen
                ):
                    ndjson.write(json.dumps(resource) + "\n")
                sets += 1
                jitter = dt.timedelta(minutes=float(rng.uniform(-20, 20)))
                when = max(when + every + jitter, when + dt.timedelta(minutes=30))
    with (out / "stays.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=STAY_COLUMNS)
        writer.writeheader()
        writer.writerows(stays)
    return {"stays": len(stays), "sets": sets, "folder": str(out)}
