#!/usr/bin/env bash
# CPU cost of part of the test suite, measured from outside the process (decision 0052).
# Usage: benchmarks/test_suite_cpu.sh [RUNS] -- PYTEST-ARGS...
#   benchmarks/test_suite_cpu.sh 3 -- tests/authorization/test_authorization_matrix.py -k insights
# Runs pytest in one process (no xdist) RUNS times under farm-bench and prints its min/median/max
# of wall, CPU (user + system) and peak memory. On a shared machine quote the CPU column: the wall
# time depends on what else runs. Set OCTOPUS_TEST_DATABASE_URL and OCTOPUS_DB_PASS=postgres to
# measure the PostgreSQL pass.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
[ "${2:-}" = "--" ] && shift 2 || { echo "usage: $0 RUNS -- PYTEST-ARGS..." >&2; exit 2; }
log=$(mktemp /tmp/octopus-test-cpu.XXXXXX)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); pytest output in $log"
PYTHONPATH=src farm-bench -n "$runs" --warmup 0 --timeout 3600 -- \
  sh -c "exec ${VENV:-.venv}/bin/python -m pytest -q -p no:cacheprovider $(printf '%q ' "$@") >>$log 2>&1"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
