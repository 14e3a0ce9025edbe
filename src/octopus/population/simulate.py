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
        persons.append(
            {
                "person_id": pid,
                "date_of_birth": dob,
                "sex": ("female", "male")[i % 2],
                "lsoa_code": LSOAS[i % len(LSOAS)],
                "registered": True,
                "practice_ods_code": "A12345",
            }
        )
        for code in rng.choice(LTC_CODES, min(n_ltc[i], len(LTC_CODES)), replace=False):
            events.append({"person_id": pid, "event_date": dt.date(2015, 1, 1), "snomed_code": str(code)})
        for code in rng.choice(EFI_CODES, min(n_frail[i], len(EFI_CODES)), replace=False):
            events.append({"person_id": pid, "event_date": dt.date(2016, 1, 1), "snomed_code": str(code)})
        for year in range(3):  # three years of activity ending on the as-of date
            start = as_of - dt.timedelta(days=365 * (3 - year))
            for _ in range(rng.poisson(rate[i])):
                day = start + dt.timedelta(days=int(rng.integers(1, 366)))
                spells.append(
                    {
                        "person_id": pid,
                        "admission_date": day,
                        "discharge_date": min(day + dt.timedelta(days=int(rng.integers(0, 10))), as_of),
                        "admission_method": "emergency",
                        "tariff_cost_gbp": "2500.00",
                    }
                )
            for _ in range(rng.poisson(rate[i] * 1.5)):
                day = start + dt.timedelta(days=int(rng.integers(1, 366)))
                ae.append({"person_id": pid, "arrival_datetime": dt.datetime.combine(day, dt.time(12))})
    tables = {"persons": persons, "gp_events": events, "apc_spells": spells, "ae_attendances": ae}
    return write_linked(directory, tables)


# Rows per person per feed in the scaled extract: about 25 in all, roughly a London ICB's mix
# over the three years the pipeline reads (GP records dominate; hospital rows follow the risk).
SCALED_FEEDS = {
    "gp_events": 9.0,
    "gp_appointments": 7.0,
    "op_attendances": 3.0,
    "community_contacts": 2.0,
    "mh_contacts": 1.0,
    "las_incidents": 0.5,
    "asc_packages": 0.05,
}
OTHER_SNOMED = ("22298006", "38341003", "195662009", "271737000", "162864005")
ICD10 = ("I10", "J44.1", "E11.9", "N18.3", "F03", "R29.6", "W19", "I50.0", "J18.9", "K59.0")


def simulate_linked_at_scale(
    directory: Path | str, *, people: int, as_of: dt.date, seed: int = 7, chunk: int = 250_000
) -> Path:
    """A linked extract of ``people`` residents with ~25 rows each, written column-wise in chunks.

    The same latent-risk model as ``simulate_linked`` drives emergency admissions and A&E; the
    other feeds add realistic volume (GP events are a mix of condition, frailty and other codes).
    Memory stays bounded by ``chunk`` residents, so London-sized extracts can be written.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from octopus.population.linked import PERSONS_SCHEMA, feed_schema

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    as_of64 = np.datetime64(as_of, "D")
    writers: dict[str, pq.ParquetWriter] = {}

    def write(name: str, columns: dict, rows: int):
        schema = PERSONS_SCHEMA if name == "persons" else feed_schema(name)
        arrays = []
        for field in schema:
            value = columns.get(field.name)
            if value is None and not field.nullable:
                constant = "TEST01" if field.name == "sender_code" else _SCALED_DEFAULTS.get(field.name, "x")
                value = pa.array([constant]).take(np.zeros(rows, dtype=np.int64))
            if isinstance(value, pa.Array):
                arrays.append(value)
            elif value is None:
                arrays.append(pa.nulls(rows, field.type))
            elif pa.types.is_decimal(field.type):
                arrays.append(pc.cast(pa.array(np.asarray(value, dtype="float64")), field.type))
            else:
                arrays.append(pa.array(value, type=field.type))
        table = pa.Table.from_arrays(arrays, schema=pa.schema([pa.field(f.name, f.type) for f in schema]))
        if name not in writers:
            writers[name] = pq.ParquetWriter(directory / f"{name}.parquet", table.schema)
        writers[name].write_table(table)

    def days_back(n: int, span: int = 3 * 365) -> np.ndarray:
        return as_of64 - rng.integers(0, span, n).astype("timedelta64[D]")

    for first in range(0, people, chunk):
        n = min(chunk, people - first)
        ids = pa.array([f"p{i:08d}" for i in range(first, first + n)])
        ages = rng.integers(0, 95, n)
        n_ltc = np.minimum(rng.poisson(np.clip((ages - 20) / 25, 0.05, None)), len(LTC_CODES))
        n_frail = np.minimum(rng.poisson(np.clip((ages - 55) / 8, 0.0, None)), len(EFI_CODES))
        rate = np.exp(
            -3.6 + 0.025 * np.clip(ages - 40, 0, None) + 0.35 * n_ltc + 0.15 * n_frail + rng.normal(0, 0.8, n)
        )
        write(
            "persons",
            {
                "person_id": ids,
                "date_of_birth": as_of64 - (ages * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]"),
                "sex": np.where(np.arange(n) % 2, "male", "female"),
                "lsoa_code": np.array(LSOAS)[np.arange(n) % len(LSOAS)],
                "registered": np.ones(n, bool),
                "practice_ods_code": np.full(n, "A12345"),
            },
            n,
        )
        # GP events: each person's condition and frailty codes, then other codes up to ~9 a person.
        who = np.concatenate([np.repeat(np.arange(n), n_ltc), np.repeat(np.arange(n), n_frail)])
        codes = np.concatenate(
            [
                np.array(LTC_CODES)[rng.integers(0, len(LTC_CODES), n_ltc.sum())],
                np.array(EFI_CODES)[rng.integers(0, len(EFI_CODES), n_frail.sum())],
            ]
        )
        other = rng.poisson(max(SCALED_FEEDS["gp_events"] - 2.5, 0.5), n)
        who = np.concatenate([who, np.repeat(np.arange(n), other)])
        codes = np.concatenate([codes, np.array(OTHER_SNOMED)[rng.integers(0, len(OTHER_SNOMED), other.sum())]])
        write(
            "gp_events",
            {
                "person_id": ids.take(who),
                "source_person_id": ids.take(who),
                "source_record_id": ids.take(who),
                "event_date": days_back(len(who), 10 * 365),
                "snomed_code": codes,
            },
            len(who),
        )
        # Emergency admissions and A&E at the latent rate over three years; a few electives.
        spells = rng.poisson(rate * 3)
        electives = rng.poisson(0.05 * 3, n)
        who = np.concatenate([np.repeat(np.arange(n), spells), np.repeat(np.arange(n), electives)])
        start = days_back(len(who))
        stay = rng.integers(0, 10, len(who)).astype("timedelta64[D]")
        write(
            "apc_spells",
            {
                "person_id": ids.take(who),
                "source_person_id": ids.take(who),
                "source_record_id": ids.take(who),
                "admission_date": start,
                "discharge_date": np.minimum(start + stay, as_of64),
                "admission_method": np.where(np.arange(len(who)) < spells.sum(), "emergency", "elective"),
                "primary_diagnosis": np.array(ICD10)[rng.integers(0, len(ICD10), len(who))],
                "secondary_diagnoses": np.char.add(
                    np.char.add(np.array(ICD10)[rng.integers(0, len(ICD10), len(who))], "|"),
                    np.array(ICD10)[rng.integers(0, len(ICD10), len(who))],
                ),
                "tariff_cost_gbp": np.full(len(who), 2500),
            },
            len(who),
        )
        attendances = rng.poisson(rate * 1.5 * 3)
        who = np.repeat(np.arange(n), attendances)
        write(
            "ae_attendances",
            {
                "person_id": ids.take(who),
                "source_person_id": ids.take(who),
                "source_record_id": ids.take(who),
                "arrival_datetime": days_back(len(who)).astype("datetime64[us]") + np.timedelta64(12, "h"),
                "cost_gbp": np.full(len(who), 180),
            },
            len(who),
        )
        for feed, per_person in SCALED_FEEDS.items():
            if feed == "gp_events":
                continue
            who = np.repeat(np.arange(n), rng.poisson(per_person, n))
            dates = days_back(len(who))
            columns = {
                "person_id": ids.take(who),
                "source_person_id": ids.take(who),
                "source_record_id": ids.take(who),
                "cost_gbp": rng.integers(20, 400, len(who)),
            }
            date_column = {
                "gp_appointments": "appointment_date",
                "op_attendances": "appointment_date",
                "community_contacts": "contact_date",
                "mh_contacts": "contact_date",
                "las_incidents": "incident_datetime",
                "asc_packages": "start_date",
            }[feed]
            columns[date_column] = dates.astype("datetime64[us]") if feed == "las_incidents" else dates
            if feed == "mh_contacts":
                columns["crisis"] = rng.random(len(who)) < 0.05
            if feed == "asc_packages":
                columns["weekly_cost_gbp"] = rng.integers(100, 1500, len(who))
            write(feed, columns, len(who))
    for writer in writers.values():
        writer.close()
    return directory


_SCALED_DEFAULTS = {
    "provider_ods_code": "RX1",
    "practice_ods_code": "A12345",
    "arrival_mode": "other",
    "department_type": "type_1",
    "disposal": "discharged",
    "treatment_function_code": "300",
    "attendance": "attended",
    "first_or_follow_up": "follow_up",
    "mode": "face_to_face",
    "staff_role": "gp",
    "status": "attended",
    "team_type": "community_mental_health",
    "outcome": "conveyed",
    "service": "district_nursing",
    "package_type": "home_care",
}
