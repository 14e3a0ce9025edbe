"""Long-term conditions, frailty, risk factors and the hidden propensity to use acute care.

Prevalence is set at age knots and interpolated on the logit scale, then shifted by deprivation
(an odds ratio between the most and least deprived IMD deciles) and by a latent "health" factor
shared across conditions, so multimorbidity clusters as it does in real registers. The knots are
rounded from QOF 2023-24 register prevalence by age where published and from the studies cited
in docs/decisions/0004-synthetic-london.md; the aim is plausible shape, not a forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from octopus.synthetic import rows
from octopus.synthetic.households import CARE_HOME

AGE_KNOTS = np.array([0, 18, 30, 45, 60, 75, 90], dtype=np.float64)


@dataclass(frozen=True)
class Condition:
    name: str
    snomed_list: str  # shipped code list (file stem) whose codes record the diagnosis
    icd10_list: str | None  # shipped ICD-10 list used for hospital diagnoses, if any
    prevalence: tuple[float, ...]  # at AGE_KNOTS
    deprivation_or: float  # odds ratio, most vs least deprived decile
    admission_rr: float  # rate ratio for emergency admission
    efi_deficit: str | None  # the eFI deficit the diagnosis also counts as


# One condition to two lines: name and code lists; prevalence at the age knots, odds ratio, rate ratio, eFI deficit.
# fmt: off
CONDITIONS: tuple[Condition, ...] = (
    Condition("hypertension", "pcd_hyp_cod", None,
              (0, 0.004, 0.02, 0.08, 0.25, 0.48, 0.62), 1.3, 1.05, "Hypertension"),
    Condition("diabetes", "pcd_dm_cod", "icd10_type-2-diabetes_secondary_care",
              (0.001, 0.004, 0.012, 0.05, 0.13, 0.20, 0.19), 2.0, 1.3, "Diabetes"),
    Condition("asthma", "pcd_ast_cod", "icd10_asthma_secondary_care",
              (0.05, 0.07, 0.065, 0.065, 0.07, 0.08, 0.07), 1.3, 1.15, "Respiratory disease"),
    Condition("copd", "pcd_copd_cod", "icd10_copd_admission",
              (0, 0, 0.001, 0.006, 0.03, 0.07, 0.08), 2.8, 1.9, "Respiratory disease"),
    Condition("chd", "pcd_chd_cod", "icd10_coronary-heart-disease_secondary_care",
              (0, 0, 0.001, 0.008, 0.04, 0.11, 0.16), 1.8, 1.3, "Ischaemic heart disease"),
    Condition("af", "pcd_afib_cod", None,
              (0, 0, 0.001, 0.003, 0.015, 0.07, 0.14), 1.0, 1.3, "Atrial fibrillation"),
    Condition("stroke", "pcd_strk_cod", "icd10_stroke-and-tia_secondary_care",
              (0, 0, 0.002, 0.005, 0.02, 0.06, 0.10), 1.6, 1.4, "Cerebrovascular disease"),
    Condition("heart_failure", "pcd_hf_cod", "icd10_heart-failure_secondary_care",
              (0, 0, 0.0005, 0.002, 0.008, 0.03, 0.08), 1.7, 2.0, "Heart failure"),
    Condition("ckd", "pcd_ckd_cod", "icd10_chronic-kidney-disease_secondary_care",
              (0, 0, 0.002, 0.006, 0.03, 0.12, 0.28), 1.4, 1.4, "Chronic kidney disease"),
    Condition("dementia", "pcd_dem_cod", "icd10_dementia_secondary_care",
              (0, 0, 0, 0.0005, 0.004, 0.03, 0.15), 1.3, 1.6, "Memory and cognitive problems"),
    Condition("depression", "pcd_depr_cod", "icd10_depression_secondary_care",
              (0, 0.05, 0.11, 0.13, 0.13, 0.11, 0.10), 1.6, 1.2, None),
    Condition("smi", "pcd_mh_cod", None,
              (0, 0.004, 0.009, 0.012, 0.012, 0.009, 0.008), 2.2, 1.6, None),
    Condition("cancer", "pcd_c19can_cod", None,
              (0.001, 0.002, 0.005, 0.015, 0.04, 0.09, 0.12), 1.0, 1.6, None),
    Condition("learning_disability", "pcd_ld_cod", None,
              (0.004, 0.006, 0.006, 0.005, 0.004, 0.002, 0.001), 1.3, 1.5, None),
    Condition("epilepsy", "pcd_epil_cod", "icd10_epilepsy_secondary_care",
              (0.004, 0.006, 0.008, 0.009, 0.009, 0.01, 0.01), 1.5, 1.4, None),
)
# fmt: on
CONDITION_NAMES = tuple(condition.name for condition in CONDITIONS)

# eFI (Clegg et al., Age Ageing 2016): 36 deficits; fit < 0.12 <= mild < 0.24 <= moderate < 0.36 <= severe.
EFI_DEFICITS = 36

# The hidden propensity: log-normal spread, and its correlation with latent health. Together
# with the person-year "bad year" factor in `activity` these set how predictable next year's
# emergency admissions are (tuned so a prior-year model reaches AUROC about 0.75-0.80).
PROPENSITY_SIGMA = 1.5
PROPENSITY_HEALTH = 0.7


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def deprivation_z(decile: np.ndarray) -> np.ndarray:
    """+1 in the most deprived IMD decile, -1 in the least, linear between."""
    return (5.5 - decile.astype(np.float64)) / 4.5


def assign_conditions(residents: dict, as_of: np.datetime64, rng: np.random.Generator) -> dict:
    """Add latent health, the hidden propensity, each condition and its diagnosis date, and eFI."""
    age = residents["age"].astype(np.float64)
    n = len(age)
    dep = deprivation_z(residents["imd_decile"])
    health = rng.normal(0, 1, n)
    # Hidden propensity to use urgent care: partly the same latent health the conditions
    # share (so conditions predict it), partly independent (so no model can see all of it).
    # Log-normal with mean 1.
    log_prop = PROPENSITY_SIGMA * (PROPENSITY_HEALTH * health + np.sqrt(1 - PROPENSITY_HEALTH**2) * rng.normal(0, 1, n))
    propensity = np.exp(log_prop - PROPENSITY_SIGMA**2 / 2)
    residents["latent_health"] = health.round(4)
    residents["propensity"] = propensity.round(5)
    deficits = np.zeros(n, dtype=np.int64)
    ltc = np.zeros(n, dtype=np.int64)
    for condition in CONDITIONS:
        base = logit(np.interp(age, AGE_KNOTS, np.array(condition.prevalence) + 1e-7))
        score = base + np.log(condition.deprivation_or) / 2 * dep + 0.45 * health - 0.1
        has = rng.random(n) < 1 / (1 + np.exp(-score))
        residents[condition.name] = has
        # Diagnosed some years ago, never before age 1 (learning disability is lifelong).
        years_since = np.minimum(rng.exponential(6, n), np.maximum(age - 1, 0) * rng.random(n))
        residents[f"{condition.name}_since"] = as_of - (years_since * 365.25).astype("timedelta64[D]")
        if condition.efi_deficit:
            deficits += has
        ltc += has
    # Deficits not tied to a listed condition (falls, mobility, vision, incontinence ...):
    # rising steeply after 60 and with latent health.
    other_mean = np.exp(-4.2 + 0.075 * np.clip(age - 20, 0, None) + 0.5 * health + 0.15 * dep)
    deficits = np.minimum(deficits + rng.poisson(other_mean), EFI_DEFICITS)
    residents["efi_deficits"] = deficits
    residents["efi"] = (deficits / EFI_DEFICITS).round(4)
    residents["ltc_count"] = ltc
    return residents


def assign_care_homes(residents: dict, care_homes: pd.DataFrame, rng: np.random.Generator) -> dict:
    """Move the frailest older residents into a care home of their borough.

    About 3% of over-65s in England live in care homes (ONS Census 2021, "Older people living in
    care homes"), most over 85, many with dementia.
    """
    age = residents["age"]
    score = -9.5 + 0.085 * np.clip(age, 0, 105) + 1.6 * residents["dementia"] + 4.0 * residents["efi"]
    in_home = (age >= 65) & (rng.random(len(age)) < 1 / (1 + np.exp(-score)))
    borough = residents["borough_index"]
    home_index = np.full(len(age), -1, dtype=np.int64)
    home_borough = care_homes["borough_index"].to_numpy()
    for code in np.unique(borough[in_home]):
        candidates = np.flatnonzero(home_borough == code)
        mask = in_home & (borough == code)
        home_index[mask] = candidates[rng.integers(0, len(candidates), int(mask.sum()))]
    safe = pa.array(np.maximum(home_index, 0))
    flag = pa.array(in_home)
    residents["situation"] = np.where(in_home, CARE_HOME, residents["situation"]).astype(np.int8)
    residents["address_line"] = pc.if_else(
        flag, rows.vocabulary(care_homes["care_home_name"]).take(safe), residents["address_line"]
    )
    residents["postcode"] = pc.if_else(flag, rows.vocabulary(care_homes["postcode"]).take(safe), residents["postcode"])
    residents["household_id"] = np.where(in_home, -1 - home_index, residents["household_id"])
    residents["living_alone"] = residents["living_alone"] & ~in_home
    residents["care_home_index"] = home_index
    return residents


# The letters a postcode's inward code uses: never C, I, K, M, O or V.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def make_care_homes(area, outward: np.ndarray, seed: int) -> pd.DataFrame:
    """Synthetic care homes, about one per 700 residents over 65 of each borough."""
    rng = np.random.default_rng([seed, 77])
    homes = []
    first = ("Oak", "Willow", "Cedar", "Rose", "Lavender", "Beech", "Maple", "Ash", "Holly", "Elm", "Park", "River",
             "Abbey", "Heath")  # fmt: skip
    second = ("Lodge", "House", "Court", "Gardens", "Manor", "View", "Grange")
    lsoas = area.lsoas.assign(borough_index=area.borough_of_lsoa)
    for borough, group in lsoas.groupby("borough_index", sort=True):
        count = max(3, int(group["age_65_plus"].sum() / 700))
        lsoa_rows = rng.choice(group.index.to_numpy(), size=count)
        for lsoa in lsoa_rows:
            inward = f"{rng.integers(1, 10)}{INWARD_LETTERS[rng.integers(20)]}{INWARD_LETTERS[rng.integers(20)]}"
            homes.append(
                {
                    "borough_index": borough,
                    "lsoa_index": int(lsoa),
                    "care_home_name": (
                        f"{first[rng.integers(len(first))]} {second[rng.integers(len(second))]} Care Home"
                    ),
                    "care_home_cqc_location_id": f"1-{rng.integers(10**9, 10**10)}",
                    "care_home_type": "nursing" if rng.random() < 0.4 else "residential",
                    "postcode": f"{outward[lsoa]} {inward}",
                }
            )
    return pd.DataFrame(homes)
