"""Rows of each partner feed, column for column as its contract says.

Each builder returns a DataFrame with the contract's columns plus `true_person_id` (for the
truth file only; the writer drops it). Senders: GP data per PCN (an ICB data service extracts
for each practice group), acute, community and mental health data per trust, ambulance data
from LAS, social care and care homes per council, VCSE per organisation, deaths nationally.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from octopus.synthetic import presets
from octopus.synthetic.activity import Window
from octopus.synthetic.conditions import CONDITIONS
from octopus.synthetic.gp_record import icd10_codes

_MASK40 = (1 << 40) - 1

# Generic emergency diagnoses (ICD-10, undotted) for admissions not explained by a listed
# condition: chest pain, abdominal pain, pneumonia, UTI, cellulitis, syncope, fall, head injury.
GENERIC_EMERGENCY = np.array(["R074", "R104", "J189", "N390", "L039", "R55X", "W19X", "S099", "K359", "A099", "R509", "S7200"], dtype=object)
GENERIC_ELECTIVE = np.array(["H251", "K802", "M170", "M161", "K409", "N400", "Z511", "K573", "D126", "C509"], dtype=object)
TREATMENT_FUNCTIONS = np.array(["100", "101", "110", "120", "130", "300", "301", "320", "330", "340", "370", "400", "430", "502", "800"], dtype=object)
VCSE_ORGS = ("Community Link", "Age UK", "Citizens Advice", "Food Bank", "Carers Hub", "Mind")
NEED_DOMAINS = np.array(["housing", "debt", "benefits", "food", "fuel", "isolation", "employment", "mental_wellbeing", "physical_activity", "carer_support", "immigration", "domestic_abuse", "digital_inclusion", "other"], dtype=object)


def salt(sender: str) -> int:
    return zlib.crc32(sender.encode())


def person_ids(pids: np.ndarray, senders: np.ndarray) -> np.ndarray:
    """The sender's own person id: a bijection of the true id, different for every sender."""
    salts = np.array([salt(s) for s in senders], dtype=np.uint64) if senders.dtype == object else senders
    mixed = ((pids.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B1) + salts) & np.uint64(_MASK40)
    return np.char.add("P", mixed.astype(str)).astype(object)


def sender_salts(senders: np.ndarray) -> np.ndarray:
    unique, inverse = np.unique(senders.astype(str), return_inverse=True)
    return np.array([salt(s) for s in unique], dtype=np.uint64)[inverse]


def local_ids(pids, senders):
    return person_ids(pids, sender_salts(senders))


def record_ids(prefix: str, chunk: int, n: int) -> np.ndarray:
    return np.char.add(prefix, (np.int64(chunk) * 10**8 + np.arange(n)).astype(str)).astype(object)


def dates(window: Window, day: np.ndarray) -> np.ndarray:
    return window.start + day.astype("timedelta64[D]")


def datetimes(window: Window, day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return (dates(window, day).astype("datetime64[s]") + seconds.astype("timedelta64[s]")).astype("datetime64[us]")


def _person(people, events, column):
    return people[column].to_numpy()[events["person"].to_numpy()]


def acute_sender(people, events, rng):
    """The acute trust of the person's borough, or now and then another London trust."""
    home = np.array([presets.providers(b)[0] for b in people["borough"].to_numpy()], dtype=object)
    trusts = np.array(sorted({p[0] for p in presets.PROVIDERS.values()}), dtype=object)
    sender = home[events["person"].to_numpy()]
    away = rng.random(len(sender)) < 0.1
    sender[away] = trusts[rng.integers(0, len(trusts), int(away.sum()))]
    return sender


def diagnosis_pool(people, person, generic, rng):
    """A primary diagnosis from a condition the person has (shipped ICD-10 lists), else generic."""
    out = generic[rng.integers(0, len(generic), len(person))]
    u = rng.random(len(person))
    for condition in CONDITIONS:
        if condition.icd10_list is None:
            continue
        has = people[condition.name].to_numpy()[person] & (u < 0.5 * condition.admission_rr / 2)
        codes = icd10_codes(condition.icd10_list)
        out[has] = codes[rng.integers(0, len(codes), int(has.sum()))]
    return out


def secondary(people, person) -> np.ndarray:
    parts = [np.full(len(person), "", dtype=object)]
    for condition in CONDITIONS:
        if condition.icd10_list is None:
            continue
        code = icd10_codes(condition.icd10_list)[0]
        parts.append(np.where(people[condition.name].to_numpy()[person], code + "|", ""))
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + part
    joined = np.array([s[:-1] if s else None for s in joined], dtype=object)
    return joined


def apc_spells(people, events, window, chunk, rng):
    spells = events["apc_spells"]
    person = spells["person"].to_numpy()
    horizon = 365 * window.years
    discharge_day = spells["day"].to_numpy() + spells["los"].to_numpy()
    in_hospital = discharge_day >= horizon
    emergency = spells["method"].to_numpy() == "emergency"
    los = spells["los"].to_numpy()
    # HRG-like tariff: a base per spell plus excess bed days; zero-night stays are cheaper.
    cost = np.where(emergency, 1600 + 380 * np.maximum(los - 2, 0), 1100 + 450 * np.maximum(los - 1, 0)) * rng.lognormal(0, 0.25, len(person))
    cost = np.where(los == 0, cost * 0.45, cost)
    destination = rng.choice(np.array(["usual_residence", "care_home", "temporary_residence", "other_hospital", "hospice", "other", "not_known"], dtype=object), len(person), p=[0.88, 0.03, 0.01, 0.03, 0.01, 0.02, 0.02])
    destination[_person(people, spells, "living_situation") == "care_home"] = "care_home"
    destination[spells["died"].to_numpy()] = "died"
    sender = acute_sender(people, spells, rng)
    return pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("S", chunk, len(person)),
            "source_person_id": local_ids(_person(people, spells, "true_person_id"), sender),
            "nhs_number": _person(people, spells, "nhs_number"),
            "provider_ods_code": sender,
            "admission_date": dates(window, spells["day"].to_numpy()),
            "discharge_date": np.where(in_hospital, np.datetime64("NaT"), dates(window, np.minimum(discharge_day, horizon - 1))),
            "admission_method": np.where(emergency, "emergency", "elective").astype(object),
            "primary_diagnosis": np.where(emergency, diagnosis_pool(people, person, GENERIC_EMERGENCY, rng), GENERIC_ELECTIVE[rng.integers(0, len(GENERIC_ELECTIVE), len(person))]),
            "secondary_diagnoses": secondary(people, person),
            "discharge_destination": np.where(in_hospital, None, destination),
            "tariff_cost_gbp": np.where(in_hospital, np.nan, np.round(cost, 2)),
            "true_person_id": _person(people, spells, "true_person_id"),
        }
    )


def ae_attendances(people, events, window, chunk, rng):
    ae = events["ae_attendances"]
    n = len(ae)
    arrival = datetimes(window, ae["day"].to_numpy(), ae["arrival_seconds"].to_numpy())
    departure = arrival + (ae["minutes"].to_numpy() * 60_000_000).astype("timedelta64[us]")
    admitted = ae["admitted"].to_numpy()
    disposal = rng.choice(np.array(["discharged", "referred", "transferred", "left"], dtype=object), n, p=[0.82, 0.12, 0.02, 0.04])
    disposal[admitted] = "admitted"
    department = np.where(admitted | (rng.random(n) < 0.7), "type_1", np.where(rng.random(n) < 0.5, "type_3", "type_2")).astype(object)
    sender = acute_sender(people, ae, rng)
    cost = np.where(department == "type_1", np.where(admitted, 420, 260), 90) * rng.lognormal(0, 0.2, n)
    return pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("A", chunk, n),
            "source_person_id": local_ids(_person(people, ae, "true_person_id"), sender),
            "nhs_number": _person(people, ae, "nhs_number"),
            "provider_ods_code": sender,
            "arrival_datetime": arrival,
            "departure_datetime": np.where(rng.random(n) < 0.97, departure, np.datetime64("NaT")),
            "arrival_mode": np.where(ae["ambulance"].to_numpy(), "ambulance", "other").astype(object),
            "department_type": department,
            "chief_complaint": None,
            "disposal": disposal,
            "cost_gbp": np.round(cost, 2),
            "true_person_id": _person(people, ae, "true_person_id"),
        }
    )


def op_attendances(people, events, window, chunk, rng):
    op = events["op_attendances"]
    n = len(op)
    sender = acute_sender(people, op, rng)
    first = rng.random(n) < 0.35
    attended = rng.random(n) < 0.92
    cost = np.where(first, 180, 110) * attended
    return pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("O", chunk, n),
            "source_person_id": local_ids(_person(people, op, "true_person_id"), sender),
            "nhs_number": _person(people, op, "nhs_number"),
            "provider_ods_code": sender,
            "appointment_date": dates(window, op["day"].to_numpy()),
            "treatment_function_code": TREATMENT_FUNCTIONS[rng.integers(0, len(TREATMENT_FUNCTIONS), n)],
            "attendance": np.where(attended, "attended", "did_not_attend").astype(object),
            "first_or_follow_up": np.where(first, "first", "follow_up").astype(object),
            "cost_gbp": cost.astype(np.float64),
            "true_person_id": _person(people, op, "true_person_id"),
        }
    )


def las_incidents(people, events, window, chunk, rng):
    las = events["las_incidents"]
    n = len(las)
    outcome = las["outcome"].to_numpy().astype(object)
    sender = np.full(n, presets.AMBULANCE_SERVICE, dtype=object)
    conveyed = outcome == "conveyed"
    destination = np.where(conveyed, acute_sender(people, las, rng), None)
    news2 = np.minimum(rng.poisson(np.where(conveyed, 3.0, 1.2)), 20)
    cost = np.select([outcome == "hear_and_treat", outcome == "see_and_treat"], [45.0, 300.0], 420.0)
    return pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("L", chunk, n),
            "source_person_id": local_ids(_person(people, las, "true_person_id"), sender),
            "nhs_number": _person(people, las, "nhs_number"),
            "given_name": _person(people, las, "given_name"),
            "family_name": _person(people, las, "family_name"),
            "date_of_birth": _person(people, las, "date_of_birth"),
            "sex": _person(people, las, "sex"),
            "postcode": _person(people, las, "postcode"),
            "incident_datetime": datetimes(window, las["day"].to_numpy(), las["seconds"].to_numpy()),
            "outcome": outcome,
            "news2_score": np.where(outcome == "hear_and_treat", -1, news2),
            "destination_ods_code": destination,
            "cost_gbp": cost,
            "true_person_id": _person(people, las, "true_person_id"),
        }
    )


def community_contacts(people, events, window, chunk, rng):
    c = events["community_contacts"]
    n = len(c)
    sender = np.array([presets.providers(b)[1] for b in _person(people, c, "borough")], dtype=object)
    service = rng.choice(np.array(["district_nursing", "community_matron", "therapies", "rapid_response", "falls", "palliative_care", "podiatry", "continence", "tissue_viability", "other"], dtype=object), n, p=[0.45, 0.08, 0.15, 0.04, 0.03, 0.04, 0.08, 0.04, 0.05, 0.04])
    mode = rng.choice(np.array(["home_visit", "face_to_face", "telephone", "video"], dtype=object), n, p=[0.6, 0.25, 0.13, 0.02])
    return pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("C", chunk, n),
            "source_person_id": local_ids(_person(people, c, "true_person_id"), sender),
            "nhs_number": _person(people, c, "nhs_number"),
            "contact_date": dates(window, c["day"].to_numpy()),
            "service": service,
            "mode": mode,
            "cost_gbp": np.where(mode == "home_visit", 85.0, 55.0),
            "true_person_id": _person(people, c, "true_person_id"),
        }
    )


def mh_contacts(people, events, window, chunk, rng):
    m = events["mh_contacts"]
    n = len(m)
    sender = np.array([presets.providers(b)[2] for b in _person(people, m, "borough")], dtype=object)
    crisis = m["crisis"].to_numpy()
    age = _person(people, m, "age")
    team = np.where(crisis, "crisis_home_treatment", np.where(_person(people, m, "smi"), np.where(age >= 65, "older_adults", np.where(age < 35, "early_intervention", "community_mental_health")), "talking_therapies")).astype(object)
    mode = rng.choice(np.array(["face_to_face", "home_visit", "telephone", "video"], dtype=object), n, p=[0.55, 0.15, 0.22, 0.08])
    return pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("M", chunk, n),
            "source_person_id": local_ids(_person(people, m, "true_person_id"), sender),
            "nhs_number": _person(people, m, "nhs_number"),
            "contact_date": dates(window, m["day"].to_numpy()),
            "team_type": team,
            "mode": mode,
            "crisis": crisis,
            "cost_gbp": np.where(crisis, 320.0, 150.0),
            "true_person_id": _person(people, m, "true_person_id"),
        }
    )


def mh_spells(people, events, window, chunk, rng):
    s = events["mh_spells"]
    n = len(s)
    sender = np.array([presets.providers(b)[2] for b in _person(people, s, "borough")], dtype=object)
    horizon = 365 * window.years
    discharge = s["day"].to_numpy() + s["los"].to_numpy()
    open_ = discharge >= horizon
    diagnoses = np.array(["F209", "F200", "F319", "F250", "F329", "F603", "F101"], dtype=object)
    return pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("H", chunk, n),
            "source_person_id": local_ids(_person(people, s, "true_person_id"), sender),
            "nhs_number": _person(people, s, "nhs_number"),
            "provider_ods_code": sender,
            "admission_date": dates(window, s["day"].to_numpy()),
            "discharge_date": np.where(open_, np.datetime64("NaT"), dates(window, np.minimum(discharge, horizon - 1))),
            "detained": rng.random(n) < 0.5,
            "primary_diagnosis": diagnoses[rng.integers(0, len(diagnoses), n)],
            "cost_gbp": np.where(open_, np.nan, 480.0 * s["los"].to_numpy()),
            "true_person_id": _person(people, s, "true_person_id"),
        }
    )
