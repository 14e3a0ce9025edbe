"""The SQL checks agree with the contract's Python definitions."""

import random

import duckdb
import pyarrow as pa
import pytest

from octopus.population.feeds.contract import load_contracts
from octopus.population.feeds.nhs_number import is_valid_nhs_number
from octopus.population.feeds.validate import (
    FeedRejected,
    feed_name_from_path,
    nhs_number_valid_sql,
    typed_sql,
)


def test_sql_modulus_11_agrees_with_python():
    rng = random.Random(3)
    numbers = [str(rng.randint(0, 9_999_999_999)).zfill(10) for _ in range(3000)]
    numbers += ["9434765919", "9434765918", "0000000000", "1111111111", "943476591", "94347659190", "94347a5919"]
    con = duckdb.connect()
    con.register("n", pa.table({"v": numbers}))
    sql_says = dict(con.execute(f"SELECT v, coalesce({nhs_number_valid_sql('v')}, false) FROM n").fetchall())
    assert sql_says == {number: is_valid_nhs_number(number) for number in numbers}
    assert sum(sql_says.values()) > 200


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("postcode", "n1 9ab", "N1 9AB"),
        ("postcode", "EC1V2NX", "EC1V 2NX"),
        ("nhs_number", "943 476 5919", "9434765919"),
        ("sex", "Female", "female"),
        ("date_of_birth", "1950-02-30", None),
        ("date_of_birth", "12/03/1950", None),
    ],
)
def test_values_are_tidied_to_one_spelling(column, text, expected):
    feed = load_contracts()["asc_clients"]
    con = duckdb.connect()
    con.register("b", pa.table({column: [text]}))
    value = con.execute(f"SELECT {typed_sql(feed, feed.column(column))} FROM b").fetchone()[0]
    assert (value if value is None or isinstance(value, str) else None) == expected


def test_feed_name_comes_from_the_start_of_the_file_name(tmp_path):
    known = load_contracts()
    assert feed_name_from_path(tmp_path / "apc_spells__RYJ__20261101.csv", known) == "apc_spells"
    assert feed_name_from_path(tmp_path / "gp_events.parquet", known) == "gp_events"
    with pytest.raises(FeedRejected, match=r"^apc_spells.xlsx: only .csv and .parquet files can be loaded"):
        feed_name_from_path(tmp_path / "apc_spells.xlsx", known)
    with pytest.raises(FeedRejected, match="'spells' is not a feed"):
        feed_name_from_path(tmp_path / "x.csv", known, declared="spells")
