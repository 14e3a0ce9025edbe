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


def test_a_months_new_scores_all_arrive_and_in_place_on_postgresql(tmp_path):
    """Decision 0078: the residents' pages keep room, so a republish that changes every resident's
    scores but none of their indexed columns writes each new version beside the old one and no
    index entry (a heap-only tuple). With full pages, as before, almost none were. SQLite has no
    fill factor: there the month's scores must simply all arrive."""
    from octopus.insights.testing import resident_rows, write_snapshot
    from octopus.publish import publish
    from tests.integration.test_publish import _person, _persons

    rows = resident_rows(400)
    persons = _persons(
        tmp_path / "persons.parquet", [_person(i, person_id=row["person_id"]) for i, row in enumerate(rows)]
    )
    write_snapshot(tmp_path / "october", rows, run_id="run-october", chart_tables=False)
    publish(persons, tmp_path / "october")
    # November: everyone's probability moves within their band; bands, segments and rising risk stay.
    write_snapshot(
        tmp_path / "november",
        [{**row, "risk_probability": row["risk_probability"] * 1.1} for row in rows],
        run_id="run-november",
        chart_tables=False,
    )
    postgresql = connection.vendor == "postgresql"
    counts = (
        "SELECT pg_stat_get_xact_tuples_updated(%(t)s::regclass), pg_stat_get_xact_tuples_hot_updated(%(t)s::regclass)"
    )
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("SELECT reloptions FROM pg_class WHERE oid = 'residents_resident'::regclass")
            assert cursor.fetchone()[0] == ["fillfactor=50"]
            cursor.execute(counts, {"t": "residents_resident"})
            before = cursor.fetchone()
        publish(persons, tmp_path / "november")
        if postgresql:
            cursor.execute(counts, {"t": "residents_resident"})
            updated, in_place = (after - earlier for after, earlier in zip(cursor.fetchone(), before, strict=True))
            assert updated >= 400 and in_place >= 0.9 * updated
    november = Resident.objects.filter(snapshot_run_id="run-november")
    assert november.count() == 400
    assert sorted(november.values_list("risk_probability", flat=True)) == sorted(
        row["risk_probability"] * 1.1 for row in rows
    )
