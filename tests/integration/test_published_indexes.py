"""The tables a publish fills keep only the indexes a query uses (decision 0076).

Every index on them is kept up to date for every published row: at 1M residents a redundant one
costs seconds of the switch. Read from the database itself, so an index that Django adds on its
own (PostgreSQL's pattern-ops copy of a text column's index) is seen too.
"""

import pytest
from django.db import connection

from octopus.residents.models import ActivityEvent, Household, Resident

pytestmark = pytest.mark.django_db


def _indexes(model, *, unique: bool = False) -> dict[str, tuple[str, ...]]:
    """Index name -> its columns (only the unique ones if ``unique``)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: tuple(c["columns"])
        for name, c in constraints.items()
        if (c["unique"] if unique else c["index"] or c["unique"])
    }


@pytest.mark.parametrize("model", [Resident, Household, ActivityEvent])
def test_no_index_is_served_by_another(model):
    indexes, unique = _indexes(model), _indexes(model, unique=True)
    # Two indexes on the same columns, or one leading another: the shorter one is never needed
    # (unless it enforces uniqueness).
    served = sorted(
        (name, other)
        for name, columns in indexes.items()
        for other, others in indexes.items()
        if name != other and name not in unique and others[: len(columns)] == columns
    )
    assert served == []


def test_the_lookups_the_pages_make_are_indexed():
    leading = {columns[0] for columns in _indexes(Resident).values()}
    # Sign-in scope and caseloads (practice), search (NHS number, name, date of birth, postcode),
    # the case-finding and population lists (band, segment, rising risk, area), the publish's key.
    assert {
        "person_id",
        "nhs_number",
        "family_name",
        "date_of_birth",
        "postcode",
        "practice_ods_code",
        "risk_band",
        "segment",
        "rising_risk",
        "lsoa_code",
        "household_id",
    } <= leading
    assert ("resident_id", "occurred_on") in _indexes(ActivityEvent).values()
    assert ("person_id",) in _indexes(Resident, unique=True).values()
