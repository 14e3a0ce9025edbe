"""Who is a resident on the as-of date, and their age, sex, ethnicity and deprivation.

Residents are every linked person born on or before the as-of date and not known to have died
by it (``deaths`` feed). Ethnicity groups are the 6 high-level groups of the OpenSAFELY SNOMED
CT ethnicity code list (2001 census categories); deprivation is the English Indices of
Deprivation 2025 decile of the person's 2021 LSOA (1 = most deprived 10% in England).
"""

from __future__ import annotations

import ibis

from octopus.population.codelists import read_codelist
from octopus.population.features.periods import Period
from octopus.population.linked import LinkedExtract
from octopus.population.reference import imd_deciles

ETHNICITY_CODELIST = "ethnicity_snomed_opensafely.csv"
# Short names for the code list's Label_6 groups, as used in NHS inequalities reporting.
ETHNICITY_GROUPS = {
    "1": "White",
    "2": "Mixed",
    "3": "Asian or Asian British",
    "4": "Black or Black British",
    "5": "Chinese or other",
}
ETHNICITY_NOT_RECORDED = "Not recorded"

# Age bands for reporting model performance and segments.
AGE_BANDS = ((0, "0-17"), (18, "18-44"), (45, "45-64"), (65, "65-79"), (80, "80+"))

# NHS pseudo-postcode for people of no fixed abode (NHS Data Dictionary).
NO_FIXED_ABODE_POSTCODE = "ZZ993VZ"


def ethnicity_lookup() -> ibis.Table:
    codelist = read_codelist(ETHNICITY_CODELIST)
    frame = codelist.assign(ethnicity_group=codelist["Grouping_6"].map(ETHNICITY_GROUPS).fillna("Chinese or other"))[
        ["code", "ethnicity_group"]
    ].rename(columns={"code": "eth_code"})
    return ibis.memtable(frame)


def age_in_years(date_of_birth: ibis.DateValue, as_of) -> ibis.IntegerValue:
    """Completed years: the birthday must have been reached (works alike on every engine)."""
    before_birthday = (as_of.month * 100 + as_of.day) < (date_of_birth.month() * 100 + date_of_birth.day())
    return as_of.year - date_of_birth.year() - before_birthday.ifelse(1, 0)


def age_band(age: ibis.IntegerValue) -> ibis.StringValue:
    cases = [(age >= low, label) for low, label in reversed(AGE_BANDS)]
    return ibis.cases(*cases, else_=AGE_BANDS[0][1])


def residents(linked: LinkedExtract, period: Period) -> ibis.Table:
    persons = linked.persons
    deaths = linked.feed("deaths")
    died = deaths.filter(deaths.date_of_death <= period.as_of).select("person_id").distinct()
    alive = persons.filter(persons.date_of_birth <= period.as_of).anti_join(died, "person_id")
    ethnicity = ethnicity_lookup()
    imd = imd_deciles()
    table = alive.left_join(ethnicity, alive.ethnicity_snomed_code == ethnicity.eth_code)
    table = table.left_join(imd, table.lsoa_code == imd.imd_lsoa_code)
    age = age_in_years(table.date_of_birth, period.as_of)
    postcode = table.postcode.upper().replace(" ", "")
    return table.select(
        person_id=table.person_id,
        nhs_number=table.nhs_number,
        age=age.cast("int64"),
        age_band=age_band(age),
        sex=table.sex.fill_null("unknown"),
        ethnicity_group=table.ethnicity_group.fill_null(ETHNICITY_NOT_RECORDED),
        lsoa_code=table.lsoa_code,
        imd_decile=table.imd_decile.cast("int64"),
        imd_quintile=((table.imd_decile + 1) // 2).cast("int64"),
        practice_ods_code=table.practice_ods_code,
        registered=table.registered.fill_null(False),
        no_fixed_abode=(postcode == NO_FIXED_ABODE_POSTCODE).fill_null(False),
    )
