"""Long-term conditions and other coded flags from the GP record.

Each condition is a list of SNOMED CT codes from the NHS England primary care domain reference
sets used by QOF (``pcd_*_cod.csv``; see the code lists' PROVENANCE.md for versions). A
condition is present when it was ever recorded on or before the as-of date and, where QOF has
a "resolved" cluster, the latest diagnosis is later than the latest resolved code (the QOF
business-rule convention). Placeholder dates (1900-01-01) still count: the code was recorded.

Hospital diagnoses count too: an ICD-10 code from the condition's secondary-care list
(``icd10_*_secondary_care.csv``, OpenCodelists) in a spell's primary or secondary diagnoses,
admitted on or before the as-of date, is a diagnosis dated the admission date. It enters the
same rule, so a condition is present if the GP record *or* a hospital spell diagnosed it, unless
a GP "resolved" code is later than every diagnosis. Diagnoses are matched without dots and in
upper case, as a prefix (``J45`` matches ``J45.0``), like the HFRS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import ibis
import pandas as pd

from octopus.population.coded_lists import codes_of, matching_code
from octopus.population.codelists import read_codelist
from octopus.population.features.periods import Period, bit_count, bit_or
from octopus.population.linked import LinkedExtract


@dataclass(frozen=True)
class CodedCondition:
    name: str
    label: str
    codelists: tuple[str, ...]
    resolved: tuple[str, ...] = ()
    long_term: bool = True
    icd10: tuple[str, ...] = ()


CONDITIONS: tuple[CodedCondition, ...] = (
    CodedCondition(
        "asthma", "asthma", ("pcd_ast_cod.csv",), ("pcd_astres_cod.csv",), icd10=("icd10_asthma_secondary_care.csv",)
    ),
    CodedCondition(
        "copd", "COPD", ("pcd_copd_cod.csv",), ("pcd_copdres_cod.csv",), icd10=("icd10_copd_admission.csv",)
    ),
    CodedCondition(
        "chd",
        "coronary heart disease",
        ("pcd_chd_cod.csv",),
        icd10=("icd10_coronary-heart-disease_secondary_care.csv",),
    ),
    CodedCondition(
        "stroke_tia",
        "stroke or TIA",
        ("pcd_strk_cod.csv", "pcd_tia_cod.csv"),
        icd10=("icd10_stroke-and-tia_secondary_care.csv",),
    ),
    CodedCondition(
        "heart_failure",
        "heart failure",
        ("pcd_hf_cod.csv",),
        ("pcd_hfres_cod.csv",),
        icd10=("icd10_heart-failure_secondary_care.csv",),
    ),
    CodedCondition("atrial_fibrillation", "atrial fibrillation", ("pcd_afib_cod.csv",)),
    CodedCondition("hypertension", "hypertension", ("pcd_hyp_cod.csv",), ("pcd_hypres_cod.csv",)),
    CodedCondition(
        "diabetes",
        "diabetes",
        ("pcd_dm_cod.csv",),
        ("pcd_dmres_cod.csv",),
        icd10=("icd10_type-1-diabetes_secondary_care.csv", "icd10_type-2-diabetes_secondary_care.csv"),
    ),
    # CKD_COD is QOF's stage 3-5 cluster.
    CodedCondition(
        "ckd",
        "chronic kidney disease (stage 3-5)",
        ("pcd_ckd_cod.csv",),
        ("pcd_ckdres_cod.csv",),
        icd10=("icd10_chronic-kidney-disease_secondary_care.csv",),
    ),
    CodedCondition("dementia", "dementia", ("pcd_dem_cod.csv",), icd10=("icd10_dementia_secondary_care.csv",)),
    CodedCondition(
        "epilepsy",
        "epilepsy",
        ("pcd_epil_cod.csv",),
        ("pcd_epilres_cod.csv",),
        icd10=("icd10_epilepsy_secondary_care.csv",),
    ),
    CodedCondition(
        "depression",
        "depression",
        ("pcd_depr_cod.csv",),
        ("pcd_depres_cod.csv",),
        icd10=("icd10_depression_secondary_care.csv",),
    ),
    # MH_COD: schizophrenia, bipolar disorder and other psychoses (QOF mental health register).
    CodedCondition("serious_mental_illness", "serious mental illness", ("pcd_mh_cod.csv",)),
    # C19CAN/C19HAEMCAN are the COVID-programme cancer clusters: QOF CAN_COD is not public.
    CodedCondition("cancer", "cancer", ("pcd_c19can_cod.csv", "pcd_c19haemcan_cod.csv")),
    CodedCondition(
        "osteoporosis", "osteoporosis", ("pcd_osteo_cod.csv",), icd10=("icd10_osteoporosis_secondary_care.csv",)
    ),
    CodedCondition("peripheral_arterial_disease", "peripheral arterial disease", ("pcd_pad_cod.csv",)),
    CodedCondition(
        "rheumatoid_arthritis",
        "rheumatoid arthritis",
        ("pcd_rarth_cod.csv",),
        icd10=("icd10_rheumatoid-arthritis_secondary_care.csv",),
    ),
    CodedCondition(
        "multiple_sclerosis",
        "multiple sclerosis",
        ("pcd_multiple-sclerosis-codes.csv",),
        icd10=("icd10_multiple-sclerosis_secondary_care.csv",),
    ),
    CodedCondition(
        "hiv", "HIV", ("pcd_human-immunodeficiency-virus-hiv-codes.csv",), icd10=("icd10_hiv_secondary_care.csv",)
    ),
    CodedCondition(
        "inflammatory_bowel_disease",
        "inflammatory bowel disease",
        ("pcd_crohns-disease-codes.csv", "pcd_ulcerative-colitis-uc-codes.csv"),
        icd10=("icd10_crohns-disease_secondary_care.csv", "icd10_ulcerative-colitis_secondary_care.csv"),
    ),
    # Flags that are not long-term conditions but select people for segments and cohorts.
    CodedCondition("learning_disability", "learning disability", ("pcd_ld_cod.csv",), long_term=False),
    CodedCondition("palliative_care", "on the palliative care register", ("pcd_palcare_cod.csv",), long_term=False),
    # OpenSAFELY housebound lists: the latest "no longer housebound" code ends the flag.
    CodedCondition(
        "housebound_coded",
        "housebound",
        ("opensafely-housebound.csv",),
        ("opensafely-no-longer-housebound.csv",),
        long_term=False,
    ),
    # PRIMIS LONGRES: lives in a care home, nursing home or other long-stay residence.
    CodedCondition(
        "care_home_coded",
        "lives in a care home",
        ("primis-covid19-vacc-uptake-longres.csv",),
        long_term=False,
    ),
)
LONG_TERM_CONDITIONS = tuple(c for c in CONDITIONS if c.long_term)


def ltc_column(condition: CodedCondition) -> str:
    return f"ltc_{condition.name}" if condition.long_term else condition.name


@cache
def condition_codes() -> pd.DataFrame:
    """One row per (code, condition, kind) where kind is ``dx`` or ``res``."""
    frames = [
        pd.DataFrame(
            {"cond_code": read_codelist(file_name)["code"].str.strip(), "condition": condition.name, "kind": kind}
        )
        for condition in CONDITIONS
        for kind, files in (("dx", condition.codelists), ("res", condition.resolved))
        for file_name in files
    ]
    return pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)


@cache
def hospital_condition_codes() -> pd.DataFrame:
    """One row per (ICD-10 code without dots, condition)."""
    rows = [
        (code.strip().replace(".", "").upper(), condition.name)
        for condition in CONDITIONS
        for file_name in condition.icd10
        for code in read_codelist(file_name)["code"]
        if code.strip()
    ]
    return pd.DataFrame(rows, columns=["icd_code", "icd_condition"]).drop_duplicates()


def _bit(index: int) -> int:
    return 1 << index


BITS = {c.name: _bit(i) for i, c in enumerate(CONDITIONS)}
LONG_TERM_MASK = sum(BITS[c.name] for c in LONG_TERM_CONDITIONS)
# Conditions without a "resolved" cluster are present once any diagnosis is recorded.
UNRESOLVABLE_MASK = sum(BITS[c.name] for c in CONDITIONS if not c.resolved)
RESOLVABLE = tuple(c for c in CONDITIONS if c.resolved)
_DAY_ZERO = date(1, 1, 1)


@cache
def condition_bits() -> pd.DataFrame:
    """``condition_codes`` with each condition as its bit and the kind as 1 for resolved."""
    codes = condition_codes()
    return pd.DataFrame(
        {
            "cond_code": codes["cond_code"],
            "cond_bit": codes["condition"].map(BITS).astype("int64"),
            "cond_res": (codes["kind"] == "res").astype("int64"),
        }
    )


@cache
def hospital_condition_bits() -> pd.DataFrame:
    codes = hospital_condition_codes()
    return pd.DataFrame(
        {
            "icd_code": codes["icd_code"],
            "icd_bit": codes["icd_condition"].map(BITS).astype("int64"),
        }
    )


def hospital_codes(linked: LinkedExtract, period: Period) -> ibis.Table:
    """(person_id, event_date, code): each diagnosis code of the spells admitted by the as-of date.

    Codes are read by the one coded-list parser validation uses (`octopus.population.coded_lists`):
    split, trimmed, without dots, in upper case and at least 3 characters long. The HFRS reads the
    same rows (its last two years), so the engine splits the diagnoses once for both.
    """
    spells = linked.feed("apc_spells")
    spells = spells.filter(spells.admission_date <= period.as_of)
    diagnoses = codes_of(spells.primary_diagnosis, spells.secondary_diagnoses)
    rows = spells.select("person_id", event_date=spells.admission_date, part=diagnoses.unnest())
    rows = rows.select("person_id", "event_date", code=matching_code(rows.part))
    return rows.filter(rows.code.length() >= 3)


def hospital_diagnoses(linked: LinkedExtract, period: Period) -> ibis.Table:
    """(person_id, event_date, cond_bit, cond_res=0) for condition codes in hospital spells.

    Listed codes (3 or 4 characters) are matched on the code's first 3 and first 4 characters
    by equi-joins, which scale like any hash join. A code matched twice is harmless: only the
    latest date and whether any row exists are used.
    """
    rows = hospital_codes(linked, period)
    codes = ibis.memtable(hospital_condition_bits())
    parts = []
    for width in (3, 4):
        listed = codes.filter(codes.icd_code.length() == width)
        keyed = rows.mutate(prefix=rows.code.substr(0, width))
        matched = keyed.join(listed, keyed.prefix == listed.icd_code)
        parts.append(
            matched.select("person_id", "event_date", cond_bit=matched.icd_bit, cond_res=ibis.literal(0, type="int64"))
        )
    return parts[0].union(parts[1])


def conditions(linked: LinkedExtract, period: Period) -> ibis.Table:
    """One row per person with any coded condition: a flag per condition and the LTC count.

    One group-by per person over every coded row (GP events and hospital diagnoses), with the
    present conditions as one integer bit mask. Grouping per (person, condition) first, then per
    person, cost twice as much at a million residents: nearly every (person, condition) is its
    own group. A wide pivot (the latest diagnosis and resolution per condition) cost more still.

    Conditions without a "resolved" cluster are an OR of their bits. For the others each row gets
    a key, days since 0001-01-01 times 2 plus 1 for a resolved code, and the condition is present
    when its largest key is even: the latest dated row is a diagnosis and no resolved code shares
    that date, which is the rule "latest diagnosis later than latest resolved code".
    """
    events = linked.feed("gp_events")
    events = events.filter(events.event_date <= period.as_of)
    codes = ibis.memtable(condition_bits())
    coded = events.join(codes, events.snomed_code == codes.cond_code)
    coded = coded.select("person_id", "event_date", "cond_bit", "cond_res").union(hospital_diagnoses(linked, period))
    key = coded.event_date.delta(ibis.literal(_DAY_ZERO), unit="day") * 2 + coded.cond_res
    latest = {f"_key_{c.name}": (coded.cond_bit == BITS[c.name]).ifelse(key, None).max() for c in RESOLVABLE}
    per_person = coded.group_by("person_id").aggregate(
        unresolvable=bit_or(coded.cond_bit & UNRESOLVABLE_MASK), **latest
    )
    mask = per_person.unresolvable
    for c in RESOLVABLE:
        latest_key = per_person[f"_key_{c.name}"]
        mask = mask | (latest_key.notnull() & (latest_key % 2 == 0)).ifelse(BITS[c.name], 0)
    per_person = per_person.select("person_id", mask=mask)
    # A bitwise AND, not (mask // bit) % 2: DuckDB divides as floats then floors, per flag.
    flags = {ltc_column(c): (per_person.mask & BITS[c.name]) != 0 for c in CONDITIONS}
    return per_person.select("person_id", **flags, ltc_count=bit_count(per_person.mask & LONG_TERM_MASK))
