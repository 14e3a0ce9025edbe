"""Rows of the hospital, ambulance, community and mental health feeds, as the contracts say.

Each builder returns `FeedRows`: contract columns as arrays, the sender of each row and the
person it is about (for the truth file only; never written to a feed). Senders: acute,
community and mental health data per trust, ambulance data from LAS. GP, social care, VCSE and
deaths feeds are in `registers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from octopus.synthetic import presets, rows
from octopus.synthetic.activity import Window
from octopus.synthetic.conditions import CONDITIONS
from octopus.synthetic.geography import Area
from octopus.synthetic.gp_record import icd10_codes
from octopus.synthetic.names import FAMILY_NAMES, GIVEN_NAMES, LANGUAGE_CODES, Variants
from octopus.synthetic.rows import Coded, FeedRows, coded, record_ids

# Generic emergency diagnoses (ICD-10, undotted) for admissions not explained by a listed
# condition: chest pain, abdominal pain, pneumonia, UTI, cellulitis, syncope, fall, head injury.
GENERIC_EMERGENCY = ("R074", "R104", "J189", "N390", "L039", "R55X", "W19X", "S099", "K359", "A099", "R509", "S7200")
GENERIC_ELECTIVE = ("H251", "K802", "M170", "M161", "K409", "N400", "Z511", "K573", "D126", "C509")
TREATMENT_FUNCTIONS = (
    "100",
    "101",
    "110",
    "120",
    "130",
    "300",
    "301",
    "320",
    "330",
    "340",
    "370",
    "400",
    "430",
    "502",
    "800",
)
VCSE_ORGS = ("Community Link", "Age UK", "Citizens Advice", "Food Bank", "Carers Hub", "Mind")
NEED_DOMAINS = (
    "housing",
    "debt",
    "benefits",
    "food",
    "fuel",
    "isolation",
    "employment",
    "mental_wellbeing",
    "physical_activity",
    "carer_support",
    "immigration",
    "domestic_abuse",
    "digital_inclusion",
    "other",
)
SEX = rows.vocabulary(("male", "female"))
GIVEN_VARIANTS = Variants(GIVEN_NAMES)
FAMILY_VARIANTS = Variants(FAMILY_NAMES)
GIVEN = rows.vocabulary(GIVEN_VARIANTS.names)
FAMILY = rows.vocabulary(FAMILY_VARIANTS.names)
LANGUAGES = rows.vocabulary(LANGUAGE_CODES)


def choice(rng: np.random.Generator, shares: tuple[float, ...], n: int) -> np.ndarray:
    """Category positions drawn with the given shares (summing to 1)."""
    return np.minimum(np.searchsorted(np.cumsum(shares), rng.random(n), side="right"), len(shares) - 1)


def categories(values: tuple[str, ...], codes: np.ndarray) -> Coded:
    return coded(values, codes)


@dataclass(frozen=True)
class Senders:
    """Who sends each feed for an area: every code as a position in a small sorted tuple."""

    area: Area

    @cached_property
    def trusts(self) -> tuple[str, ...]:
        codes = {code for trio in presets.PROVIDERS.values() for code in trio} | set(presets.DEFAULT_PROVIDERS)
        return tuple(sorted(codes))

    @cached_property
    def acute_trusts(self) -> np.ndarray:
        return np.array(sorted({self.trusts.index(trio[0]) for trio in presets.PROVIDERS.values()}))

    def of_borough(self, role: int) -> np.ndarray:
        """Index into `trusts` of each borough's acute (0), community (1) or MH (2) trust."""
        return np.array([self.trusts.index(presets.providers(b)[role]) for b in self.area.boroughs])

    @cached_property
    def pcns(self) -> tuple[str, ...]:
        return tuple(sorted(self.area.practices["pcn_code"].unique()))

    @cached_property
    def pcn_of_practice(self) -> np.ndarray:
        return np.searchsorted(np.array(self.pcns), self.area.practices["pcn_code"].to_numpy(dtype=str))

    @cached_property
    def practice_codes(self) -> pa.Array:
        return rows.vocabulary(self.area.practices["practice_code"])

    @cached_property
    def councils(self) -> tuple[str, ...]:
        return self.area.borough_codes

    @cached_property
    def vcse(self) -> tuple[str, ...]:
        return tuple(f"VCSE-{gss}-{org}" for gss in self.area.borough_codes for org in range(len(VCSE_ORGS)))

    @cached_property
    def lsoa_codes(self) -> pa.Array:
        return rows.vocabulary(self.area.lsoas["lsoa21_code"])


def of(people: dict, column: str, person: np.ndarray):
    """A person-level column for each event row (text stays a lookup until written)."""
    values = people[column]
    if isinstance(values, pa.Array):
        return Coded(values, person)
    return values[person]


def names(people: dict, person: np.ndarray) -> dict:
    return {
        "given_name": Coded(GIVEN, people["given_name"][person]),
        "family_name": Coded(FAMILY, people["family_name"][person]),
    }


def linkage(people: dict, person: np.ndarray) -> dict:
    """The demographic columns partners without an NHS number link on."""
    return {
        "nhs_number": of(people, "nhs_number", person),
        **names(people, person),
        "date_of_birth": people["date_of_birth"][person],
        "sex": Coded(SEX, people["female"][person].astype(np.int64)),
        "postcode": of(people, "postcode", person),
    }


def identify(feed_rows: FeedRows, people: dict, prefix: str, chunk: int, with_person_id: bool = True) -> dict:
    """The key columns every feed starts with."""
    person = feed_rows.person
    out = {"sender_code": feed_rows.sender_codes, "source_record_id": record_ids(prefix, chunk, len(person))}
    if with_person_id:
        out["source_person_id"] = rows.local_ids(people["true_person_id"][person], feed_rows.salts())
    return out


def dates(window: Window, day: np.ndarray) -> np.ndarray:
    return window.start + day.astype("timedelta64[D]")


def datetimes(window: Window, day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return (dates(window, day).astype("datetime64[s]") + seconds.astype("timedelta64[s]")).astype("datetime64[us]")


def acute_sender(senders: Senders, people: dict, person: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The acute trust of the person's borough, or now and then another London trust."""
    sender = senders.of_borough(0)[people["borough_index"][person]]
    away = rng.random(len(sender)) < 0.1
    sender[away] = senders.acute_trusts[rng.integers(0, len(senders.acute_trusts), int(away.sum()))]
    return sender


def trust_rows(senders: Senders, sender: np.ndarray, person: np.ndarray) -> FeedRows:
    return FeedRows(senders.trusts, sender, person)


class Diagnoses:
    """ICD-10 codes the hospital feeds use, as one vocabulary."""

    def __init__(self):
        lists = {
            "generic_emergency": np.array(GENERIC_EMERGENCY, dtype=object),
            "generic_elective": np.array(GENERIC_ELECTIVE, dtype=object),
        }
        lists.update({c.icd10_list: icd10_codes(c.icd10_list) for c in CONDITIONS if c.icd10_list})
        self.spans, codes = {}, []
        for name, values in lists.items():
            self.spans[name] = (len(codes), len(values))
            codes.extend(values)
        self.vocabulary = rows.vocabulary(codes)

    def draw(self, name: str, n: int, rng: np.random.Generator) -> np.ndarray:
        start, length = self.spans[name]
        return start + rng.integers(0, length, n)

    def primary(self, people: dict, person: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A primary diagnosis from a condition the person has (shipped ICD-10 lists), else generic."""
        out = self.draw("generic_emergency", len(person), rng)
        u = rng.random(len(person))
        for condition in CONDITIONS:
            if condition.icd10_list is None:
                continue
            has = people[condition.name][person] & (u < 0.5 * condition.admission_rr / 2)
            out[has] = self.draw(condition.icd10_list, int(has.sum()), rng)
        return out

    def secondary(self, people: dict) -> pa.Array:
        """Per person: the first code of each listed condition they have, joined by |; null if none."""
        joined = pa.array(np.full(len(people["age"]), "", dtype=object), type=pa.string())
        for condition in CONDITIONS:
            if condition.icd10_list is None:
                continue
            code = icd10_codes(condition.icd10_list)[0]
            joined = rows.join(joined, pc.if_else(pa.array(people[condition.name]), f"{code}|", ""))
        trimmed = pc.utf8_rtrim(joined, characters="|")
        return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


_DIAGNOSES: list[Diagnoses] = []


def diagnoses() -> Diagnoses:
    if not _DIAGNOSES:
        _DIAGNOSES.append(Diagnoses())
    return _DIAGNOSES[0]


DESTINATIONS = (
    "usual_residence",
    "care_home",
    "temporary_residence",
    "other_hospital",
    "hospice",
    "other",
    "not_known",
    "died",
)


def apc_spells(people, events, senders: Senders, window, chunk, rng) -> FeedRows:
    spells = events["apc_spells"]
    person = spells["person"]
    n = len(person)
    horizon = 365 * window.years
    los = spells["los"]
    discharge_day = spells["day"] + los
    in_hospital = discharge_day >= horizon
    emergency = spells["emergency"]
    # HRG-like tariff: a base per spell plus excess bed days; zero-night stays are cheaper.
    cost = np.where(
        emergency, 1600 + 380 * np.maximum(los - 2, 0), 1100 + 450 * np.maximum(los - 1, 0)
    ) * rng.lognormal(0, 0.25, n)
    cost = np.where(los == 0, cost * 0.45, cost)
    destination = choice(rng, (0.88, 0.03, 0.01, 0.03, 0.01, 0.02, 0.02), n)
    destination[people["situation"][person] == 3] = 1  # care home residents go back to it
    destination[spells["died"]] = 7
    feed = trust_rows(senders, acute_sender(senders, people, person, rng), person)
    icd = diagnoses()
    primary = np.where(emergency, icd.primary(people, person, rng), icd.draw("generic_elective", n, rng))
    feed.columns = {
        **identify(feed, people, "S", chunk),
        "nhs_number": of(people, "nhs_number", person),
        "provider_ods_code": feed.sender_codes,
        "admission_date": dates(window, spells["day"]),
        "discharge_date": np.where(
            in_hospital, np.datetime64("NaT"), dates(window, np.minimum(discharge_day, horizon - 1))
        ),
        "admission_method": categories(("elective", "emergency"), emergency.astype(np.int64)),
        "primary_diagnosis": Coded(icd.vocabulary, primary),
        "secondary_diagnoses": Coded(icd.secondary(people), person),
        "discharge_destination": categories(DESTINATIONS, np.where(in_hospital, -1, destination)),
        "tariff_cost_gbp": np.where(in_hospital, np.nan, np.round(cost, 2)),
    }
    return feed


def ae_attendances(people, events, senders: Senders, window, chunk, rng) -> FeedRows:
    ae = events["ae_attendances"]
    person = ae["person"]
    n = len(person)
    arrival = datetimes(window, ae["day"], ae["arrival_seconds"])
    departure = arrival + (ae["minutes"] * 60_000_000).astype("timedelta64[us]")
    admitted = ae["admitted"]
    disposal = choice(rng, (0.82, 0.12, 0.02, 0.04), n)  # discharged, referred, transferred, left
    disposal[admitted] = 4
    type_1 = admitted | (rng.random(n) < 0.7)
    department = np.where(type_1, 0, np.where(rng.random(n) < 0.5, 2, 1))
    feed = trust_rows(senders, acute_sender(senders, people, person, rng), person)
    cost = np.where(type_1, np.where(admitted, 420, 260), 90) * rng.lognormal(0, 0.2, n)
    feed.columns = {
        **identify(feed, people, "A", chunk),
        "nhs_number": of(people, "nhs_number", person),
        "provider_ods_code": feed.sender_codes,
        "arrival_datetime": arrival,
        "departure_datetime": np.where(rng.random(n) < 0.97, departure, np.datetime64("NaT")),
        "arrival_mode": categories(("other", "ambulance"), ae["ambulance"].astype(np.int64)),
        "department_type": categories(("type_1", "type_2", "type_3"), department),
        "disposal": categories(("discharged", "referred", "transferred", "left", "admitted"), disposal),
        "cost_gbp": np.round(cost, 2),
    }
    return feed


def op_attendances(people, events, senders: Senders, window, chunk, rng) -> FeedRows:
    op = events["op_attendances"]
    person = op["person"]
    n = len(person)
    feed = trust_rows(senders, acute_sender(senders, people, person, rng), person)
    first = rng.random(n) < 0.35
    attended = rng.random(n) < 0.92
    feed.columns = {
        **identify(feed, people, "O", chunk),
        "nhs_number": of(people, "nhs_number", person),
        "provider_ods_code": feed.sender_codes,
        "appointment_date": dates(window, op["day"]),
        "treatment_function_code": categories(TREATMENT_FUNCTIONS, rng.integers(0, len(TREATMENT_FUNCTIONS), n)),
        "attendance": categories(("did_not_attend", "attended"), attended.astype(np.int64)),
        "first_or_follow_up": categories(("follow_up", "first"), first.astype(np.int64)),
        "cost_gbp": (np.where(first, 180, 110) * attended).astype(np.float64),
    }
    return feed


def las_incidents(people, events, senders: Senders, window, chunk, rng) -> FeedRows:
    las = events["las_incidents"]
    person = las["person"]
    n = len(person)
    outcome = las["outcome"]
    conveyed = outcome == 0
    destination = np.where(conveyed, acute_sender(senders, people, person, rng), -1)
    news2 = np.minimum(rng.poisson(np.where(conveyed, 3.0, 1.2)), 20)
    feed = FeedRows((presets.AMBULANCE_SERVICE,), np.zeros(n, dtype=np.int64), person)
    feed.columns = {
        **identify(feed, people, "L", chunk),
        **linkage(people, person),
        "incident_datetime": datetimes(window, las["day"], las["seconds"]),
        "outcome": categories(("conveyed", "hear_and_treat", "see_and_treat"), outcome),
        "news2_score": np.where(outcome == 1, -1, news2),
        "destination_ods_code": Coded(rows.vocabulary(senders.trusts), destination),
        "cost_gbp": np.array([420.0, 45.0, 300.0])[outcome],
    }
    return feed


COMMUNITY_SERVICES = (
    "district_nursing",
    "community_matron",
    "therapies",
    "rapid_response",
    "falls",
    "palliative_care",
    "podiatry",
    "continence",
    "tissue_viability",
    "other",
)


def community_contacts(people, events, senders: Senders, window, chunk, rng) -> FeedRows:
    c = events["community_contacts"]
    person = c["person"]
    n = len(person)
    feed = trust_rows(senders, senders.of_borough(1)[people["borough_index"][person]], person)
    service = choice(rng, (0.45, 0.08, 0.15, 0.04, 0.03, 0.04, 0.08, 0.04, 0.05, 0.04), n)
    mode = choice(rng, (0.6, 0.25, 0.13, 0.02), n)
    feed.columns = {
        **identify(feed, people, "C", chunk),
        "nhs_number": of(people, "nhs_number", person),
        "contact_date": dates(window, c["day"]),
        "service": categories(COMMUNITY_SERVICES, service),
        "mode": categories(("home_visit", "face_to_face", "telephone", "video"), mode),
        "cost_gbp": np.where(mode == 0, 85.0, 55.0),
    }
    return feed


MH_TEAMS = (
    "crisis_home_treatment",
    "older_adults",
    "early_intervention",
    "community_mental_health",
    "talking_therapies",
)


def mh_contacts(people, events, senders: Senders, window, chunk, rng) -> FeedRows:
    m = events["mh_contacts"]
    person = m["person"]
    n = len(person)
    feed = trust_rows(senders, senders.of_borough(2)[people["borough_index"][person]], person)
    crisis = m["crisis"]
    age = people["age"][person]
    team = np.where(crisis, 0, np.where(people["smi"][person], np.where(age >= 65, 1, np.where(age < 35, 2, 3)), 4))
    mode = choice(rng, (0.55, 0.15, 0.22, 0.08), n)
    feed.columns = {
        **identify(feed, people, "M", chunk),
        "nhs_number": of(people, "nhs_number", person),
        "contact_date": dates(window, m["day"]),
        "team_type": categories(MH_TEAMS, team),
        "mode": categories(("face_to_face", "home_visit", "telephone", "video"), mode),
        "crisis": crisis,
        "cost_gbp": np.where(crisis, 320.0, 150.0),
    }
    return feed


MH_DIAGNOSES = ("F209", "F200", "F319", "F250", "F329", "F603", "F101")


def mh_spells(people, events, senders: Senders, window, chunk, rng) -> FeedRows:
    s = events["mh_spells"]
    person = s["person"]
    n = len(person)
    feed = trust_rows(senders, senders.of_borough(2)[people["borough_index"][person]], person)
    horizon = 365 * window.years
    discharge = s["day"] + s["los"]
    still_in = discharge >= horizon
    feed.columns = {
        **identify(feed, people, "H", chunk),
        "nhs_number": of(people, "nhs_number", person),
        "provider_ods_code": feed.sender_codes,
        "admission_date": dates(window, s["day"]),
        "discharge_date": np.where(still_in, np.datetime64("NaT"), dates(window, np.minimum(discharge, horizon - 1))),
        "detained": rng.random(n) < 0.5,
        "primary_diagnosis": categories(MH_DIAGNOSES, rng.integers(0, len(MH_DIAGNOSES), n)),
        "cost_gbp": np.where(still_in, np.nan, 480.0 * s["los"]),
    }
    return feed
