"""The database ``care_latency.py`` measures: a published snapshot of three East London boroughs.

Waltham Forest, Tower Hamlets and Newham (their real LSOAs, Census age bands, IMD deciles and GP
practices from ``octopus.reference``), scaled to the number of residents asked for:

- residents in households (1 to 8 people; in about one LSOA in twenty a care home or hostel of
  20-60) with names by naming tradition, NHS numbers from the test range, dates of birth,
  postcodes, practice, and the snapshot fields ``octopus.publish`` writes (risk, centile, band,
  segment, cohorts, flags, factors, conditions); risk rises with age, deprivation and care-home
  living; 3% have a national data opt-out and no analytics;
- timeline events over the two-year publish window, Poisson around a gamma-spread mean that
  grows with risk (about 20 a resident: median 9, p99 ~160, the riskiest several hundred), in
  feed order as a publish writes them;
- 30 teams of 5-18 practitioners (INC, district nursing, matrons, frailty, social prescribing,
  adult social care, mental health, VCSE) with open caseloads of 50-400, weighted towards
  high-risk residents (some residents are on several), closed-case history, care plans with
  actions and versions, tiers, referrals and introductions with their events, check-ins,
  consents, objections, contact preferences, tasks, weekly INC meetings with published agendas,
  rising-risk notes and expired break-glass grants; plus three CHWW teams without caseloads.

Residents, households and timeline events go in with PostgreSQL COPY (psycopg's
``cursor.copy``) after their tables' secondary indexes and foreign keys are dropped; those are
built again afterwards, one sort each. The rest is tens of thousands of rows: ``bulk_create``.
Import after ``django.setup()``.
"""

import datetime as dt
import hashlib
import json
import random
import time
from contextlib import contextmanager

import numpy as np
import psycopg
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from octopus import reference
from octopus.accounts.models import Membership, User
from octopus.care.models import (
    CarePlan,
    CarePlanAction,
    CarePlanVersion,
    Case,
    CheckIn,
    Referral,
    ReferralEvent,
    RisingRiskNote,
    Task,
    TierAssignment,
)
from octopus.directory.geography import load_reference_geography
from octopus.directory.models import Organisation, Practitioner, Team
from octopus.governance.models import BreakGlassAccess, Consent, ContactPreference, Objection
from octopus.meetings.models import (
    Attendance,
    ConfidentialityAgreement,
    Meeting,
    MeetingSeries,
    WorklistEntry,
)
from octopus.residents.models import ActivityEvent, Household, Resident
from octopus.synthetic.names import FAMILY, GIVEN_FEMALE, GIVEN_MALE, LANGUAGES
from octopus.synthetic.nhs_numbers import test_range_integers
from octopus.synthetic.streets import TYPES, WORDS

SEED = 20261124
rng = np.random.default_rng(SEED)
pick = random.Random(SEED)

AS_OF = dt.date(2026, 11, 1)
BOROUGHS = ("Waltham Forest", "Tower Hamlets", "Newham")
OUTWARD = {
    "Waltham Forest": ("E4", "E10", "E11", "E17"),
    "Tower Hamlets": ("E1", "E2", "E3", "E14"),
    "Newham": ("E6", "E7", "E12", "E13", "E15", "E16"),
}
# Neutral generated street names, as the generator uses (octopus.synthetic.streets says why no real
# London street is borrowed); one street an LSOA is enough for addresses on the record page.
STREETS = tuple(f"{word} {TYPES[index % len(TYPES)]}" for index, word in enumerate(WORDS))
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in inward codes


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@contextmanager
def step(label: str):
    say(f"{label} …")
    started = time.perf_counter()
    yield
    say(f"{label}: {time.perf_counter() - started:.1f} s")


NOW = timezone.now()
TODAY = timezone.localdate()

# --- the population ---------------------------------------------------------------------------

BANDS = ((0.5, "Very high"), (2, "High"), (5, "Moderate-high"), (20, "Moderate"), (50, "Low-moderate"), (100, "Low"))
TRADITION_SHARE = {  # naming traditions (octopus.synthetic.names) by borough, roughly Census 2021
    "Waltham Forest": (0.45, 0.2, 0.06, 0.14, 0.1, 0.03, 0.02),
    "Tower Hamlets": (0.33, 0.12, 0.04, 0.36, 0.08, 0.05, 0.02),
    "Newham": (0.25, 0.14, 0.17, 0.22, 0.16, 0.03, 0.03),
}
ETHNICITY = (
    "White British",
    "White other",
    "Asian or Asian British: Indian",
    "Asian or Asian British: Bangladeshi",
    "Black or Black British: African",
    "Chinese",
    "Arab",
)
CONDITIONS = (
    "Hypertension",
    "Type 2 diabetes",
    "Asthma",
    "COPD",
    "Heart failure",
    "Atrial fibrillation",
    "Coronary heart disease",
    "Chronic kidney disease",
    "Depression",
    "Dementia",
    "Stroke",
    "Severe mental illness",
    "Osteoarthritis",
    "Cancer",
)
COHORT_RULES = (
    ("WELC target population", lambda r: r["band"] <= 3),
    ("Current inpatients", lambda r: r["inpatient"]),
    ("Frequent A&E attenders", lambda r: r["ae"] >= 3),
    ("Care home residents", lambda r: r["care_home"]),
    ("Core20PLUS5", lambda r: r["imd"] <= 2 and r["ltc"] >= 1),
    ("Clinically vulnerable (shielded-style)", lambda r: r["band"] <= 2 and r["age"] >= 70),
)


def band_of(centile_from_top: np.ndarray) -> np.ndarray:
    band = np.full(len(centile_from_top), len(BANDS), dtype=np.int8)
    for number, (top, _name) in reversed(list(enumerate(BANDS, start=1))):
        band[centile_from_top <= top] = number
    return band


class Population:
    """Arrays, one element per resident (index = primary key - 1), built with numpy."""

    def __init__(self, n: int):
        lsoas = reference.lsoas()
        lsoas = lsoas[lsoas["lad24_name"].isin(BOROUGHS)].reset_index(drop=True)
        practices = reference.practices().dropna(subset=["latitude"])
        practices = practices[practices["borough_name"].isin(BOROUGHS)].reset_index(drop=True)
        self.practice_codes = practices["practice_code"].to_numpy(dtype=str)
        self.practice_names = dict(zip(practices["practice_code"], practices["practice_name"].str.title(), strict=True))
        counts = rng.multinomial(n, lsoas["total"].to_numpy() / lsoas["total"].sum())
        self.n = n
        lsoa_of = np.repeat(np.arange(len(lsoas)), counts)
        self.lsoa = lsoas["lsoa21_code"].to_numpy(dtype=str)[lsoa_of]
        self.borough = lsoas["lad24_name"].to_numpy(dtype=str)[lsoa_of]
        self.imd = lsoas["imd_decile"].to_numpy(dtype=np.int16)[lsoa_of]

        # Ages from each LSOA's Census age bands.
        bands = [
            ("age_0_15", 0, 16),
            ("age_16_24", 16, 25),
            ("age_25_34", 25, 35),
            ("age_35_49", 35, 50),
            ("age_50_64", 50, 65),
            ("age_65_plus", 65, 100),
        ]
        shares = lsoas[[b[0] for b in bands]].to_numpy(dtype=float)
        shares = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)[lsoa_of]
        band = (rng.random(n)[:, None] > shares).sum(axis=1).clip(0, len(bands) - 1)
        low = np.array([b[1] for b in bands])[band]
        high = np.array([b[2] for b in bands])[band]
        oldest = band == len(bands) - 1
        self.age = (low + rng.random(n) * (high - low)).astype(np.int16)
        self.age[oldest] = (65 + rng.exponential(9, oldest.sum())).clip(65, 104).astype(np.int16)

        # Households, never crossing an LSOA: mostly 1-5 people, a few care homes and hostels.
        sizes_p = np.array([0.30, 0.30, 0.16, 0.13, 0.06, 0.03, 0.015, 0.005])
        self.household = np.empty(n, dtype=np.int64)
        self.household_lsoa, self.household_size, self.household_postcode, self.household_address = [], [], [], []
        start = 0
        next_household = 1
        for index, count in enumerate(counts):
            sizes = list(rng.choice(np.arange(1, 9), size=count, p=sizes_p))
            if rng.random() < 0.05:
                sizes[0] = int(rng.integers(20, 61))  # a care home or hostel in about 1 LSOA in 20
            total = np.cumsum(sizes)
            cut = int(np.searchsorted(total, count)) + 1
            sizes = sizes[:cut]
            sizes[-1] -= int(total[cut - 1] - count)
            postcodes = self._postcodes(lsoas.at[index, "lad24_name"], max(1, len(sizes) // 14))
            street = pick.choice(STREETS)
            for number, size in enumerate(sizes, start=1):
                self.household[start : start + size] = next_household
                postcode = postcodes[number % len(postcodes)]
                self.household_lsoa.append(lsoas.at[index, "lsoa21_code"])
                self.household_size.append(size)
                self.household_postcode.append(postcode)
                self.household_address.append(
                    f"{pick.choice(['Sunrise', 'Forest', 'Lea View', 'Riverside'])} "
                    f"{pick.choice(['House', 'Court', 'Lodge'])}"
                    if size >= 20
                    else f"{number} {street}"
                )
                start += size
                next_household += 1
        self.households = next_household - 1
        size_of = np.array(self.household_size)[self.household - 1]
        self.care_home = size_of >= 20
        self.age[self.care_home] = np.maximum(self.age[self.care_home], 75 + rng.integers(0, 20, self.care_home.sum()))

        # Names: one naming tradition and family name per household, given names by sex.
        tradition = np.empty(self.households, dtype=np.int8)
        household_borough = np.empty(self.households, dtype=object)
        household_borough[self.household - 1] = self.borough
        for borough, share in TRADITION_SHARE.items():
            mask = household_borough == borough
            tradition[mask] = rng.choice(len(share), size=mask.sum(), p=np.array(share) / sum(share))
        family_of_household = np.array([pick.choice(FAMILY[t]) for t in tradition], dtype=object)
        self.tradition = tradition[self.household - 1]
        self.family = family_of_household[self.household - 1]
        remarried = rng.random(n) < 0.12
        self.family[remarried] = [pick.choice(FAMILY[t]) for t in self.tradition[remarried]]
        self.sex = np.where(rng.random(n) < 0.51, "female", "male").astype(object)
        self.sex[rng.random(n) < 0.001] = "unknown"
        self.given = np.array(
            [
                pick.choice((GIVEN_FEMALE if s == "female" else GIVEN_MALE)[t])
                for s, t in zip(self.sex, self.tradition, strict=True)
            ],
            dtype=object,
        )
        self.language = np.array(
            [pick.choices(LANGUAGES[t][0], LANGUAGES[t][1])[0] for t in self.tradition], dtype=object
        )

        # Risk of emergency admission: rises with age, deprivation and frailty, with wide spread.
        z = (
            -3.4
            + 0.045 * (self.age.astype(float) - 50)
            + 0.12 * (5 - self.imd)
            + rng.normal(0, 1.0, n)
            + 1.2 * self.care_home
        )
        self.risk = 1 / (1 + np.exp(-z))
        order = np.argsort(-self.risk, kind="stable")
        from_top = np.empty(n)
        from_top[order] = (np.arange(n) + 1) / n * 100
        self.centile = np.round(100 - from_top, 1)
        self.band = band_of(from_top)
        self.ltc = np.minimum(rng.poisson(0.2 + 4 * self.risk + self.age / 60), len(CONDITIONS))
        self.rising = (rng.random(n) < 0.02) & (self.band >= 3)
        self.excluded = rng.random(n) < 0.03  # national data opt-out: no analytics published
        self.dead = rng.random(n) < 0.002 + 0.02 * self.risk
        self.registered = rng.random(n) > 0.01
        self.practice = self._practices(lsoas, practices, lsoa_of)

        # Timeline events in the two years published: Poisson around a mean that grows with risk.
        weight = self.risk**0.8
        self.events = rng.poisson(rng.gamma(2.0, 20 * weight / weight.mean() / 2.0)).astype(np.int32)
        self.nhs = test_range_integers(n, SEED)

    def _postcodes(self, borough: str, count: int) -> list[str]:
        return [
            f"{pick.choice(OUTWARD[borough])} {pick.randint(1, 9)}{pick.choice(LETTERS)}{pick.choice(LETTERS)}"
            for _ in range(count)
        ]

    def _practices(self, lsoas, practices, lsoa_of) -> np.ndarray:
        """A practice near home: list size over distance, among the boroughs' practices."""
        lat, lon = practices["latitude"].to_numpy(), practices["longitude"].to_numpy()
        size = practices["registered_patients_2022"].fillna(5000).to_numpy()
        choice = np.empty(self.n, dtype=object)
        starts = np.searchsorted(lsoa_of, np.arange(len(lsoas)))
        ends = np.searchsorted(lsoa_of, np.arange(len(lsoas)), side="right")
        for index in range(len(lsoas)):
            distance = np.hypot(lat - lsoas.at[index, "latitude"], (lon - lsoas.at[index, "longitude"]) * 0.62) * 111
            weights = size * np.exp(-distance / 0.8)
            choice[starts[index] : ends[index]] = rng.choice(
                self.practice_codes, size=ends[index] - starts[index], p=weights / weights.sum()
            )
        return choice

    def segment(self, i: int, flags: dict) -> str:
        if flags["homeless"]:
            return "Homeless"
        if flags["learning_disability"]:
            return "Learning disability"
        if flags["palliative_care"] or (
            self.age[i] >= 65 and (self.care_home[i] or flags["housebound"] or self.band[i] <= 3)
        ):
            return "Frail elderly and end of life"
        if self.age[i] < 18:
            return "Children, young people and maternity"
        if flags["cancer_overlay"]:
            return "Cancer"
        if self.ltc[i]:
            return "Long-term conditions"
        return "Mainly healthy"


def copy_rows(model, columns: list[str], rows, total: int, label: str) -> None:
    """COPY rows (tuples in ``columns`` order, already in PostgreSQL's text form) into the table."""
    table = model._meta.db_table
    started = time.perf_counter()
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
                if written % 500_000 == 0:
                    rate = written / (time.perf_counter() - started)
                    say(f"  {label}: {written:,} of ~{total:,} rows ({rate:,.0f} rows/s)")
    say(f"  {label}: {written:,} rows in {time.perf_counter() - started:.1f} s")


SECONDARY = """
SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
 WHERE indrelid = %(table)s::regclass AND NOT indisprimary
   AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = %(table)s::regclass)
UNION ALL
SELECT CASE contype WHEN 'u' THEN 'unique' ELSE 'foreign' END, conname,
       format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', %(table)s, conname, pg_get_constraintdef(oid))
  FROM pg_constraint WHERE conrelid = %(table)s::regclass AND contype IN ('u', 'f')
"""


@contextmanager
def without_secondary_indexes(models):
    """Drop the tables' secondary indexes, unique constraints and foreign keys for a bulk load and
    build them again after it: one sort per index instead of 20M random inserts into each."""
    saved = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(SECONDARY, {"table": table})
            for kind, name, definition in cursor.fetchall():
                saved.append((kind, table, name, definition))
                if kind == "index":
                    cursor.execute(f'DROP INDEX "{name}"')
                else:
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for kind in ("unique", "index", "foreign"):
            for kind_, _table, name, definition in saved:
                if kind_ == kind:
                    with step(f"  build {kind} {name}"):
                        cursor.execute(definition)


def json_text(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def resident_rows(pop: Population):
    as_of = AS_OF.isoformat()
    for i in range(pop.n):
        age = int(pop.age[i])
        dob = AS_OF - dt.timedelta(days=int(age * 365.25 + (i * 7919) % 365))
        band = int(pop.band[i])
        risk = float(pop.risk[i])
        care_home = bool(pop.care_home[i])
        flags = {
            "care_home": care_home,
            "housebound": age >= 75 and risk > 0.25 and not care_home,
            "homeless": i % 997 == 0,
            "current_inpatient": risk > 0.3 and i % 13 == 0,
            "discharged_last_14_days": risk > 0.2 and i % 17 == 0,
            "social_care_package": age >= 65 and risk > 0.2,
            "cancer_overlay": i % 61 == 0,
            "palliative_care": risk > 0.5 and i % 5 == 0,
            "learning_disability": i % 211 == 0,
            "emergency_admissions": int(risk * 4 * (i % 3)),
            "ae_attendances": int(risk * 8 * (i % 4) / 2),
            "ambulance_calls": int(risk * 5 * (i % 3) / 2),
            "prior_cost": round(risk * 18000 + (i % 400)),
            "days_since_last_emergency_admission": None if risk < 0.1 else int(i % 700),
            "risk_band": band,
        }
        ltc = list(CONDITIONS[(i + k * 5) % len(CONDITIONS)] for k in range(int(pop.ltc[i])))
        facts = {
            "band": band,
            "inpatient": flags["current_inpatient"],
            "ae": flags["ae_attendances"],
            "care_home": care_home,
            "imd": int(pop.imd[i]),
            "ltc": len(ltc),
            "age": age,
        }
        cohorts = [title for title, rule in COHORT_RULES if rule(facts)]
        factors = (
            (
                [f"{flags['emergency_admissions']} emergency admissions in the last 12 months"]
                if flags["emergency_admissions"]
                else []
            )
            + ([f"Age {age}"] if age >= 75 else [])
            + ltc[:2]
        )
        segment = pop.segment(i, flags)
        band_name = BANDS[band - 1][1]
        rising = bool(pop.rising[i])
        excluded = bool(pop.excluded[i])
        if excluded:
            flags.pop("risk_band")
            flags["analytics_excluded"] = True
        household = int(pop.household[i])
        postcode = pop.household_postcode[household - 1]
        frailty = (
            ""
            if age < 65
            else ("severe" if risk > 0.4 else "moderate" if risk > 0.2 else "mild" if risk > 0.08 else "fit")
        )
        language = pop.language[i]
        yield (
            i + 1,
            f"P{i + 1:08d}",
            str(pop.nhs[i]),
            pop.given[i],
            pop.family[i],
            dob.isoformat(),
            pop.sex[i],
            ETHNICITY[pop.tradition[i]],
            household,
            pop.household_address[household - 1],
            postcode,
            pop.lsoa[i],
            int(pop.imd[i]),
            pop.practice[i],
            bool(pop.registered[i]),
            {"en": "English", "bn": "Bengali", "pl": "Polish", "ur": "Urdu"}.get(language, language),
            language != "en" and i % 3 == 0,
            f"07700 9{i % 100000:05d}",
            f"resident{i + 1}@example.org" if i % 5 < 2 else "",
            (AS_OF - dt.timedelta(days=i % 200)).isoformat() if pop.dead[i] else None,
            "run-20261101",
            as_of,
            None if excluded else round(risk, 5),
            None if excluded else float(pop.centile[i]),
            "" if excluded else band_name,
            json_text([] if excluded else factors[:4]),
            "" if excluded else segment,
            rising and not excluded,
            f"Risk centile rose to {pop.centile[i]:.0f} since the last snapshot" if rising and not excluded else "",
            json_text(ltc),
            frailty,
            json_text(flags),
            json_text([] if excluded else cohorts),
            # No prevention gaps: the record's gaps section then shows its "none open" text.
            "[]",
        )


RESIDENT_COLUMNS = [
    "id",
    "person_id",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "ethnicity_group",
    "household_id",
    "address_line",
    "postcode",
    "lsoa_code",
    "imd_decile",
    "practice_ods_code",
    "registered",
    "main_language",
    "interpreter_needed",
    "phone",
    "email",
    "date_of_death",
    "snapshot_run_id",
    "snapshot_as_of",
    "risk_probability",
    "risk_centile",
    "risk_band",
    "risk_factors",
    "segment",
    "rising_risk",
    "rising_risk_reason",
    "long_term_conditions",
    "frailty_category",
    "flags",
    "cohorts",
    "prevention_gaps",
]

# kind, feed, organisation pool, summaries; shares for most residents and for the high-risk bands.
EVENT_KINDS = (
    (
        "gp",
        "gp_appointments",
        None,
        (
            "Appointment with GP (face to face), attended",
            "Appointment with practice nurse (face to face), attended",
            "Appointment with GP (telephone), attended",
            "Appointment with pharmacist (telephone), did not attend",
        ),
    ),
    (
        "outpatient",
        "op_attendances",
        (
            "Barts Health NHS Trust",
            "Homerton Healthcare NHS Foundation Trust",
            "Moorfields Eye Hospital NHS Foundation Trust",
        ),
        (
            "Outpatient follow-up appointment (specialty 320), attended",
            "Outpatient first appointment (specialty 110), attended",
            "Outpatient follow-up appointment (specialty 300), did not attend",
        ),
    ),
    (
        "community",
        "community_contacts",
        ("East London NHS Foundation Trust", "Barts Health NHS Trust Community Services"),
        (
            "District nursing contact (home visit)",
            "Physiotherapy contact (clinic)",
            "Community matron contact (home visit)",
            "Podiatry contact (clinic)",
        ),
    ),
    (
        "ae",
        "ae_attendances",
        ("Barts Health NHS Trust", "Homerton Healthcare NHS Foundation Trust"),
        ("A&E attendance, discharged home", "A&E attendance by ambulance, admitted", "A&E attendance, referred to GP"),
    ),
    (
        "ambulance",
        "las_incidents",
        ("London Ambulance Service NHS Trust",),
        ("Ambulance call, conveyed to A&E", "Ambulance call, treated at scene"),
    ),
    (
        "admission",
        "apc_spells",
        ("Barts Health NHS Trust", "Homerton Healthcare NHS Foundation Trust"),
        ("Emergency admission (3 nights)", "Emergency admission (day case)", "Elective admission (1 night)"),
    ),
    (
        "mental_health",
        "mh_contacts",
        ("East London NHS Foundation Trust",),
        ("Community mental health team contact (telephone)", "Home treatment team contact (crisis) (face to face)"),
    ),
    (
        "social_care",
        "asc_packages",
        None,
        ("Social care package started: home care", "Social care package started: reablement"),
    ),
    (
        "vcse",
        "vcse_contacts",
        ("Age UK East London", "Citizens Advice Newham", "Bromley by Bow Centre", "Waltham Forest Carers"),
        ("Support with isolation", "Support with money", "Support with housing"),
    ),
    ("octopus", "", ("Octopus",), ("Check-in done", "Contact recorded")),
)
SHARE_LOW = np.array([0.50, 0.14, 0.08, 0.06, 0.02, 0.02, 0.06, 0.02, 0.07, 0.03])
SHARE_HIGH = np.array([0.30, 0.15, 0.24, 0.08, 0.05, 0.05, 0.03, 0.05, 0.03, 0.02])
COUNCIL = {
    "Waltham Forest": "London Borough of Waltham Forest",
    "Tower Hamlets": "London Borough of Tower Hamlets",
    "Newham": "London Borough of Newham",
}


def event_rows(pop: Population, chunk: int = 100_000):
    key = 0
    tz = dt.UTC
    for first in range(0, pop.n, chunk):
        last = min(first + chunk, pop.n)
        counts = pop.events[first:last]
        residents = np.repeat(np.arange(first, last), counts)
        m = len(residents)
        high = pop.band[residents] <= 3
        kind = np.where(
            high, rng.choice(len(EVENT_KINDS), m, p=SHARE_HIGH), rng.choice(len(EVENT_KINDS), m, p=SHARE_LOW)
        )
        # Publishing goes feed by feed, so one resident's events are scattered over the table,
        # not side by side: load them in that order, or the timeline would read unrealistically few pages.
        by_feed = np.argsort(kind, kind="stable")
        residents, kind = residents[by_feed], kind[by_feed]
        days_ago = rng.integers(0, 730, m)
        variant = rng.integers(0, 6, m)
        minutes = rng.integers(0, 24 * 60, m)
        for resident, k, ago, v, minute in zip(
            residents.tolist(), kind.tolist(), days_ago.tolist(), variant.tolist(), minutes.tolist(), strict=True
        ):
            code, feed, organisations, summaries = EVENT_KINDS[k]
            key += 1
            on = AS_OF - dt.timedelta(days=ago)
            if code == "gp":
                organisation = pop.practice_names.get(pop.practice[resident], "GP practice")
            elif code == "social_care":
                organisation = COUNCIL[pop.borough[resident]]
            else:
                organisation = organisations[v % len(organisations)]
            at = (
                dt.datetime.combine(on, dt.time(minute // 60, minute % 60), tz).isoformat()
                if code in ("ae", "ambulance")
                else None
            )
            detail = (
                json_text({"discharge_date": (on + dt.timedelta(days=3)).isoformat(), "primary_diagnosis": "J44.1"})
                if code == "admission"
                else "{}"
            )
            yield (
                resident + 1,
                on.isoformat(),
                at,
                code,
                organisation,
                summaries[v % len(summaries)],
                detail,
                feed,
                f"BENCH:{key}",
            )


EVENT_COLUMNS = [
    "resident_id",
    "occurred_on",
    "occurred_at",
    "kind",
    "source_organisation",
    "summary",
    "detail",
    "source_feed",
    "source_key",
]


def load_population(pop: Population) -> None:
    with without_secondary_indexes([Household, Resident, ActivityEvent]):
        households = (
            (
                h + 1,
                "H"
                + hashlib.sha256(f"{pop.household_address[h]}|{pop.household_postcode[h]}|{h}".encode()).hexdigest()[
                    :32
                ],
                pop.household_address[h],
                pop.household_postcode[h],
                pop.household_lsoa[h],
            )
            for h in range(pop.households)
        )
        copy_rows(
            Household,
            ["id", "household_id", "address_line", "postcode", "lsoa_code"],
            households,
            pop.households,
            "households",
        )
        copy_rows(Resident, RESIDENT_COLUMNS, resident_rows(pop), pop.n, "residents")
        copy_rows(ActivityEvent, EVENT_COLUMNS, event_rows(pop), int(pop.events.sum()), "timeline events")
    with connection.cursor() as cursor:
        for model in (Household, Resident):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"
            )


# --- teams, caseloads and the rest of care coordination ------------------------------------------

# (organisation, heart, team, tier, role, members, caseload range, how strongly the caseload leans to high risk)
TEAMS = []
for borough in BOROUGHS:
    TEAMS += [
        (f"{borough} Integrated Neighbourhood Team", "health", f"{borough} INC",
         "consistent", "care_coordinator", 12, (150, 250), 2.0),
        ("Barts Health NHS Trust Community Services", "health", f"{borough} Community Matrons",
         "consistent", "clinician", 6, (100, 200), 2.0),
        ("East London NHS Foundation Trust", "health", f"{borough} District Nursing North",
         "consistent", "clinician", 18, (300, 400), 1.5),
        ("East London NHS Foundation Trust", "health", f"{borough} District Nursing South",
         "consistent", "clinician", 16, (250, 400), 1.5),
        (f"{borough} PCN Federation", "health", f"{borough} Social Prescribing East",
         "hyper_local", "social_prescriber", 6, (150, 300), 0.5),
        (f"{borough} PCN Federation", "health", f"{borough} Social Prescribing West",
         "hyper_local", "social_prescriber", 5, (120, 250), 0.5),
        ("Barts Health NHS Trust Community Services", "health", f"{borough} Frailty Team",
         "tailored", "clinician", 8, (100, 200), 2.0),
        (COUNCIL[borough], "local_authority", f"{borough} Adult Social Care Locality",
         "tailored", "social_worker", 15, (250, 400), 1.2),
    ]  # fmt: skip
TEAMS += [
    ("East London NHS Foundation Trust", "health", "Newham Community Mental Health Team",
     "aligned_specialist", "clinician", 12, (200, 350), 0.8),
    ("East London NHS Foundation Trust", "health", "Tower Hamlets Community Mental Health Team",
     "aligned_specialist", "clinician", 12, (200, 350), 0.8),
    ("Age UK East London", "vcse", "Befriending",
     "hyper_local", "vcse_worker", 8, (80, 150), 1.0),
    ("Citizens Advice Newham", "vcse", "Debt and Welfare Advice",
     "tailored", "vcse_worker", 5, (50, 120), 0.3),
    ("Bromley by Bow Centre", "vcse", "Health Trainers",
     "hyper_local", "vcse_worker", 6, (60, 150), 0.3),
    ("Waltham Forest Carers", "vcse", "Carers Support",
     "hyper_local", "vcse_worker", 5, (50, 100), 0.8),
]  # fmt: skip
CHWW_TEAMS = [
    (
        f"{b} Integrated Neighbourhood Team",
        "health",
        f"{b} Community Health and Wellbeing Workers",
        "hyper_local",
        "chww",
        8,
    )
    for b in BOROUGHS
]
GIVEN = ("Aisha", "Ben", "Chloe", "Dev", "Ellie", "Femi", "Grace", "Hassan", "Ines", "Jon", "Kiran", "Lena", "Marek",
         "Nadia", "Owen", "Priya", "Rui", "Sana", "Tom", "Uma", "Vic", "Wen", "Yusuf", "Zara")  # fmt: skip
SURNAMES = ("Adams", "Begum", "Cole", "Das", "Evans", "Fofana", "Green", "Hale", "Iqbal", "James", "Kaur", "Lowe",
            "Mensah", "Nash", "Osei", "Price", "Quinn", "Rahman", "Shah", "Turner", "Uddin", "Vaughan", "Walsh",
            "Young")  # fmt: skip
JOB = {
    "care_coordinator": "Care coordinator",
    "clinician": "Community nurse",
    "social_prescriber": "Social prescribing link worker",
    "social_worker": "Social worker",
    "vcse_worker": "Support worker",
    "chww": "Community health and wellbeing worker",
}


def weighted_sample(pop: Population, size: int, lean: float, alive: np.ndarray) -> np.ndarray:
    weight = pop.risk**lean * alive
    return rng.choice(pop.n, size=size, replace=False, p=weight / weight.sum()) + 1


def build_care(pop: Population) -> None:
    """Teams, users and every care row, through the ORM (tens of thousands of rows at most)."""
    organisations = {}
    teams = []  # (team, members, spec)
    person = 0

    def make_members(team, role, size):
        nonlocal person
        members = []
        for _ in range(size):
            person += 1
            given, family = GIVEN[person % len(GIVEN)], SURNAMES[(person * 7) % len(SURNAMES)]
            practitioner = Practitioner.objects.create(
                given_name=given,
                family_name=family,
                job_title=JOB[role],
                team=team,
                phone=f"020 7946 {person:04d}",
                email=f"p{person}@example.nhs.uk",
            )
            user = User.objects.create(
                username=f"bench{person}",
                first_name=given,
                last_name=family,
                practitioner=practitioner,
                email=f"p{person}@example.nhs.uk",
            )
            Membership.objects.create(user=user, team=team, role=role)
            members.append(user)
        return members

    for org, heart, name, tier, role, size, caseload, lean in TEAMS:
        organisations.setdefault(org, Organisation.objects.get_or_create(name=org, defaults={"heart": heart})[0])
        team = Team.objects.create(
            organisation=organisations[org],
            name=name,
            tier=tier,
            phone="020 7946 0000",
            never_declines=name.endswith("INC"),
        )
        teams.append((team, make_members(team, role, size), (caseload, lean)))
    for org, _heart, name, tier, role, size in CHWW_TEAMS:
        team = Team.objects.create(organisation=organisations[org], name=name, tier=tier)
        make_members(team, role, size)
    # A few people work in two teams (a matron who also sits in the INC).
    for (_team_a, members_a, _), (team_b, _members_b, _) in zip(teams[::8], teams[1::8], strict=False):
        Membership.objects.create(user=members_a[0], team=team_b, role="clinician")

    alive = ~pop.dead
    cases, closed_cases = [], []
    for team, members, ((low, high), lean) in teams:
        size = int(rng.integers(low, high + 1))
        residents = weighted_sample(pop, size * 2 + size // 2, lean, alive)
        for rid in residents[:size]:
            holder = pick.choice(members) if pick.random() < 0.75 else None
            cases.append(
                Case(
                    resident_id=int(rid),
                    team=team,
                    holder=holder,
                    source=pick.choice(["cohort", "rising_risk", "referral", "search", "meeting"]),
                    opened_at=NOW - dt.timedelta(days=pick.randint(1, 720)),
                    opened_by=pick.choice(members),
                    next_review_due=TODAY + dt.timedelta(days=pick.randint(-30, 60)),
                    last_contact_on=TODAY - dt.timedelta(days=pick.randint(0, 90)) if pick.random() < 0.8 else None,
                )
            )
        for rid in residents[size:]:
            closed = NOW - dt.timedelta(days=pick.randint(0, 720))
            closed_cases.append(
                Case(
                    resident_id=int(rid),
                    team=team,
                    source="search",
                    opened_at=closed - dt.timedelta(days=pick.randint(20, 300)),
                    closed_at=closed,
                    closed_by=pick.choice(members),
                    outcome=pick.choice(["goals_met", "stable", "transferred", "declined", "no_contact"]),
                )
            )
    Case.objects.bulk_create(cases + closed_cases, batch_size=2000)
    say(f"  {len(cases):,} open cases and {len(closed_cases):,} closed ones")

    members_of = {team.pk: members for team, members, _ in teams}
    teams_of: dict[int, list[int]] = {}
    holder_of: dict[int, object] = {}
    for case in cases:
        teams_of.setdefault(case.resident_id, []).append(case.team_id)
        if case.holder is not None:
            holder_of.setdefault(case.resident_id, case.holder)
    on_caseload = sorted(teams_of)

    plans, actions, versions = [], [], []
    planned = [rid for rid in on_caseload if pick.random() < 0.55]
    for rid in planned:
        lead = holder_of.get(rid) or pick.choice(members_of[teams_of[rid][0]])
        plans.append(
            CarePlan(
                resident_id=rid,
                what_matters="Staying at home and seeing my grandchildren",
                goals=[{"description": "Walk to the shops", "status": "active"}],
                needs={"isolation": "Lives alone since her husband died", "money": "Rent arrears"},
                lead_professional=lead,
                review_date=TODAY + dt.timedelta(days=pick.randint(-20, 90)),
                version=pick.randint(1, 5),
                created_at=NOW - dt.timedelta(days=200),
                updated_at=NOW - dt.timedelta(days=pick.randint(0, 100)),
            )
        )
    CarePlan.objects.bulk_create(plans, batch_size=2000)
    for plan in plans:
        team_members = members_of[teams_of[plan.resident_id][0]]
        for _ in range(pick.randint(1, 6)):
            status = pick.choices(["to_do", "in_progress", "done", "cancelled"], [50, 20, 25, 5])[0]
            actions.append(
                CarePlanAction(
                    plan=plan,
                    description="Arrange a benefits check",
                    domain="money",
                    owner=pick.choice(team_members),
                    due=TODAY + dt.timedelta(days=pick.randint(-45, 60)),
                    status=status,
                    created_at=NOW - dt.timedelta(days=60),
                    completed_at=NOW if status == "done" else None,
                )
            )
        for version in range(1, plan.version + 1):
            versions.append(
                CarePlanVersion(
                    plan=plan,
                    version=version,
                    changed_by=plan.lead_professional,
                    changed_at=NOW - dt.timedelta(days=10 * version),
                    change_summary="Goals updated",
                    snapshot={"what_matters": plan.what_matters},
                )
            )
    CarePlanAction.objects.bulk_create(actions, batch_size=2000)
    CarePlanVersion.objects.bulk_create(versions, batch_size=2000)
    say(f"  {len(plans):,} care plans, {len(actions):,} actions, {len(versions):,} versions")

    tiers = []
    for rid in on_caseload:
        if pick.random() < 0.2:
            tiers.append(
                TierAssignment(
                    resident_id=rid,
                    tier="universal",
                    reason="Started",
                    started_at=NOW - dt.timedelta(days=400),
                    ended_at=NOW - dt.timedelta(days=200),
                )
            )
        roll = pick.random()
        if roll < 0.6:
            tiers.append(
                TierAssignment(
                    resident_id=rid,
                    tier=pick.choice(["proactive", "complex"]),
                    reason="Agreed at the INC",
                    started_at=NOW - dt.timedelta(days=100),
                )
            )
        elif roll < 0.65:
            tiers.append(
                TierAssignment(
                    resident_id=rid,
                    tier="universal",
                    reason="Stepped down",
                    started_at=NOW - dt.timedelta(days=20),
                    monitor_until=TODAY + dt.timedelta(days=70),
                )
            )
    TierAssignment.objects.bulk_create(tiers, batch_size=2000)

    all_teams = [team for team, _, _ in teams]
    practitioners = {team.pk: [m.practitioner for m in members_of[team.pk]] for team in all_teams}
    everyone = [m for members in members_of.values() for m in members]
    referrals = []
    referred = weighted_sample(pop, min(24_000, pop.n // 4), 1.0, alive)
    for rid in referred:
        to_team = pick.choice(all_teams)
        sent = NOW - dt.timedelta(days=pick.randint(0, 365), minutes=pick.randint(0, 1440))
        recent = (NOW - sent).days < 21
        status = pick.choices(
            ["sent", "accepted", "first_contact", "completed", "closed", "declined", "redirected"],
            [30, 25, 25, 10, 5, 3, 2] if recent else [1, 2, 2, 60, 25, 7, 3],
        )[0]
        open_ = status in ("sent", "accepted", "first_contact")
        referrals.append(
            Referral(
                resident_id=int(rid),
                sender=pick.choice(everyone),
                to_team=to_team,
                to_practitioner=pick.choice(practitioners[to_team.pk]) if pick.random() < 0.25 else None,
                reason="Struggling at home after a fall",
                urgency=pick.choice(["urgent", "soon", "routine"]),
                shared_information="Name, address, reason",
                resident_agreed=True,
                preferred_contact="phone",
                contact_details="07700 900000",
                status=status,
                owner=pick.choice(members_of[to_team.pk]) if status not in ("sent", "declined", "redirected") else None,
                due_at=sent + dt.timedelta(days=7),
                sent_at=sent,
                accepted_at=sent + dt.timedelta(days=1) if status != "sent" else None,
                closed_at=None if open_ else sent + dt.timedelta(days=pick.randint(2, 20)),
            )
        )
    Referral.objects.bulk_create(referrals, batch_size=2000)
    events = []
    for referral in referrals:
        events.append(ReferralEvent(referral=referral, to_status="sent", actor=referral.sender, at=referral.sent_at))
        if referral.status != "sent":
            events.append(
                ReferralEvent(
                    referral=referral,
                    from_status="sent",
                    to_status=referral.status,
                    actor=referral.owner,
                    at=referral.sent_at + dt.timedelta(days=1),
                )
            )
    ReferralEvent.objects.bulk_create(events, batch_size=2000)
    say(f"  {len(referrals):,} referrals, {len(events):,} referral events")

    check_ins, consents, preferences = [], [], []
    organisation_of = {team.pk: team.organisation_id for team in all_teams}
    for rid in on_caseload:
        organisation_id = organisation_of[teams_of[rid][0]]
        assignee = holder_of.get(rid)
        for k in range(pick.randint(0, 2)):
            check_ins.append(
                CheckIn(
                    resident_id=rid,
                    due_on=TODAY + dt.timedelta(days=pick.randint(-5, 28) + 28 * k),
                    organisation_id=organisation_id,
                    assignee=assignee if pick.random() < 0.5 else None,
                )
            )
        for k in range(pick.randint(0, 5)):
            check_ins.append(
                CheckIn(
                    resident_id=rid,
                    due_on=TODAY - dt.timedelta(days=14 + 28 * k),
                    organisation_id=organisation_id,
                    status=pick.choice(["done", "done", "no_answer"]),
                    completed_at=NOW - dt.timedelta(days=14 + 28 * k),
                )
            )
    for rid in planned:
        for kind in pick.sample(
            ["share_between_organisations", "discuss_at_mdt", "receive_introductions", "share_clinical_with_vcse"],
            pick.randint(1, 4),
        ):
            consents.append(
                Consent(
                    resident_id=rid,
                    kind=kind,
                    status=pick.choices(["given", "refused"], [9, 1])[0],
                    recorded_at=NOW - dt.timedelta(days=pick.randint(0, 300)),
                )
            )
        if pick.random() < 0.3:
            preferences.append(
                ContactPreference(
                    resident_id=rid,
                    preferred_route="phone",
                    refused_routes=["letter"],
                    recorded_at=NOW - dt.timedelta(days=30),
                )
            )
    CheckIn.objects.bulk_create(check_ins, batch_size=2000)
    Consent.objects.bulk_create(consents, batch_size=2000)
    ContactPreference.objects.bulk_create(preferences, batch_size=2000)
    objections = [
        Objection(
            resident_id=int(i) + 1,
            kind="national_data_opt_out",
            source="GP feed",
            recorded_at=NOW - dt.timedelta(days=400),
        )
        for i in np.flatnonzero(pop.excluded)
    ]
    Objection.objects.bulk_create(objections, batch_size=5000)
    say(
        f"  {len(check_ins):,} check-ins, {len(consents):,} consents, {len(preferences):,} contact preferences, "
        f"{len(objections):,} objections"
    )

    tasks = []
    for team, members, _ in teams:
        team_residents = [case.resident_id for case in cases if case.team_id == team.pk]
        for user in members:
            for k in range(pick.randint(0, 25) + 40):
                done = k >= 25 or pick.random() < 0.3
                tasks.append(
                    Task(
                        owner=user,
                        title="Phone the family about the care plan review",
                        due=TODAY + dt.timedelta(days=pick.randint(-14, 14)),
                        resident_id=pick.choice(team_residents),
                        source=pick.choice(["care_plan", "referral", "review", "meeting"]),
                        created_at=NOW - dt.timedelta(days=pick.randint(0, 120)),
                        done_at=NOW - dt.timedelta(days=1) if done else None,
                    )
                )
    Task.objects.bulk_create(tasks, batch_size=2000)
    notes = [
        RisingRiskNote(
            resident_id=int(rid),
            note="Reviewed: known to the practice, no action",
            snapshot_run_id="run-20261001",
            written_by=pick.choice(everyone),
            written_at=NOW - dt.timedelta(days=pick.randint(0, 60)),
        )
        for rid in rng.choice(np.flatnonzero(pop.rising) + 1, min(3000, int(pop.rising.sum())), replace=False)
    ]
    RisingRiskNote.objects.bulk_create(notes, batch_size=2000)
    say(f"  {len(tasks):,} tasks, {len(notes):,} rising-risk notes")

    # Weekly INC meetings: six past ones discussed, next week's agenda published.
    entries, attendance = [], []
    for team, members, _ in teams:
        if not team.name.endswith("INC"):
            continue
        series = MeetingSeries.objects.create(
            name=f"{team.name} weekly",
            kind="inc",
            team=team,
            schedule="Thursdays 13:00",
            worklist="inc",
            created_at=NOW - dt.timedelta(days=365),
        )
        team_residents = [case.resident_id for case in cases if case.team_id == team.pk]
        for user in members:
            ConfidentialityAgreement.objects.create(series=series, user=user, confirmed_at=NOW - dt.timedelta(days=300))
        for week in range(-6, 2):
            starts = NOW + dt.timedelta(days=7 * week)
            meeting = Meeting.objects.create(
                series=series,
                starts_at=starts,
                status="closed" if week < 0 else "published",
                agenda_published_at=starts - dt.timedelta(days=2),
                worklist_generated_at=starts - dt.timedelta(days=3),
            )
            for position, rid in enumerate(pick.sample(team_residents, 40)):
                on_agenda = position < 15
                entries.append(
                    WorklistEntry(
                        meeting=meeting,
                        resident_id=rid,
                        sources=[{"source": "frequent_ae", "reason": "3 A&E attendances in 12 months"}],
                        status=("discussed" if week < 0 else "agenda") if on_agenda else "not_this_week",
                        position=position if on_agenda else None,
                    )
                )
            if week < 0:
                attendance += [
                    Attendance(meeting=meeting, user=user, role="Member", recorded_at=starts) for user in members[:8]
                ]
    WorklistEntry.objects.bulk_create(entries, batch_size=2000)
    Attendance.objects.bulk_create(attendance, batch_size=2000)
    grants = [
        BreakGlassAccess(
            user=pick.choice(everyone),
            resident_id=int(rng.integers(1, pop.n + 1)),
            reason="urgent_care",
            detail="Resident collapsed at the drop-in",
            granted_at=NOW - dt.timedelta(days=d),
            expires_at=NOW - dt.timedelta(days=d) + dt.timedelta(hours=4),
        )
        for d in rng.integers(1, 120, 400).tolist()
    ]
    BreakGlassAccess.objects.bulk_create(grants, batch_size=2000)
    say(f"  {len(entries):,} worklist entries, {len(grants):,} break-glass grants")


def build(residents: int, database_url: str) -> None:
    with step("migrate"):
        call_command("migrate", verbosity=0)
    with step("reference geography (London LSOAs, PCNs, practices)"):
        load_reference_geography()
    with step(f"generate a population of {residents:,}"):
        pop = Population(residents)
        say(
            f"  {pop.households:,} households, {int(pop.events.sum()):,} timeline events "
            f"(mean {pop.events.mean():.1f}, median {np.median(pop.events):.0f}, p99 "
            f"{np.percentile(pop.events, 99):.0f}, max {pop.events.max()})"
        )
    with step("load residents, households and timeline (COPY, then indexes)"):
        load_population(pop)
    with step("teams, caseloads, plans, referrals, check-ins, consents, tasks, meetings"):
        build_care(pop)
    with step("VACUUM ANALYZE"):
        vacuum(database_url)


def vacuum(database_url: str) -> None:
    """Statistics for the planner and a visibility map for index-only scans, as autovacuum would
    leave a published database; measuring before it runs would time its work too."""
    with psycopg.connect(database_url, autocommit=True) as raw:
        raw.execute("VACUUM ANALYZE")


def row_counts() -> dict[str, int]:
    tables = [
        "residents_resident",
        "residents_household",
        "residents_activityevent",
        "care_case",
        "care_careplan",
        "care_careplanaction",
        "care_careplanversion",
        "care_referral",
        "care_referralevent",
        "care_checkin",
        "care_tierassignment",
        "care_task",
        "care_risingrisknote",
        "governance_consent",
        "governance_objection",
        "governance_contactpreference",
        "governance_breakglassaccess",
        "meetings_worklistentry",
        "directory_team",
        "accounts_user",
        "governance_auditevent",
    ]
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        counts["database bytes"] = cursor.fetchone()[0]
    return counts
