"""Activity across partners: rates per person-year, then dated events.

Each resident has a yearly rate for each kind of contact, the product of an age curve and rate
ratios for conditions, frailty (eFI), deprivation, living situation and the hidden propensity.
Each person-year also draws a shared "bad year" multiplier (gamma, mean 1), so next year's
emergency admissions are predictable from the past but noisy, as in published models (AUROC about
0.75-0.80). Event days follow a winter-peaked seasonal curve. See docs/decisions/0004.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from octopus.synthetic.conditions import CONDITIONS, deprivation_z

RATE_AGES = np.array([0, 5, 16, 30, 50, 65, 75, 85, 95], dtype=np.float64)
# Per person-year, for someone with no recorded condition, average propensity and deprivation.
EMERGENCY = np.array([0.14, 0.04, 0.045, 0.05, 0.065, 0.11, 0.19, 0.33, 0.5])
ELECTIVE = np.array([0.02, 0.02, 0.03, 0.05, 0.10, 0.17, 0.21, 0.18, 0.10])
OUTPATIENT = np.array([0.8, 0.6, 0.7, 1.0, 1.5, 2.2, 2.9, 2.9, 2.2])
AE_NOT_ADMITTED = np.array([0.45, 0.28, 0.3, 0.3, 0.22, 0.2, 0.22, 0.3, 0.4])
# Shape of the gamma(shape, 1/shape) person-year "bad year" factor (mean 1, variance 1/shape):
# the lower, the noisier next year is given the past (see conditions.PROPENSITY_SIGMA).
BAD_YEAR_SHAPE = 8.0
GP = np.array([4.0, 2.0, 2.3, 3.2, 4.2, 5.5, 7.0, 8.5, 9.0])


@dataclass(frozen=True)
class Window:
    """History from `start` (inclusive) to `as_of` (exclusive), in whole years."""

    as_of: np.datetime64
    years: int

    @property
    def start(self) -> np.datetime64:
        return self.as_of - np.timedelta64(365 * self.years, "D")


def curve(knots: np.ndarray, age: np.ndarray) -> np.ndarray:
    return np.exp(np.interp(age, RATE_AGES, np.log(knots)))


def seasonal_days(
    window: Window, count: np.ndarray, amplitude: float, rng: np.random.Generator, year: int
) -> np.ndarray:
    """Day offsets (from window start) for `count.sum()` events in history year `year`."""
    first = year * 365
    days = window.start + np.arange(first, first + 365)
    day_of_year = (days - days.astype("datetime64[Y]")).astype(np.int64)
    weight = 1 + amplitude * np.cos(2 * np.pi * (day_of_year - 15) / 365.25)  # peak mid-January
    cdf = np.cumsum(weight) / weight.sum()
    return first + np.searchsorted(cdf, rng.random(int(count.sum())))


def draw_events(window: Window, rate: np.ndarray, year_factor: np.ndarray, amplitude: float, rng: np.random.Generator):
    """Person index and day offset of events of a Poisson process with per person-year rates."""
    persons, offsets = [], []
    for year in range(window.years):
        count = rng.poisson(rate * year_factor[:, year])
        persons.append(np.repeat(np.arange(len(rate)), count))
        offsets.append(seasonal_days(window, count, amplitude, rng, year))
    return np.concatenate(persons), np.concatenate(offsets)


def emergency_rate(people: dict) -> np.ndarray:
    """Expected emergency admissions per year, before the person-year multiplier."""
    age = people["age"].astype(np.float64)
    rate = curve(EMERGENCY, age)
    for condition in CONDITIONS:
        rate = rate * np.where(people[condition.name], condition.admission_rr, 1.0)
    rate = rate * np.exp(2.2 * people["efi"])
    rate = rate * np.exp(np.log(1.6) / 2 * deprivation_z(people["imd_decile"]))
    rate = rate * np.array([1.0, 1.3, 3.0, 1.4])[people["situation"]]  # private, temporary, homeless, care home
    return rate * people["propensity"]


# ONS National life tables, England 2020-2022: life expectancy at birth 78.8 (men) and 82.8
# (women); with a Gompertz slope of 0.092 a year, a 4-year gap is a rate ratio of about
# exp(4 x 0.092) = 1.4.
MALE_MORTALITY_RR = 1.4
# ONS, "Health state life expectancies by national deprivation deciles, England: 2018 to 2020":
# 9.7 (men) and 7.9 (women) years between the most and least deprived deciles, a rate ratio of
# about exp(8.8 x 0.092) = 2.2. Conditions, frailty and propensity already rise with deprivation
# (conditions.deprivation_z); this factor is the rest, chosen so that the synthetic gap comes
# out near the published one (docs/decisions/0040).
DEPRIVATION_MORTALITY_RR = 1.8


def death_dates(people: dict, window: Window, rng: np.random.Generator) -> np.ndarray:
    """Date of death within the window (NaT for survivors).

    Gompertz hazard (England life tables: about 1% a year at 70, 10% at 90), raised by
    conditions, frailty and propensity, and by sex and deprivation beyond what the conditions
    carry (see the constants), so that life expectancy differs between deciles and sexes about
    as it does in England.
    """
    age = people["age"].astype(np.float64)
    hazard = np.exp(-10.4 + 0.092 * age) * (1 + 0.25 * people["ltc_count"])
    hazard *= np.exp(2.0 * people["efi"]) * people["propensity"] ** 0.3
    hazard *= np.where(people["cancer"], 2.0, 1.0)
    # Centred on 1 so the number of deaths stays about the same: men's rate is MALE_MORTALITY_RR
    # times women's, the most deprived decile's DEPRIVATION_MORTALITY_RR times the least's.
    hazard *= np.where(people["female"], 1 / np.sqrt(MALE_MORTALITY_RR), np.sqrt(MALE_MORTALITY_RR))
    hazard *= np.exp(np.log(DEPRIVATION_MORTALITY_RR) / 2 * deprivation_z(people["imd_decile"]))
    # Age is as at the as-of date, so deaths are drawn as if the dead had aged along with everyone.
    p_die = 1 - np.exp(-np.minimum(hazard, 2.0) * window.years)
    dies = rng.random(len(age)) < p_die
    offset = seasonal_days_flat(window, int(dies.sum()), 0.15, rng)
    out = np.full(len(age), np.datetime64("NaT"), dtype="datetime64[D]")
    out[dies] = window.start + offset
    return out


def seasonal_days_flat(window: Window, count: int, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    days = window.start + np.arange(365 * window.years)
    day_of_year = (days - days.astype("datetime64[Y]")).astype(np.int64)
    weight = 1 + amplitude * np.cos(2 * np.pi * (day_of_year - 15) / 365.25)
    cdf = np.cumsum(weight) / weight.sum()
    return np.searchsorted(cdf, rng.random(count))


def length_of_stay(age: np.ndarray, emergency: bool, rng: np.random.Generator) -> np.ndarray:
    """Nights in hospital: many same-day stays, a long tail for older people (HES 2023-24)."""
    n = len(age)
    if emergency:
        median = 1.5 + age / 14
        same_day = rng.random(n) < np.where(age < 65, 0.32, 0.15)
        spread = 0.95
    else:
        median = 2.0 + age / 40
        same_day = rng.random(n) < 0.78  # most elective care is day case
        spread = 0.7
    nights = np.ceil(rng.lognormal(np.log(median), spread)).astype(np.int64)
    return np.where(same_day, 0, np.minimum(nights, 365))


def clock(rng: np.random.Generator, n: int, peak_hour: float = 13, spread: float = 5) -> np.ndarray:
    """Seconds after midnight, busiest around `peak_hour` as A&E arrivals are."""
    hours = np.mod(rng.normal(peak_hour, spread, n), 24)
    return (hours * 3600).astype(np.int64)


def concat(*parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Events of several kinds as one table (same columns in each part)."""
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def generate_activity(people: dict, window: Window, rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    """Every event of the chunk, by kind; `person` indexes rows of `people`."""
    n = len(people["age"])
    age = people["age"].astype(np.float64)
    death = people["date_of_death"]
    death_offset = np.where(np.isnat(death), 10**6, (death - window.start).astype("timedelta64[D]").astype(np.int64))
    birth_offset = (people["date_of_birth"] - window.start).astype("timedelta64[D]").astype(np.int64)
    prop = people["propensity"]
    ltc = people["ltc_count"]
    efi = people["efi"]
    dep = deprivation_z(people["imd_decile"])
    year_factor = rng.gamma(BAD_YEAR_SHAPE, 1 / BAD_YEAR_SHAPE, (n, window.years))
    events: dict[str, dict[str, np.ndarray]] = {}

    # Rates are per person-year of the whole window; a child born during it has no events before birth.
    def alive(person, offset):
        keep = (offset <= death_offset[person]) & (offset >= birth_offset[person])
        return person[keep], offset[keep]

    # Emergency admissions, most through A&E, many by ambulance.
    person, offset = alive(*draw_events(window, emergency_rate(people), year_factor, 0.18, rng))
    los = length_of_stay(age[person], True, rng)
    # The dying often die in hospital: about 45% of deaths in England (ONS place of death).
    dead = np.flatnonzero(~np.isnat(death) & (rng.random(n) < 0.45))
    terminal_los = length_of_stay(age[dead], True, rng) + 1
    person = np.concatenate([person, dead])
    terminal_start = np.maximum(death_offset[dead] - terminal_los, np.maximum(birth_offset[dead], 0))
    offset = np.concatenate([offset, terminal_start])
    los = np.concatenate([los, death_offset[dead] - terminal_start])
    died = np.concatenate([np.zeros(len(los) - len(dead), bool), np.ones(len(dead), bool)])
    emergency = {"person": person, "day": offset, "los": los, "died": died, "emergency": np.ones(len(person), bool)}
    elective_person, elective_offset = alive(
        *draw_events(
            window,
            curve(ELECTIVE, age) * np.where(people["cancer"], 3.0, 1.0) * 1.1**ltc * prop**0.3,
            np.ones_like(year_factor),
            0.0,
            rng,
        )
    )
    elective = {
        "person": elective_person,
        "day": elective_offset,
        "los": length_of_stay(age[elective_person], False, rng),
        "died": np.zeros(len(elective_person), bool),
        "emergency": np.zeros(len(elective_person), bool),
    }
    spells = concat(emergency, elective)
    spells["arrival_seconds"] = clock(rng, len(spells["person"]))
    events["apc_spells"] = spells

    # A&E: 80% of emergency admissions arrive through A&E; plus attendances sent home.
    through_ae = rng.random(len(emergency["person"])) < 0.8
    ae_person, ae_offset = alive(
        *draw_events(window, curve(AE_NOT_ADMITTED, age) * prop**0.8 * np.exp(0.2 * dep), year_factor, 0.08, rng)
    )
    ae = concat(
        {
            "person": emergency["person"][through_ae],
            "day": emergency["day"][through_ae],
            "admitted": np.ones(int(through_ae.sum()), bool),
        },
        {"person": ae_person, "day": ae_offset, "admitted": np.zeros(len(ae_person), bool)},
    )
    count = len(ae["person"])
    p_ambulance = np.clip(0.12 + 0.006 * age[ae["person"]], 0, 0.75) * np.where(ae["admitted"], 1.6, 0.6)
    ae["ambulance"] = rng.random(count) < np.clip(p_ambulance, 0, 0.9)
    ae["arrival_seconds"] = clock(rng, count)
    ae["minutes"] = np.ceil(rng.lognormal(np.log(200), 0.5, count)).astype(np.int64)
    events["ae_attendances"] = ae

    # LAS: every ambulance arrival was a conveyed incident; hear-and-treat and see-and-treat
    # add about as many again (LAS 2023-24: ~60% of incidents conveyed).
    conveyed = ae["ambulance"]
    extra_person, extra_offset = alive(
        *draw_events(window, 0.1 * curve(EMERGENCY, age) * prop * (1 + 0.3 * ltc), year_factor, 0.12, rng)
    )
    # outcome: 0 conveyed, 1 hear and treat, 2 see and treat
    las = concat(
        {
            "person": ae["person"][conveyed],
            "day": ae["day"][conveyed],
            "seconds": np.maximum(ae["arrival_seconds"][conveyed] - 2400, 0),
            "outcome": np.zeros(int(conveyed.sum()), np.int64),
        },
        {
            "person": extra_person,
            "day": extra_offset,
            "seconds": clock(rng, len(extra_person), 14, 6),
            "outcome": np.where(rng.random(len(extra_person)) < 0.4, 1, 2),
        },
    )
    events["las_incidents"] = las

    op_person, op_offset = alive(
        *draw_events(window, curve(OUTPATIENT, age) * (1 + 0.25 * ltc) * prop**0.4, np.sqrt(year_factor), 0.0, rng)
    )
    events["op_attendances"] = {"person": op_person, "day": op_offset}

    registered = people["practice_index"] >= 0
    gp_rate = curve(GP, age) * (1 + 0.15 * ltc) * prop**0.3 * registered
    gp_person, gp_offset = alive(*draw_events(window, gp_rate, np.ones_like(year_factor), 0.1, rng))
    # A fortnight of future bookings, as an extract on the as-of date shows.
    future_person = np.flatnonzero(registered & (rng.random(n) < gp_rate / 26) & np.isnat(death))
    future_offset = 365 * window.years + rng.integers(0, 14, len(future_person))
    events["gp_appointments"] = {
        "person": np.concatenate([gp_person, future_person]),
        "day": np.concatenate([gp_offset, future_offset]),
        "future": np.concatenate([np.zeros(len(gp_person), bool), np.ones(len(future_person), bool)]),
    }

    # Community health: frail, housebound and dying people, in episodes of regular visits.
    p_community = 1 / (1 + np.exp(-(-8.0 + 0.06 * age + 7 * efi + 0.6 * np.log(prop))))
    community_rate = np.where(rng.random(n) < p_community, rng.gamma(1.5, 8, n), 0.0)
    c_person, c_offset = alive(*draw_events(window, community_rate, year_factor, 0.1, rng))
    events["community_contacts"] = {"person": c_person, "day": c_offset}

    # Mental health: people with SMI in community teams, crises; talking therapies for depression.
    smi = people["smi"]
    depression = people["depression"]
    mh_rate = np.where(smi, 8.0, 0) + np.where(depression & (rng.random(n) < 0.25), 2.0, 0)
    m_person, m_offset = alive(*draw_events(window, mh_rate * prop**0.5, year_factor, 0.0, rng))
    crisis_person, crisis_offset = alive(*draw_events(window, np.where(smi, 0.25, 0.01) * prop, year_factor, 0.05, rng))
    # A crisis is a few days of crisis-team contact.
    repeats = rng.integers(2, 7, len(crisis_person))
    crisis_person = np.repeat(crisis_person, repeats)
    crisis_offset = np.repeat(crisis_offset, repeats) + (
        np.arange(repeats.sum()) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    )
    crisis_person, crisis_offset = alive(crisis_person, np.minimum(crisis_offset, 365 * window.years - 1))
    events["mh_contacts"] = {
        "person": np.concatenate([m_person, crisis_person]),
        "day": np.concatenate([m_offset, crisis_offset]),
        "crisis": np.concatenate([np.zeros(len(m_person), bool), np.ones(len(crisis_person), bool)]),
    }
    s_person, s_offset = alive(*draw_events(window, np.where(smi, 0.05, 0.0005) * prop, year_factor, 0.0, rng))
    events["mh_spells"] = {
        "person": s_person,
        "day": s_offset,
        "los": np.ceil(rng.lognormal(np.log(28), 0.8, len(s_person))).astype(np.int64),
    }

    # VCSE: more in deprived areas, for people living alone and older people.
    p_vcse = 1 / (1 + np.exp(-(-3.4 + 0.6 * dep + 0.6 * people["living_alone"] + 0.4 * (age >= 65) - 3 * (age < 16))))
    v_rate = np.where(rng.random(n) < p_vcse, rng.gamma(1.2, 1.5, n), 0.0)
    v_person, v_offset = alive(*draw_events(window, v_rate, np.ones_like(year_factor), 0.1, rng))
    events["vcse_contacts"] = {"person": v_person, "day": v_offset}
    return events
