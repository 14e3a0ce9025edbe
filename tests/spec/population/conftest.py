"""Spec-test fixtures: tiny linked extracts written as text, run through an engine.

Most spec tests run on DuckDB; tests marked ``spark`` also run on PySpark through one
session shared by the whole test run (Spark takes ~10 s to start).
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


@pytest.fixture
def features_of(tmp_path, request):
    """features_of(tables, as_of, engine="duckdb") -> pandas frame indexed by person_id."""

    def run(tables, as_of: dt.date, engine: str = "duckdb"):
        directory = write_linked(tmp_path / f"linked-{engine}", tables)
        con = request.getfixturevalue("spark_con") if engine == "spark" else engines.connect()
        linked = read_linked(directory, con)
        frame = engines.execute(con, build_features(linked, as_of, with_outcome=True))
        return frame.set_index("person_id")

    return run
