"""Spec-test fixtures: tiny linked extracts written as text, run through every engine.

As in OpenSAFELY's ehrQL, each spec test runs once per engine with the same exact expected
values: ``features_of`` is parametrised over DuckDB and PySpark (local mode, one session shared
by the whole test run; Spark takes ~10 s to start). The Spark runs carry the ``spark`` mark, so
``-m "not spark"`` gives a quick DuckDB-only run.
"""

from __future__ import annotations

import datetime as dt

import pytest

from octopus.population import engines
from octopus.population.features import build_features
from octopus.population.linked import read_linked
from octopus.population.testing import write_linked


@pytest.fixture(scope="session")
def spark_con():
    return engines.connect("spark")


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def features_of(tmp_path, request):
    """features_of(tables, as_of[, outcome_events]) -> pandas frame indexed by person_id, on the
    test's engine; ``outcome_events`` chooses the outcome (``risk.outcomes``)."""
    engine = request.param

    def run(tables, as_of: dt.date, outcome_events=None):
        directory = write_linked(tmp_path / f"linked-{engine}", tables)
        con = request.getfixturevalue("spark_con") if engine == "spark" else engines.connect()
        linked = read_linked(directory, con)
        extra = {"outcome_events": outcome_events} if outcome_events else {}
        frame = engines.execute(con, build_features(linked, as_of, with_outcome=True, **extra))
        return frame.set_index("person_id")

    return run
