"""Rejected files are recorded; deliveries and feed status read back as the intake pages show them."""

from pathlib import Path

import pytest

from octopus.population.feeds.history import deliveries, feed_statuses, rejections
from octopus.population.feeds.load import load_file
from octopus.population.feeds.store import FeedStore
from octopus.population.feeds.validate import FeedRejected

FILES = Path(__file__).parents[2] / "fixtures" / "feeds"


def test_rejected_file_is_recorded_with_its_reason(tmp_path):
    with FeedStore.open(tmp_path) as store:
        with pytest.raises(FeedRejected) as refused:
            load_file(store, FILES / "apc_spells__RYJ__missing_column.csv")
        [rejection] = rejections(store)
        assert rejection.file_name == "apc_spells__RYJ__missing_column.csv"
        assert rejection.feed == "apc_spells"
        assert rejection.reason == str(refused.value)
        assert len(rejection.sha256) == 64
        assert deliveries(store) == []


def test_rejected_file_of_unknown_feed_is_recorded_without_a_feed(tmp_path):
    path = tmp_path / "mystery__X__1.csv"
    path.write_text("a,b\n1,2\n")
    with FeedStore.open(tmp_path / "var") as store:
        with pytest.raises(FeedRejected, match="cannot tell which feed"):
            load_file(store, path)
        assert [(r.file_name, r.feed) for r in rejections(store)] == [("mystery__X__1.csv", None)]


def test_deliveries_and_feed_status_count_loaded_and_quarantined_rows(tmp_path):
    with FeedStore.open(tmp_path) as store:
        result = load_file(store, FILES / "apc_spells__RYJ__bad_dates.csv")
        [delivery] = deliveries(store)
        assert (delivery.file_name, delivery.loaded_rows, delivery.quarantined_rows, delivery.superseded_rows) == (
            result.file_name,
            result.loaded_rows,
            result.quarantined_rows,
            0,
        )
        assert delivery.status == "loaded with rows quarantined"
        status = {s.feed: s for s in feed_statuses(store)}
        assert status["apc_spells"].deliveries == 1
        assert status["apc_spells"].current_rows == result.loaded_rows
        assert status["deaths"].deliveries == 0
