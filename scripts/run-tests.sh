#!/usr/bin/env bash
# The whole suite: first on SQLite (and DuckDB/Spark for the pipeline), then every database
# test again on PostgreSQL. PostgreSQL comes from OCTOPUS_TEST_DATABASE_URL, or the server on
# 127.0.0.1:5432 when one answers. In CI (CI=true) the PostgreSQL pass is required.
set -uo pipefail
BIN=${VENV:-.venv}/bin
status=0

echo "== pass 1: SQLite, DuckDB, Spark, browser =="
"$BIN/python" -m pytest -q -p no:cacheprovider -n "${OCTOPUS_TEST_WORKERS:-2}" --durations=25 "$@" || status=$?

# The tests marked `clock` again at two edge moments (tests/conftest.py names them): a suite that
# passes only at some hours would block every landing on the day it fails.
for moment in thursday-afternoon month-end-bst; do
  echo "== clock: date-sensitive tests at $moment =="
  OCTOPUS_TEST_NOW=$moment "$BIN/python" -m pytest -q -p no:cacheprovider -n "${OCTOPUS_TEST_WORKERS:-2}" \
    -m "clock and not browser" "$@" || { rc=$?; [ $rc -eq 5 ] || status=$rc; }  # 5: none selected
done

pg_url=${OCTOPUS_TEST_DATABASE_URL:-}
if [ -z "$pg_url" ] && "$BIN/python" - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
then
  pg_url="postgresql://postgres@127.0.0.1:5432/octopus"
fi

if [ -n "$pg_url" ]; then
  echo "== pass 2: PostgreSQL ($pg_url) =="
  OCTOPUS_TEST_DATABASE_URL="$pg_url" OCTOPUS_DB_PASS=postgres \
    "$BIN/python" -m pytest -q -p no:cacheprovider -n "${OCTOPUS_TEST_WORKERS:-2}" --durations=25 "$@" || status=$?
elif [ "${CI:-}" = "true" ]; then
  echo "CI needs PostgreSQL: set OCTOPUS_TEST_DATABASE_URL or run a server on 127.0.0.1:5432." >&2
  status=1
else
  echo "(no PostgreSQL found: the PostgreSQL pass was not run; set OCTOPUS_TEST_DATABASE_URL to run it)"
fi
exit $status
