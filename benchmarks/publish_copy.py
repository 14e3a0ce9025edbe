"""The floor for publishing into PostgreSQL: a plain COPY of the rows a publish wrote.

After `octopus publish` has filled an operational database, this copies exactly the rows it
holds for residents, households and timeline events out (untimed) and then back into empty
tables of the same columns, with no indexes, constraints or triggers (timed): what PostgreSQL
itself needs to take those rows in. `octopus publish`'s time divided by this is the ratio issue
#16 asks to stay within 5x.

With `--logged` the copies are ordinary (WAL-logged, durable) tables, still with no indexes:
what PostgreSQL needs to keep those rows, since a temporary table writes no WAL and is gone with
the session.

With `--like-live` the copies are instead ordinary (WAL-logged) tables with the live tables'
indexes (`LIKE … INCLUDING ALL`) and storage parameters (the residents' fill factor, decision
0078): what PostgreSQL needs to take those rows into tables a page can read them from, the floor
for any publish that keeps the operational tables' indexes.

Usage:
    python benchmarks/publish_copy.py --database postgresql://postgres@127.0.0.1:5432/octopus_publish_1m \
        [--json results.json]
Nothing in the operational tables changes; the copies are temporary tables, gone at the end.
"""

import argparse
import io
import json
import os
import time

import psycopg

KINDS = {  # option -> (CREATE … TABLE, LIKE …, how the result line names it)
    "bare": ("TEMPORARY", "INCLUDING DEFAULTS", ""),
    "logged": ("", "INCLUDING DEFAULTS", " (ordinary tables, no indexes)"),
    "like_live": ("", "INCLUDING ALL", " (tables like the live ones)"),
}
TABLES = ("residents_household", "residents_resident", "residents_activityevent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--json", help="write the figures here too")
    tables = parser.add_mutually_exclusive_group()
    tables.add_argument("--logged", action="store_true", help="ordinary (WAL-logged) tables, no indexes")
    tables.add_argument("--like-live", action="store_true", help="logged tables with the live tables' indexes")
    args = parser.parse_args()
    variant = "like_live" if args.like_live else "logged" if args.logged else "bare"
    figures = {"load_average": os.getloadavg(), "tables": {}, "like_live": args.like_live, "variant": variant}
    kind, like, named = KINDS[variant]
    with psycopg.connect(args.database, autocommit=True) as connection:
        dumps = {}
        for table in TABLES:
            buffer = io.BytesIO()
            with connection.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            dumps[table] = buffer.getvalue()
        # LIKE copies no storage parameters; a table like the live one has the live one's.
        storage = dict.fromkeys(TABLES, "")
        if variant == "like_live":
            for table in TABLES:
                (options,) = connection.execute(
                    "SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [table]
                ).fetchone()
                storage[table] = f" WITH ({', '.join(options)})" if options else ""
        started = time.monotonic()
        for table in TABLES:
            table_started = time.monotonic()
            with connection.transaction():
                connection.execute(f"DROP TABLE IF EXISTS plain_{table}")
                connection.execute(f"CREATE {kind} TABLE plain_{table} (LIKE {table} {like}){storage[table]}")
                with connection.cursor().copy(f"COPY plain_{table} FROM STDIN") as copy:
                    view = memoryview(dumps[table])
                    for start in range(0, len(view), 1 << 20):
                        copy.write(view[start : start + (1 << 20)])
            rows = connection.execute(f"SELECT count(*) FROM plain_{table}").fetchone()[0]
            seconds = time.monotonic() - table_started
            figures["tables"][table] = {
                "rows": rows,
                "seconds": round(seconds, 2),
                "rows_per_second": round(rows / seconds),
            }
        figures["seconds"] = round(time.monotonic() - started, 2)
        for table in TABLES:
            connection.execute(f"DROP TABLE IF EXISTS plain_{table}")
        figures["rows"] = sum(t["rows"] for t in figures["tables"].values())
        figures["rows_per_second"] = round(figures["rows"] / figures["seconds"])
    for table, result in figures["tables"].items():
        print(f"{table}: {result['rows']:,} rows in {result['seconds']} s ({result['rows_per_second']:,} rows/s)")
    print(
        f"plain COPY{named}, all: {figures['rows']:,} rows in {figures['seconds']} s "
        f"({figures['rows_per_second']:,} rows/s); "
        f"load average {figures['load_average'][0]:.1f}"
    )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
