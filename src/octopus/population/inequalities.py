"""The Westminster plan's inequality indicators, pre-aggregated for the Inequalities page.

Counts only, by indicator, breakdown (IMD quintile, ethnic group, sex, age band, PCN, practice),
group and European Standard Population 2013 age band (0-4 ... 90+), so that the page can show
crude values, directly age-standardised rates and the slope index of inequality from a table of
a few thousand rows instead of reading every resident (``inequalities.parquet`` in the
snapshot). One Ibis expression: the same counts on DuckDB and Spark. Residents with a standing
objection to secondary use (``analytics_excluded``) are left out, as from every population
figure (decision 0023). Nothing here identifies anyone; disclosure control is applied where the
counts are shown (``insights.inequalities``).

The indicators come from the Westminster INT plan's inequality list; the prevention ones are the
statuses the pipeline computes from ``config/prevention.yaml`` (decision 0021), whose coverage
windows are the national coverage measures (PHOF C24a-d for screening). Each carries its
definition and reference below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import pandas as pd

from octopus import reference

PROPORTION, RATE = "proportion", "rate"
NOT_KNOWN = "Not known"


def _one_if(condition: ibis.BooleanValue) -> ibis.IntegerValue:
    return condition.fill_null(False).ifelse(1, 0)


def _status(column: str, also: Callable = lambda t: ibis.literal(True)) -> tuple[Callable, Callable]:
    """Coverage from a programme's status: up to date of everyone eligible (declined counts in the
    denominator, as in the national coverage measures). ``also`` narrows who is counted."""

    def eligible(t):
        return t[column].notnull() & (t[column] != "not_eligible") & also(t)

    return (lambda t: _one_if(eligible(t) & (t[column] == "up_to_date"))), (lambda t: _one_if(eligible(t)))


@dataclass(frozen=True)
class Indicator:
    name: str
    title: str
    kind: str  # PROPORTION (numerator of denominator) or RATE (events per resident)
    # residents table -> an integer per resident, summed over each group: 1/0 for "counted",
    # or a count of events (admissions; discharges and readmissions for readmission).
    numerator: Callable
    denominator: Callable
    unit: str
    definition: str
    source: str
    reference: str
    # Rates are directly age-standardised (ESP2013) where age differs between groups.
    standardise: bool = False
    per: int = 100


def _screening(name: str, title: str, programme: str, who: str, window: str, phof: str) -> Indicator:
    done, eligible = _status(f"{programme}_status")
    return Indicator(
        name,
        title,
        PROPORTION,
        done,
        eligible,
        "%",
        f"Residents {who} screened within the last {window}, of all residents eligible.",
        f"GP record ({programme.replace('_', ' ')} codes), prevention rules in config/prevention.yaml.",
        f"Coverage as in the Public Health Outcomes Framework indicator {phof}; programme rules and their "
        "references in config/prevention.yaml (decision 0021).",
    )


def _indicators() -> tuple[Indicator, ...]:
    health_check_done, health_check_eligible = _status("nhs_health_check_status")
    mmr_done, mmr_eligible = _status("mmr_vaccination_status")
    diabetes_done, diabetes_eligible = _status("diabetes_care_processes_status")
    flu_65_done, flu_65_eligible = _status("flu_vaccination_status", lambda t: t.age >= 65)
    flu_risk_done, flu_risk_eligible = _status("flu_vaccination_status", lambda t: t.age < 65)
    return (
        _screening(
            "bowel_screening",
            "Bowel cancer screening coverage",
            "bowel_screening",
            "aged 50 to 74",
            "30 months",
            "C24d",
        ),
        _screening(
            "breast_screening",
            "Breast screening coverage",
            "breast_screening",
            "registered female aged 50 to 70",
            "36 months",
            "C24a",
        ),
        _screening(
            "cervical_screening",
            "Cervical screening coverage",
            "cervical_screening",
            "registered female aged 25 to 64",
            "3.5 years (25-49) or 5.5 years (50-64)",
            "C24b/C24c",
        ),
        Indicator(
            "nhs_health_check",
            "NHS Health Check in the last 5 years",
            PROPORTION,
            health_check_done,
            health_check_eligible,
            "%",
            "Residents aged 40 to 74 without a vascular condition who had an NHS Health Check in the "
            "last 5 years, of all eligible.",
            "GP record (NHS Health Check codes).",
            "OHID NHS Health Check programme (eligibility in config/prevention.yaml). The national "
            "indicator is uptake of those invited; invitations are not in the GP feed.",
        ),
        Indicator(
            "flu_65_plus",
            "Flu vaccination, aged 65 and over",
            PROPORTION,
            flu_65_done,
            flu_65_eligible,
            "%",
            "Residents aged 65 or over on the as-of date vaccinated against flu this season, of all "
            "eligible. Outside the season (April to August) nobody is eligible and the indicator is empty.",
            "GP record (PCD FLU_COD).",
            "UKHSA Green Book ch. 19 and the annual flu letter; cf. UKHSA seasonal flu uptake, 65+.",
        ),
        Indicator(
            "flu_at_risk",
            "Flu vaccination, under 65 at clinical risk",
            PROPORTION,
            flu_risk_done,
            flu_risk_eligible,
            "%",
            "Residents aged 18 to 64 in a clinical risk group (as far as the pipeline's condition flags "
            "reach) vaccinated this season, of all eligible. Residents turning 65 by 31 March count here.",
            "GP record (PCD FLU_COD) and long-term condition flags.",
            "UKHSA Green Book ch. 19, table 19.4; cf. UKHSA seasonal flu uptake, under 65 at risk.",
        ),
        Indicator(
            "childhood_immunisations",
            "Childhood immunisations (MMR doses due)",
            PROPORTION,
            mmr_done,
            mmr_eligible,
            "%",
            "Residents aged 1 to 18 with every MMR dose due for their age (1 dose from 12 months, 2 "
            "from 3 years 4 months), of all aged 1 to 18.",
            "GP record (MMR vaccination codes).",
            "UKHSA routine immunisation schedule; cf. COVER and PHOF C10 (MMR coverage).",
        ),
        Indicator(
            "diabetes_care_processes",
            "Diabetes: all 8 care processes",
            PROPORTION,
            diabetes_done,
            diabetes_eligible,
            "%",
            "Residents with diabetes who had all 8 care processes in the last 12 months, of all "
            "residents with diabetes.",
            "GP record (care process codes).",
            "NICE NG28/NG17 and the National Diabetes Audit's 8 care processes.",
        ),
        Indicator(
            "emergency_readmissions",
            "Emergency readmission within 30 days",
            PROPORTION,
            lambda t: t.emergency_readmissions_30_days,
            lambda t: t.readmission_index_discharges,
            "%",
            "Hospital discharges (alive, not transfers, not maternity) in the 12 months ending 30 days "
            "before the as-of date that were followed by an emergency admission within 30 days, of all "
            "such discharges. Crude, not standardised.",
            "Hospital spells (apc_spells feed).",
            "NHS Digital, NHS Outcomes Framework 3b / Compendium: emergency readmissions within 30 days "
            "of discharge (which also excludes cancer spells and is indirectly standardised).",
        ),
        Indicator(
            "emergency_admissions",
            "Emergency admissions per 1,000 residents",
            RATE,
            lambda t: t.emergency_admissions,
            lambda t: _one_if(t.person_id.notnull()),
            "per 1,000",
            "Emergency hospital admissions (spells) in the 12 months to the as-of date per 1,000 "
            "residents, directly age-standardised to the European Standard Population 2013.",
            "Hospital spells (apc_spells feed), residents of the snapshot.",
            "Rates and DSRs as in OHID Fingertips technical guidance (Dobson's interval).",
            standardise=True,
            per=1000,
        ),
        Indicator(
            "ae_attendances",
            "A&E attendances per 1,000 residents",
            RATE,
            lambda t: t.ae_attendances,
            lambda t: _one_if(t.person_id.notnull()),
            "per 1,000",
            "A&E attendances in the 12 months to the as-of date per 1,000 residents, directly "
            "age-standardised to the European Standard Population 2013.",
            "A&E attendances (ae_attendances feed), residents of the snapshot.",
            "Rates and DSRs as in OHID Fingertips technical guidance (Dobson's interval).",
            standardise=True,
            per=1000,
        ),
    )


INDICATORS: tuple[Indicator, ...] = _indicators()
# The columns of residents.parquet the aggregation reads.
COLUMNS = (
    "person_id",
    "analytics_excluded",
    "age",
    "age_band",
    "sex",
    "ethnicity_group",
    "imd_quintile",
    "practice_ods_code",
    "emergency_admissions",
    "ae_attendances",
    "readmission_index_discharges",
    "emergency_readmissions_30_days",
    "bowel_screening_status",
    "breast_screening_status",
    "cervical_screening_status",
    "nhs_health_check_status",
    "flu_vaccination_status",
    "mmr_vaccination_status",
    "diabetes_care_processes_status",
)
BY_NAME = {i.name: i for i in INDICATORS}

# Breakdowns, in the order the page offers them: (name, title).
BREAKDOWNS = (
    ("imd_quintile", "IMD 2025 quintile"),
    ("ethnic_group", "Ethnic group"),
    ("sex", "Sex"),
    ("age_band", "Age band"),
    ("pcn", "Primary care network"),
    ("practice", "GP practice"),
)


def _pcns() -> ibis.Table:
    practices = reference.practices()[["practice_code", "pcn_name"]].dropna()
    return ibis.memtable(practices.rename(columns={"practice_code": "ineq_practice", "pcn_name": "ineq_pcn"}))


def _groups(table: ibis.Table) -> dict[str, ibis.StringValue]:
    return {
        "imd_quintile": table.imd_quintile.cast("string").fill_null(NOT_KNOWN),
        "ethnic_group": table.ethnicity_group.fill_null(NOT_KNOWN),
        "sex": table.sex.fill_null(NOT_KNOWN),
        "age_band": table.age_band.fill_null(NOT_KNOWN),
        "pcn": table.ineq_pcn.fill_null(NOT_KNOWN),
        "practice": table.practice_ods_code.fill_null("No practice recorded"),
    }


def inequality_counts(residents: ibis.Table) -> ibis.Table:
    """Wide counts: breakdown, group, esp_band and ``<indicator>__numerator`` /
    ``<indicator>__denominator`` per indicator. :func:`long_counts` turns them long."""
    table = residents.filter(~residents.analytics_excluded.fill_null(False))
    pcns = _pcns()
    table = table.left_join(pcns, table.practice_ods_code == pcns.ineq_practice)
    esp_band = ibis.least(table.age // 5, 18).cast("int64")
    measures = {}
    for indicator in INDICATORS:
        numerator, denominator = indicator.numerator(table), indicator.denominator(table)
        measures[f"{indicator.name}__numerator"] = numerator.fill_null(0).cast("int64").sum().cast("int64")
        measures[f"{indicator.name}__denominator"] = denominator.fill_null(0).cast("int64").sum().cast("int64")
    parts = []
    for name, group in _groups(table).items():
        keyed = table.mutate(ineq_group=group, esp_band=esp_band)
        parts.append(
            keyed.group_by(["ineq_group", "esp_band"])
            .aggregate(**measures)
            .mutate(breakdown=ibis.literal(name))
            .rename(group="ineq_group")
        )
    return ibis.union(*parts)


def long_counts(wide: pd.DataFrame) -> pd.DataFrame:
    """indicator, breakdown, group, esp_band, numerator, denominator (rows with a denominator)."""
    frames = []
    for indicator in INDICATORS:
        part = wide[["breakdown", "group", "esp_band"]].copy()
        part["numerator"] = wide[f"{indicator.name}__numerator"].fillna(0).astype("int64")
        part["denominator"] = wide[f"{indicator.name}__denominator"].fillna(0).astype("int64")
        part.insert(0, "indicator", indicator.name)
        frames.append(part[part["denominator"] > 0])
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    result["esp_band"] = result["esp_band"].fillna(-1).astype("int64")  # -1: age not known
    return result.sort_values(["indicator", "breakdown", "group", "esp_band"], ignore_index=True)
