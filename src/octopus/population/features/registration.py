"""Where a resident is registered with a GP, against where they live.

``practice_borough`` is the borough of the practice's own address (the practice table in
``octopus.reference``, from NHS Digital's practice list geocoded to an LSOA), and
``registered_out_of_area`` says the resident's practice is in another borough than their home
LSOA, or outside London (not in the table at all). Such residents fall between two teams: the
neighbourhood where they live does not hold their GP record, and their practice's PCN does not
run the local INT. Residents with no practice or no home LSOA are not counted out of area:
nothing says where either is.
"""

from __future__ import annotations

from functools import cache

import ibis
import pandas as pd

from octopus import reference
from octopus.population.reference import imd_frame


@cache
def practice_boroughs() -> pd.DataFrame:
    practices = reference.practices()[["practice_code", "borough_name"]]
    return practices.rename(columns={"practice_code": "reg_practice_code", "borough_name": "practice_borough"})


@cache
def lsoa_boroughs() -> pd.DataFrame:
    lsoas = imd_frame()[["lsoa21_code", "lad24_name"]]
    return lsoas.rename(columns={"lsoa21_code": "reg_lsoa_code", "lad24_name": "home_borough"})


def with_registration_area(residents: ibis.Table) -> ibis.Table:
    """``residents`` (with ``practice_ods_code`` and ``lsoa_code``) plus ``practice_borough`` and
    ``registered_out_of_area``."""
    practices = ibis.memtable(practice_boroughs())
    lsoas = ibis.memtable(lsoa_boroughs())
    table = residents.left_join(practices, residents.practice_ods_code == practices.reg_practice_code)
    table = table.left_join(lsoas, table.lsoa_code == lsoas.reg_lsoa_code)
    known = table.practice_ods_code.notnull() & table.home_borough.notnull()
    out_of_area = known & (table.practice_borough.isnull() | (table.practice_borough != table.home_borough))
    return table.mutate(registered_out_of_area=out_of_area.fill_null(False)).drop(
        "reg_practice_code", "reg_lsoa_code", "home_borough"
    )
