"""Register-like feeds: GP registrations, appointments and coded events; social care clients and
packages; care home residents; VCSE contacts; deaths."""

from __future__ import annotations

import numpy as np
import pandas as pd

from octopus.synthetic import presets
from octopus.synthetic.activity import Window
from octopus.synthetic.feeds import NEED_DOMAINS, VCSE_ORGS, _person, dates, local_ids, record_ids


def gp_sender(people: pd.DataFrame, practices: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    index = people["practice_index"].to_numpy()
    safe = np.maximum(index, 0)
    return practices["pcn_code"].to_numpy(dtype=object)[safe], practices["practice_code"].to_numpy(dtype=object)[safe]


def gp_registrations(people, practices, window: Window, chunk, rng):
    registered = people[people["practice_index"].to_numpy() >= 0]
    n = len(registered)
    pcn, practice = gp_sender(registered, practices)
    dob = registered["date_of_birth"].to_numpy()
    years_registered = rng.exponential(9, n)
    start = np.maximum(window.as_of - (years_registered * 365.25).astype("timedelta64[D]"), dob)
    return pd.DataFrame(
        {
            "sender_code": pcn,
            "source_record_id": record_ids("R", chunk, n),
            "source_person_id": local_ids(registered["true_person_id"].to_numpy(), pcn),
            "nhs_number": registered["nhs_number"].to_numpy(),
            "given_name": registered["given_name"].to_numpy(),
            "family_name": registered["family_name"].to_numpy(),
            "date_of_birth": dob,
            "sex": registered["sex"].to_numpy(),
            "ethnicity_snomed_code": registered["ethnicity_snomed_code"].to_numpy(),
            "address_line": registered["address_line"].to_numpy(),
            "postcode": registered["postcode"].to_numpy(),
            "lsoa_code": np.where(registered["postcode"].isna().to_numpy(), None, registered["lsoa_code"].to_numpy()),
            "practice_ods_code": practice,
            "registration_start_date": start,
            "registration_end_date": registered["date_of_death"].to_numpy(),
            "main_language": registered["main_language"].to_numpy(),
            "interpreter_needed": registered["interpreter_needed"].to_numpy(),
            "phone": registered["phone"].to_numpy(),
            "email": registered["email"].to_numpy(),
            "true_person_id": registered["true_person_id"].to_numpy(),
        }
    )


def gp_appointments(people, practices, events, window, chunk, rng):
    a = events["gp_appointments"]
    n = len(a)
    pcn, practice = gp_sender(people.iloc[a["person"].to_numpy()], practices)
    future = a["future"].to_numpy()
    status = rng.choice(np.array(["attended", "did_not_attend", "cancelled"], dtype=object), n, p=[0.88, 0.05, 0.07])
    status[future] = "booked"
    role = rng.choice(np.array(["gp", "nurse", "healthcare_assistant", "pharmacist", "paramedic", "physiotherapist", "social_prescriber", "health_and_wellbeing_coach", "care_coordinator", "other"], dtype=object), n, p=[0.45, 0.2, 0.1, 0.07, 0.03, 0.03, 0.03, 0.02, 0.03, 0.04])
    mode = rng.choice(np.array(["face_to_face", "telephone", "video", "home_visit"], dtype=object), n, p=[0.66, 0.29, 0.02, 0.03])
    return pd.DataFrame(
        {
            "sender_code": pcn,
            "source_record_id": record_ids("G", chunk, n),
            "source_person_id": local_ids(_person(people, a, "true_person_id"), pcn),
            "nhs_number": _person(people, a, "nhs_number"),
            "practice_ods_code": practice,
            "appointment_date": dates(window, a["day"].to_numpy()),
            "mode": mode,
            "staff_role": role,
            "status": status,
            "true_person_id": _person(people, a, "true_person_id"),
        }
    )


def gp_events(people, practices, coded, window, chunk, rng):
    n = len(coded)
    pcn, _ = gp_sender(people.iloc[coded["person"].to_numpy()], practices)
    return pd.DataFrame(
        {
            "sender_code": pcn,
            "source_record_id": record_ids("E", chunk, n),
            "source_person_id": local_ids(_person(people, coded, "true_person_id"), pcn),
            "nhs_number": _person(people, coded, "nhs_number"),
            "event_date": dates(window, coded["day"].to_numpy()),
            "snomed_code": coded["snomed_code"].to_numpy(),
            "value": coded["value"].to_numpy(),
            "unit": coded["unit"].to_numpy(),
            "true_person_id": _person(people, coded, "true_person_id"),
        }
    )


def _linkage(people, idx):
    return {
        "nhs_number": people["nhs_number"].to_numpy()[idx],
        "given_name": people["given_name"].to_numpy()[idx],
        "family_name": people["family_name"].to_numpy()[idx],
        "date_of_birth": people["date_of_birth"].to_numpy()[idx],
        "sex": people["sex"].to_numpy()[idx],
        "postcode": people["postcode"].to_numpy()[idx],
    }


PACKAGE_COST = {"home_care": 380, "reablement": 420, "residential": 1150, "nursing": 1350, "direct_payment": 320, "supported_living": 1600, "day_care": 160, "equipment": 0, "respite": 900, "other": 200}


def social_care(people, care_homes, window: Window, chunk, rng):
    """Adult social care clients and their packages, and the care home residents register.

    About 2% of adults receive long-term support in London (NHS England ASC-FR 2023-24), most
    of them older, frail or with dementia; adults with a learning disability or SMI too.
    """
    n = len(people)
    age = people["age"].to_numpy()
    efi = people["efi"].to_numpy()
    in_home = people["living_situation"].to_numpy() == "care_home"
    score = -8.2 + 0.055 * age + 5.0 * efi + 1.5 * people["dementia"].to_numpy()
    p = 1 / (1 + np.exp(-score))
    p = np.where(people["learning_disability"].to_numpy(), 0.4, p) + np.where(people["smi"].to_numpy(), 0.06, 0)
    client = (age >= 18) & ((rng.random(n) < p) | in_home)
    idx = np.flatnonzero(client)
    sender = people["lad24_code"].to_numpy(dtype=object)[idx]
    reason = np.where(
        people["dementia"].to_numpy()[idx], "memory_and_cognition",
        np.where(people["learning_disability"].to_numpy()[idx], "learning_disability",
                 np.where(people["smi"].to_numpy()[idx], "mental_health",
                          np.where(rng.random(len(idx)) < 0.7, "physical_support_personal_care", "physical_support_access_mobility")))).astype(object)
    clients = pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("K", chunk, len(idx)),
            "source_person_id": local_ids(people["true_person_id"].to_numpy()[idx], sender),
            **_linkage(people, idx),
            "primary_support_reason": reason,
            "true_person_id": people["true_person_id"].to_numpy()[idx],
        }
    )
    # Packages: care home residents have a residential or nursing placement; others home care,
    # direct payments, day care, equipment, supported living (learning disability), reablement.
    home_type = np.where(people["care_home_index"].to_numpy()[idx] >= 0, care_homes["care_home_type"].to_numpy(dtype=object)[np.maximum(people["care_home_index"].to_numpy()[idx], 0)], None)
    kinds = rng.choice(np.array(["home_care", "direct_payment", "day_care", "equipment", "reablement", "respite"], dtype=object), len(idx), p=[0.55, 0.15, 0.08, 0.1, 0.1, 0.02])
    kinds = np.where(people["learning_disability"].to_numpy()[idx] & (rng.random(len(idx)) < 0.5), "supported_living", kinds)
    kinds = np.where(home_type != None, home_type, kinds)  # noqa: E711 - elementwise
    horizon = 365 * window.years
    start_day = rng.integers(-horizon, horizon, len(idx))
    move_in = dates(window, start_day)
    death = people["date_of_death"].to_numpy()[idx]
    end = np.where(kinds == "reablement", move_in + np.timedelta64(42, "D"), death)
    end = np.where((end >= window.as_of), np.datetime64("NaT"), end)
    cost = np.array([PACKAGE_COST[k] for k in kinds]) * rng.lognormal(0, 0.2, len(idx))
    packages = pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("W", chunk, len(idx)),
            "source_person_id": clients["source_person_id"].to_numpy(),
            "nhs_number": people["nhs_number"].to_numpy()[idx],
            "package_type": kinds.astype(object),
            "start_date": move_in,
            "end_date": end,
            "weekly_cost_gbp": np.round(cost, 2),
            "true_person_id": people["true_person_id"].to_numpy()[idx],
        }
    )
    home_rows = np.flatnonzero(in_home[idx])
    hidx = idx[home_rows]
    homes = care_homes.iloc[people["care_home_index"].to_numpy()[hidx]]
    residents = pd.DataFrame(
        {
            "sender_code": sender[home_rows],
            "source_record_id": record_ids("CH", chunk, len(hidx)),
            "source_person_id": clients["source_person_id"].to_numpy()[home_rows],
            **_linkage(people, hidx),
            "care_home_cqc_location_id": homes["care_home_cqc_location_id"].to_numpy(dtype=object),
            "care_home_name": homes["care_home_name"].to_numpy(dtype=object),
            "care_home_type": homes["care_home_type"].to_numpy(dtype=object),
            "move_in_date": move_in[home_rows],
            "move_out_date": end[home_rows],
            "true_person_id": people["true_person_id"].to_numpy()[hidx],
        }
    )
    return clients, packages, residents


def vcse_contacts(people, events, window, chunk, rng):
    v = events["vcse_contacts"]
    n = len(v)
    borough_code = _person(people, v, "lad24_code")
    org = rng.integers(0, len(VCSE_ORGS), n)
    sender = np.char.add(np.char.add("VCSE-", borough_code.astype(str)), np.char.add("-", org.astype(str))).astype(object)
    borough = _person(people, v, "borough")
    idx = v["person"].to_numpy()
    return pd.DataFrame(
        {
            "sender_code": sender,
            "source_record_id": record_ids("V", chunk, n),
            "source_person_id": local_ids(people["true_person_id"].to_numpy()[idx], sender),
            **_linkage(people, idx),
            "organisation_name": np.char.add(np.char.add(borough.astype(str), " "), np.array(VCSE_ORGS)[org]).astype(object),
            "contact_date": dates(window, v["day"].to_numpy()),
            "need_domain": NEED_DOMAINS[rng.integers(0, len(NEED_DOMAINS), n)],
            "true_person_id": people["true_person_id"].to_numpy()[idx],
        }
    )


def deaths(people, window, chunk, rng, in_hospital: np.ndarray):
    idx = np.flatnonzero(~np.isnat(people["date_of_death"].to_numpy()))
    died = people["date_of_death"].to_numpy()[idx]
    situation = people["living_situation"].to_numpy()[idx]
    place = np.where(in_hospital[idx], "hospital", np.where(situation == "care_home", "care_home", rng.choice(np.array(["home", "hospice", "elsewhere"], dtype=object), len(idx), p=[0.75, 0.18, 0.07]))).astype(object)
    causes = np.array(["I219", "I64X", "J440", "C349", "F03X", "J189", "I500", "C189", "G309", "I251"], dtype=object)
    registration = died + rng.integers(1, 10, len(idx)).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "sender_code": np.full(len(idx), presets.DEATHS_SENDER, dtype=object),
            "source_record_id": record_ids("D", chunk, len(idx)),
            **_linkage(people, idx),
            "date_of_death": died,
            "date_of_registration": np.where(registration >= window.as_of, np.datetime64("NaT"), registration),
            "place_of_death": place,
            "underlying_cause": causes[rng.integers(0, len(causes), len(idx))],
            "true_person_id": people["true_person_id"].to_numpy()[idx],
        }
    )
