"""Half of each page of the residents' table left free on PostgreSQL (decision 0078).

A monthly republish changes every resident's scores. With pages full, each new row version goes
to another page, and every one of the table's indexes takes a new entry for it; with room on the
page, PostgreSQL keeps the version there and writes no index entry (a heap-only tuple) whenever
no indexed column changed, which is most residents in most months. Django has no model option
for a table's storage parameters, so this is SQL, and only PostgreSQL's: SQLite has no fill factor.

The setting applies to pages written from now on. An existing table's full pages are left as
they are: the next republish moves their rows to new pages, which keep the room, and later
republishes then update in place.
"""

from django.db import migrations

FILL_FACTOR = 50


def _fill(apps, schema_editor, value: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE residents_resident {value}")


class Migration(migrations.Migration):
    dependencies = [("residents", "0005_fewer_indexes")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: _fill(apps, editor, f"SET (fillfactor = {FILL_FACTOR})"),
            lambda apps, editor: _fill(apps, editor, "RESET (fillfactor)"),
            elidable=False,
        )
    ]
