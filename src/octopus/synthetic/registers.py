"""Register-like feeds: GP registrations, appointments and coded events; social care clients and
packages; care home residents; VCSE contacts; deaths."""

from __future__ import annotations

import numpy as np

from octopus.synthetic import presets, rows
from octopus.synthetic.activity import Window
from octopus.synthetic.feeds import (
    LANGUAGES,
    NEED_DOMAINS,
    VCSE_ORGS,
    Senders,
    categories,
    choice,
    dates,
    identify,
    linkage,
    of,
)
from octopus.synthetic.gp_record import UNITS
from octopus.synthetic.gp_record import vocabulary as snomed_vocabulary
from octopus.synthetic.households import CARE_HOME
from octopus.synthetic.rows import Coded, FeedRows


def gp_rows(people: dict, senders: Senders, person: np.ndarray) -> FeedRows:
    """GP data is sent per PCN (an ICB data service extracts for each practice group)."""
    practice = people["practice_index"][person]
    return FeedRows(senders.pcns, senders.pcn_of_practice[practice], person)


def gp_registrations(people, senders: Senders, ethnicity_codes, window: Window, chunk, rng) -> FeedRows:
    person = np.flatnonzero(people["practice_index"] >= 0)
    n = len(person)
    feed = gp_rows(people, senders, person)
    dob = people["date_of_birth"][person]
    years_registered = rng.exponential(9, n)
    # Counted back from the end of the registration (death, or the day before as-of), so a
    # registration never starts after it ends nor before birth.
    death = people["date_of_death"][person]
    end = np.where(np.isnat(death), window.as_of - np.timedelta64(1, "D"), death)
    start = np.maximum(end - (years_registered * 365.25).astype("timedelta64[D]"), dob)
    homeless = people["situation"][person] == 2
    feed.columns = {
        **identify(feed, people, "R", chunk),
        **linkage(people, person),
        "ethnicity_snomed_code": Coded(ethnicity_codes, people["ethnicity_code"][person]),
        "address_line": of(people, "address_line", person),
        "lsoa_code": Coded(senders.lsoa_codes, np.where(homeless, -1, people["lsoa_index"][person])),
        "practice_ods_code": Coded(senders.practice_codes, people["practice_index"][person]),
        "registration_start_date": start,
        "registration_end_date": death,
        "main_language": Coded(LANGUAGES, people["main_language"][person]),
        "interpreter_needed": people["interpreter_needed"][person],
        "phone": of(people, "phone", person),
        "email": of(people, "email", person),
    }
    return feed


STAFF_ROLES = (
    "gp",
    "nurse",
    "healthcare_assistant",
    "pharmacist",
    "paramedic",
    "physiotherapist",
    "social_prescriber",
    "health_and_wellbeing_coach",
    "care_coordinator",
    "other",
)


def gp_appointments(people, events, senders: Senders, window, chunk, rng) -> FeedRows:
    a = events["gp_appointments"]
    person = a["person"]
    n = len(person)
    feed = gp_rows(people, senders, person)
    status = choice(rng, (0.88, 0.05, 0.07), n)  # attended, did not attend, cancelled
    status[a["future"]] = 3
    role = choice(rng, (0.45, 0.2, 0.1, 0.07, 0.03, 0.03, 0.03, 0.02, 0.03, 0.04), n)
    mode = choice(rng, (0.66, 0.29, 0.02, 0.03), n)
    feed.columns = {
        **identify(feed, people, "G", chunk),
        "nhs_number": of(people, "nhs_number", person),
        "practice_ods_code": Coded(senders.practice_codes, people["practice_index"][person]),
        "appointment_date": dates(window, a["day"]),
        "mode": categories(("face_to_face", "telephone", "video", "home_visit"), mode),
        "staff_role": categories(STAFF_ROLES, role),
        "status": categories(("attended", "did_not_attend", "cancelled", "booked"), status),
    }
    return feed


def gp_events(people, coded_events, senders: Senders, window, chunk, rng) -> FeedRows:
    person = coded_events["person"]
    feed = gp_rows(people, senders, person)
    feed.columns = {
        **identify(feed, people, "E", chunk),
        "nhs_number": of(people, "nhs_number", person),
        "event_date": dates(window, coded_events["day"]),
        "snomed_code": Coded(snomed_vocabulary()[0], coded_events["code"]),
        "value": coded_events["value"],
        "unit": Coded(
            rows.vocabulary(u or "" for u in UNITS),
            np.where(coded_events["unit"] == 0, -1, coded_events["unit"]).astype(np.int64),
        ),
    }
    return feed


PACKAGE_TYPES = (
    "home_care",
    "direct_payment",
    "day_care",
    "equipment",
    "reablement",
    "respite",
    "supported_living",
    "residential",
    "nursing",
)
PACKAGE_COST = np.array([380, 320, 160, 0, 420, 900, 1600, 1150, 1350], dtype=np.float64)
SUPPORT_REASONS = (
    "memory_and_cognition",
    "learning_disability",
    "mental_health",
    "physical_support_personal_care",
    "physical_support_access_mobility",
)
CARE_HOME_TYPES = ("nursing", "residential")


def social_care(
    people, care_homes, senders: Senders, window: Window, chunk, rng
) -> tuple[FeedRows, FeedRows, FeedRows]:
    """Adult social care clients and their packages, and the care home residents register.

    About 2% of adults receive long-term support in London (NHS England ASC-FR 2023-24), most
    of them older, frail or with dementia; adults with a learning disability or SMI too.
    """
    age = people["age"]
    n = len(age)
    in_home = people["situation"] == CARE_HOME
    score = -8.2 + 0.055 * age + 5.0 * people["efi"] + 1.5 * people["dementia"]
    p = 1 / (1 + np.exp(-score))
    p = np.where(people["learning_disability"], 0.4, p) + np.where(people["smi"], 0.06, 0)
    client = (age >= 18) & ((rng.random(n) < p) | in_home)
    idx = np.flatnonzero(client)
    council = people["borough_index"][idx]
    reason = np.where(
        people["dementia"][idx],
        0,
        np.where(
            people["learning_disability"][idx],
            1,
            np.where(people["smi"][idx], 2, np.where(rng.random(len(idx)) < 0.7, 3, 4)),
        ),
    )
    clients = FeedRows(senders.councils, council, idx)
    clients.columns = {
        **identify(clients, people, "K", chunk),
        **linkage(people, idx),
        "primary_support_reason": categories(SUPPORT_REASONS, reason),
    }
    # Packages: care home residents have a residential or nursing placement; others home care,
    # direct payments, day care, equipment, supported living (learning disability), reablement.
    home = people["care_home_index"][idx]
    home_type = np.where(
        home >= 0, care_homes["care_home_type"].to_numpy(dtype=object)[np.maximum(home, 0)] == "nursing", False
    )
    kinds = choice(rng, (0.55, 0.15, 0.08, 0.1, 0.1, 0.02), len(idx))
    kinds = np.where(people["learning_disability"][idx] & (rng.random(len(idx)) < 0.5), 6, kinds)
    kinds = np.where(home >= 0, np.where(home_type, 8, 7), kinds)
    horizon = 365 * window.years
    death = people["date_of_death"][idx]
    # Support starts before death: the last possible start is the day of death (or of as-of - 1).
    last_start = np.where(
        np.isnat(death), horizon - 1, (death - window.start).astype("timedelta64[D]").astype(np.int64)
    )
    move_in = dates(window, rng.integers(-horizon, last_start + 1))
    end = np.where(
        kinds == 4,
        np.minimum(move_in + np.timedelta64(42, "D"), np.where(np.isnat(death), np.datetime64("9999-12-31"), death)),
        death,
    )
    end = np.where(end >= window.as_of, np.datetime64("NaT"), end)
    cost = PACKAGE_COST[kinds] * rng.lognormal(0, 0.2, len(idx))
    packages = FeedRows(senders.councils, council, idx)
    packages.columns = {
        **identify(packages, people, "W", chunk),
        "nhs_number": of(people, "nhs_number", idx),
        "package_type": categories(PACKAGE_TYPES, kinds),
        "start_date": move_in,
        "end_date": end,
        "weekly_cost_gbp": np.round(cost, 2),
    }
    home_rows = np.flatnonzero(in_home[idx])
    hidx = idx[home_rows]
    homes = people["care_home_index"][hidx]
    residents = FeedRows(senders.councils, council[home_rows], hidx)
    residents.columns = {
        **identify(residents, people, "CH", chunk),
        **linkage(people, hidx),
        "care_home_cqc_location_id": Coded(rows.vocabulary(care_homes["care_home_cqc_location_id"]), homes),
        "care_home_name": Coded(rows.vocabulary(care_homes["care_home_name"]), homes),
        "care_home_type": Coded(rows.vocabulary(CARE_HOME_TYPES), np.where(home_type[home_rows], 0, 1)),
        "move_in_date": move_in[home_rows],
        "move_out_date": end[home_rows],
    }
    return clients, packages, residents


def vcse_contacts(people, events, senders: Senders, window, chunk, rng) -> FeedRows:
    v = events["vcse_contacts"]
    person = v["person"]
    n = len(person)
    org = rng.integers(0, len(VCSE_ORGS), n)
    borough = people["borough_index"][person]
    feed = FeedRows(senders.vcse, borough * len(VCSE_ORGS) + org, person)
    organisation = rows.vocabulary(f"{b} {o}" for b in senders.area.boroughs for o in VCSE_ORGS)
    feed.columns = {
        **identify(feed, people, "V", chunk),
        **linkage(people, person),
        "organisation_name": Coded(organisation, feed.sender),
        "contact_date": dates(window, v["day"]),
        "need_domain": categories(NEED_DOMAINS, rng.integers(0, len(NEED_DOMAINS), n)),
    }
    return feed


PLACES_OF_DEATH = ("home", "hospice", "elsewhere", "hospital", "care_home")
# Underlying causes (ICD-10, ONS coding) by broad group, and each group's share of deaths under
# 50, at 50-74 and from 75: rounded from ONS "Deaths registered in England and Wales: 2022"
# (underlying cause by ICD-10 chapter and age). External causes and drug and alcohol deaths are
# a large share of deaths under 50; dementia and Alzheimer's of deaths from 75.
CAUSE_GROUPS = {
    "circulatory": ("I219", "I64X", "I500", "I251"),
    "cancer": ("C349", "C189", "C509"),
    "respiratory": ("J440", "J189"),
    "digestive": ("K703", "K746"),
    "external": ("X420", "V892", "X700"),
    "mental": ("F03X", "F102"),
    "other": ("G309", "A419", "N189"),
}
CAUSE_SHARES = {  # same group order as CAUSE_GROUPS
    50: (0.15, 0.22, 0.05, 0.10, 0.30, 0.05, 0.13),
    75: (0.24, 0.40, 0.10, 0.07, 0.04, 0.02, 0.13),
    200: (0.25, 0.22, 0.14, 0.04, 0.03, 0.12, 0.20),
}
CAUSES_OF_DEATH = tuple(code for codes in CAUSE_GROUPS.values() for code in codes)


def underlying_causes(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Positions in CAUSES_OF_DEATH: a broad group by age, then one of its codes."""
    starts = np.cumsum([0] + [len(codes) for codes in CAUSE_GROUPS.values()])[:-1]
    sizes = np.array([len(codes) for codes in CAUSE_GROUPS.values()])
    group = np.zeros(len(age), dtype=np.int64)
    below = 0
    for upper, shares in CAUSE_SHARES.items():
        band = (age >= below) & (age < upper)
        group[band] = choice(rng, shares, int(band.sum()))
        below = upper
    return starts[group] + np.floor(rng.random(len(age)) * sizes[group]).astype(np.int64)


def deaths(people, senders: Senders, window, chunk, rng, in_hospital: np.ndarray) -> FeedRows:
    idx = np.flatnonzero(~np.isnat(people["date_of_death"]))
    died = people["date_of_death"][idx]
    place = np.where(
        in_hospital[idx],
        3,
        np.where(people["situation"][idx] == CARE_HOME, 4, choice(rng, (0.75, 0.18, 0.07), len(idx))),
    )
    registration = died + rng.integers(1, 10, len(idx)).astype("timedelta64[D]")
    age_at_death = (died - people["date_of_birth"][idx]).astype("timedelta64[D]").astype(np.int64) // 365.25
    feed = FeedRows((presets.DEATHS_SENDER,), np.zeros(len(idx), dtype=np.int64), idx)
    feed.columns = {
        **identify(feed, people, "D", chunk, with_person_id=False),
        **linkage(people, idx),
        "date_of_death": died,
        "date_of_registration": np.where(registration >= window.as_of, np.datetime64("NaT"), registration),
        "place_of_death": categories(PLACES_OF_DEATH, place),
        "underlying_cause": categories(CAUSES_OF_DEATH, underlying_causes(age_at_death, rng)),
    }
    return feed


# About 5% of registered patients in England hold a national data opt-out (NHS England's
# monthly "National Data Opt-out" publication, between 5% and 6% since 2021), and 2,085,450
# held a type 1 objection in March 2018 (NHS Digital figures quoted by the RCGP, "Type 1
# objections and the National Data Opt-Out", October 2019): about 3.7% of 56 million.
NATIONAL_DATA_OPT_OUT_RATE = 0.05
TYPE_1_RATE = 0.037
WITHDRAWN_RATE = 0.02  # a few objections are later withdrawn and resent with a date
OBJECTION_TYPES = ("national_data_opt_out", "type_1")


def objections(people, senders: Senders, window: Window, chunk, rng) -> FeedRows:
    """National data opt-outs (sent by NHS England's service) and type 1 objections (per PCN)."""
    registered = people["practice_index"] >= 0
    opted_out = np.flatnonzero(registered & (rng.random(len(registered)) < NATIONAL_DATA_OPT_OUT_RATE))
    type_1 = np.flatnonzero(registered & (rng.random(len(registered)) < TYPE_1_RATE))
    person = np.concatenate([opted_out, type_1])
    kind = np.concatenate([np.zeros(len(opted_out), np.int64), np.ones(len(type_1), np.int64)])
    national = presets.DEATHS_SENDER  # NHS England runs the national data opt-out service
    codes = np.where(
        kind == 0,
        national,
        np.array(senders.pcns, dtype=object)[senders.pcn_of_practice[people["practice_index"][person]]],
    )
    sender_vocabulary, sender = rows.by_sender(codes)
    feed = FeedRows(sender_vocabulary, sender, person)
    recorded = window.start + rng.integers(0, 365 * window.years, len(person)).astype("timedelta64[D]")
    withdrawn = rng.random(len(person)) < WITHDRAWN_RATE
    withdrawn_on = recorded + rng.integers(1, 365, len(person)).astype("timedelta64[D]")
    feed.columns = {
        **identify(feed, people, "O", chunk, with_person_id=False),
        "nhs_number": of(people, "nhs_number", person),
        "objection_type": categories(OBJECTION_TYPES, kind),
        "recorded_date": recorded,
        "withdrawn_date": np.where(withdrawn & (withdrawn_on < window.as_of), withdrawn_on, np.datetime64("NaT")),
    }
    return feed
