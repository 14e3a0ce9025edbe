"""Frailty: the electronic Frailty Index from the GP record and the Hospital Frailty Risk Score.

eFI: Clegg A et al., "Development and validation of an electronic frailty index using routine
primary care electronic health record data", Age Ageing 2016;45(3):353-60. 36 deficits; the
index is deficits present / 36; fit <= 0.12, mild 0.12-0.24, moderate 0.24-0.36, severe > 0.36.
Deficits are read from the GM SDE SNOMED CT mapping of the published Read code lists
(``efi_clegg2016_deficits_gmsde.csv``, 35 coded deficits). The polypharmacy deficit (5+
medicines) needs prescribing data no feed carries yet, so it is never present: the index can
understate frailty by one deficit (1/36 = 0.028).

HFRS: Gilbert T et al., "Development and validation of a Hospital Frailty Risk Score focusing
on older people in acute care settings using electronic hospital records", Lancet
2018;391:1775-82. Points for 109 ICD-10 3-character categories recorded in hospital spells in
the 2 years before the as-of date, each category counted once; low < 5, intermediate 5-15,
high > 15.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import ibis
import pandas as pd

from octopus.population.codelists import read_codelist
from octopus.population.features.conditions import hospital_codes
from octopus.population.features.periods import Period, bit_count, bit_or
from octopus.population.linked import LinkedExtract

EFI_CODELIST = "efi_clegg2016_deficits_gmsde.csv"
EFI_DEFICITS = 36  # Clegg 2016: the denominator stays 36 whatever is recordable.
EFI_THRESHOLDS = ((0.36, "severe"), (0.24, "moderate"), (0.12, "mild"))

HFRS_CODELIST = "hfrs_icd10_gilbert2018.csv"
HFRS_LOOKBACK = timedelta(days=730)  # Gilbert 2018: two years of hospital records.
HFRS_THRESHOLDS = ((15.0, "high"), (5.0, "intermediate"))  # > 15 high; 5-15 intermediate


@cache
def efi_codes() -> pd.DataFrame:
    codelist = read_codelist(EFI_CODELIST)
    snomed = codelist[codelist["coding_system"] == "snomed"]
    return snomed[["code", "deficit"]].rename(columns={"code": "efi_code", "deficit": "efi_deficit"}).drop_duplicates()


@cache
def hfrs_points() -> pd.DataFrame:
    codelist = read_codelist(HFRS_CODELIST)
    return pd.DataFrame(
        {
            "hfrs_code": codelist["icd10_3char"].str.strip().str.upper(),
            "hfrs_points": codelist["points"].astype(float),
        }
    )


@cache
def hfrs_tenths() -> pd.DataFrame:
    """Points in tenths (every published score has one decimal place), summed as integers.

    A sum of floats depends on the order rows are added, which changes with the engine, its
    threads and the query plan: the same person's score came out 1e-15 apart between runs,
    enough to move a score of exactly 5 or 15 across a category boundary. Whole tenths add up
    exactly in any order and divide to the nearest float of the decimal score.
    """
    points = hfrs_points()
    tenths = (points["hfrs_points"] * 10).round()
    if not ((points["hfrs_points"] * 10 - tenths).abs() < 1e-9).all():
        raise ValueError(f"{HFRS_CODELIST}: points with more than one decimal place.")
    return pd.DataFrame({"hfrs_code": points["hfrs_code"], "hfrs_tenths": tenths.astype("int64")})


def efi_category(efi: ibis.FloatingValue) -> ibis.StringValue:
    return ibis.cases(*[(efi > cut, name) for cut, name in EFI_THRESHOLDS], else_="fit")


def hfrs_category(hfrs: ibis.FloatingValue) -> ibis.StringValue:
    return ibis.cases(
        (hfrs > HFRS_THRESHOLDS[0][0], "high"),
        (hfrs >= HFRS_THRESHOLDS[1][0], "intermediate"),
        else_="low",
    )


@cache
def efi_bits() -> pd.DataFrame:
    """``efi_codes`` with each deficit as a bit of an integer (35 deficits fit in 63 bits)."""
    codes = efi_codes()
    deficits = sorted(codes["efi_deficit"].unique())
    if len(deficits) > 62:
        raise ValueError(f"{EFI_CODELIST}: {len(deficits)} deficits do not fit in one integer.")
    bits = {deficit: 1 << index for index, deficit in enumerate(deficits)}
    return pd.DataFrame(
        {"efi_code": codes["efi_code"], "efi_bit": codes["efi_deficit"].map(bits).astype("int64")}
    ).drop_duplicates()


def efi(linked: LinkedExtract, period: Period) -> ibis.Table:
    """Deficits present: the bits set in the OR of every coded event's deficit bit.

    The same count as distinct deficits per person, in one group-by per person instead of one
    per (person, deficit) and another per person: half the cost at a million residents.
    """
    events = linked.feed("gp_events")
    events = events.filter(events.event_date <= period.as_of)
    codes = ibis.memtable(efi_bits())
    deficits = events.join(codes, events.snomed_code == codes.efi_code)
    return deficits.group_by("person_id").aggregate(efi_deficits=bit_count(bit_or(deficits.efi_bit)))


def hfrs(linked: LinkedExtract, period: Period) -> ibis.Table:
    # One row per recorded code, matched on its first three characters by an equi-join: a
    # 3-character category matches any code that starts with it, and a hash join scales where a
    # "contains" nested loop does not.
    rows = hospital_codes(linked, period)
    rows = rows.filter(rows.event_date > period.as_of - HFRS_LOOKBACK)
    rows = rows.mutate(hfrs_code=rows.code.substr(0, 3))
    points = ibis.memtable(hfrs_tenths())
    matched = rows.join(points, "hfrs_code")
    distinct = matched.select("person_id", "hfrs_code", "hfrs_tenths").distinct()
    return distinct.group_by("person_id").aggregate(hfrs=distinct.hfrs_tenths.sum().cast("float64") / 10.0)


def with_frailty_categories(table: ibis.Table) -> ibis.Table:
    efi_value = (table.efi_deficits / EFI_DEFICITS).cast("float64")
    return table.mutate(
        efi=efi_value.round(4),
        efi_category=efi_category(efi_value),
        hfrs_category=hfrs_category(table.hfrs),
    )
