"""Imperfections other than malformed rows never break a contract (Hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from octopus.population.feeds.contract import load_contracts
from octopus.synthetic import imperfections
from octopus.synthetic.rows import FeedRows, record_ids

AS_OF = np.datetime64("2026-11-01")
days = st.integers(min_value=-40_000, max_value=-1)


def rows_of(dob_days: list[int], gaps: list[int]) -> FeedRows:
    n = len(dob_days)
    dob = AS_OF + np.array(dob_days, dtype="timedelta64[D]")
    incident = np.minimum(dob + np.array(gaps, dtype="timedelta64[D]"), AS_OF - np.timedelta64(1, "D"))
    return FeedRows(
        ("RRU",),
        np.zeros(n, dtype=np.int64),
        np.arange(n),
        {
            "source_record_id": record_ids("L", 0, n),
            "date_of_birth": dob,
            "incident_datetime": incident.astype("datetime64[us]") + np.timedelta64(3600, "s"),
        },
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(days, st.integers(0, 400)), min_size=1, max_size=200), st.integers(0, 2**32 - 1))
def test_a_swapped_birth_date_stays_before_the_rows_other_dates_and_as_of(people, seed):
    feed = load_contracts()["las_incidents"]
    original = rows_of([d for d, _ in people], [g for _, g in people])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(imperfections, "DOB_SWAP_RATE", 1.0)
        degraded = imperfections.apply(feed, original, np.random.default_rng(seed), 0.0, "csv", AS_OF)
    n = len(original)
    dob = degraded.rows.columns["date_of_birth"][:n]
    assert (dob <= original.columns["incident_datetime"].astype("datetime64[D]")).all()
    assert (dob < AS_OF).all()
    before = original.columns["date_of_birth"]
    changed = dob != before
    assert (changed == degraded.flags["dob_swapped"]).all()
    for old, new in zip(before[changed].astype(object), dob[changed].astype(object), strict=True):
        assert (new.year, new.month, new.day) == (old.year, old.day, old.month)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3000), st.integers(0, 2**32 - 1))
def test_a_record_key_appears_once_per_delivery_and_a_duplicate_only_in_the_as_of_one(n, seed):
    feed = load_contracts()["las_incidents"]
    original = rows_of([-10_000] * n, [100] * n)
    degraded = imperfections.apply(feed, original, np.random.default_rng(seed), 0.0, "parquet", AS_OF)
    keys = degraded.rows.columns["source_record_id"].numbers
    for as_of_delivery in (False, True):
        delivered = keys[degraded.late == as_of_delivery]
        assert len(np.unique(delivered)) == len(delivered)
    copies = degraded.origin[n:]
    assert (degraded.late[n:]).all() and not degraded.flags["late"][copies].any()
    assert (np.sort(copies) == np.flatnonzero(degraded.flags["duplicated"])).all()
