"""Person linkage on a fixture population with a known truth."""

import json
import shutil

import pyarrow.parquet as pq
import pytest

from octopus.population.feeds.load import load_file
from octopus.population.feeds.store import FeedStore
from octopus.population.linkage.extract import PERSONS_SCHEMA, write_linked_extract
from octopus.population.linkage.persons import link_persons, person_for_record
from octopus.population.linkage.progress import STAGES
from octopus.population.linkage.quality import measure
from octopus.population.linkage.review import decide, review_queue
from tests.fixtures.feeds_factory import write_feed_files

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """The fixture population, written and loaded once; each test gets a copy of the store."""
    out = tmp_path_factory.mktemp("london")
    files = write_feed_files(out, n_people=600, seed=5)
    with FeedStore.open(out / "loaded") as store:
        for path in files:
            load_file(store, path)
    return out, files


@pytest.fixture
def store(delivered, tmp_path):
    shutil.copytree(delivered[0] / "loaded", tmp_path, dirs_exist_ok=True)
    with FeedStore.open(tmp_path) as store:
        yield store


def _mapping(store):
    return store.connection.execute(
        "SELECT feed, sender_code, source_record_id, person_id FROM record_persons ORDER BY ALL"
    ).fetchall()


def test_linkage_of_records_without_nhs_numbers_is_precise_and_complete(store, delivered):
    events = []
    link_persons(store, progress=events.append)
    stages = [e.stage for e in events]
    assert sorted(set(stages), key=stages.index) == list(STAGES)
    last = events[-1]
    assert last.source_persons > 1000 and last.pairs_blocked == last.pairs_compared > 0 and last.pairs_clustered > 0
    quality = measure(store, delivered[0] / "truth" / "record_truth.parquet")
    assert quality.records_without_nhs_number > 1000
    assert quality.precision >= 0.995
    assert quality.recall >= 0.98


def test_person_ids_are_stable_across_runs_and_new_deliveries(store, delivered, tmp_path):
    link_persons(store)
    first = _mapping(store)
    link_persons(store)
    assert _mapping(store) == first
    # A later delivery from a new sender adds persons without renumbering anyone.
    extra = write_feed_files(tmp_path / "later", n_people=900, seed=5, stamp="20261115")
    load_file(store, next(p for p in extra if p.name.startswith("gp_registrations__F83001")))
    link_persons(store)
    after = {row[:3]: row[3] for row in _mapping(store)}
    assert all(after[row[:3]] == row[3] for row in first)


def test_every_row_reaches_a_person_through_its_senders_person_id(store):
    link_persons(store)
    con = store.connection
    event = con.execute("SELECT sender_code, source_record_id, source_person_id FROM feed_gp_events LIMIT 1").fetchone()
    registration = con.execute(
        "SELECT source_record_id FROM feed_gp_registrations WHERE sender_code = ? AND source_person_id = ?",
        [event[0], event[2]],
    ).fetchone()
    assert person_for_record(store, "gp_events", event[0], event[1]) == person_for_record(
        store, "gp_registrations", event[0], registration[0]
    )


def test_review_decisions_are_remembered_across_runs(store):
    link_persons(store, lower=0.001)
    queue = review_queue(store)
    assert len(queue) >= 2
    confirmed, rejected = queue[0], queue[1]
    assert [name for name, _, _ in confirmed.fields] == [
        "nhs_number",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "postcode",
    ]
    decide(store, confirmed.pair_id, "match", decided_by="reviewer@islington")
    decide(store, rejected.pair_id, "non_match", decided_by="reviewer@islington")
    for _ in range(2):
        link_persons(store, lower=0.001)
        people = dict(store.connection.execute("SELECT unit_key, person_id FROM source_persons").fetchall())
        assert people[confirmed.left_key] == people[confirmed.right_key]
        assert people[rejected.left_key] != people[rejected.right_key]
        assert {pair.pair_id for pair in review_queue(store)}.isdisjoint({confirmed.pair_id, rejected.pair_id})


def test_decide_rejects_unknown_pair_and_decision(store):
    link_persons(store)
    with pytest.raises(KeyError, match="No review pair 'nope'"):
        decide(store, "nope", "match", decided_by="a")
    with pytest.raises(ValueError, match="must be 'match' or 'non_match'"):
        decide(store, "nope", "maybe", decided_by="a")  # type: ignore[arg-type]


def test_linked_extract_has_every_feed_and_persons(store):
    link_persons(store)
    target = write_linked_extract(store)
    contracts = store.contracts
    for name, feed in contracts.items():
        table = pq.read_table(target / f"{name}.parquet")
        assert table.schema.names == [*feed.column_names, "person_id"]
        assert table.column("person_id").null_count == 0
    persons = pq.read_table(target / "persons.parquet")
    assert persons.schema.equals(PERSONS_SCHEMA)
    assert persons.num_rows == len(set(persons.column("person_id").to_pylist()))
    assert (
        persons.num_rows
        == store.connection.execute("SELECT count(DISTINCT person_id) FROM source_persons").fetchone()[0]
    )
    registered = persons.filter(persons.column("registered"))
    assert registered.column("practice_ods_code").null_count == 0
    manifest = json.loads((target / "manifest.json").read_text())
    assert set(manifest["row_counts"]) == set(contracts)
    assert manifest["row_counts"]["mh_spells"] == 0
    assert len(manifest["deliveries"]) == store.connection.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    assert not [p for p in target.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_split_blocking_rules_in_chunks_score_the_same_pairs_as_the_old_rules(store, monkeypatch):
    """Decision 0064: each rule split by the side without an NHS number, scored in chunks, gives
    exactly the pairs and probabilities of the rules with both sides' condition after the join."""
    from octopus.population.linkage import probabilistic
    from octopus.population.linkage.deterministic import build_record_units, build_units
    from octopus.population.linkage.progress import Tracker

    build_record_units(store)
    build_units(store)
    candidates = store.connection.sql(probabilistic.candidates_sql("link_units")).to_arrow_table()

    def scored(table):
        return sorted(
            (min(a, b), max(a, b), round(p, 9))
            for a, b, p in zip(
                *(table.column(c).to_pylist() for c in ("unit_key_l", "unit_key_r", "match_probability")), strict=True
            )
        )

    monkeypatch.setattr(probabilistic, "CHUNK_WITHOUT_NHS", 100)
    events = []
    new = probabilistic.score_pairs(candidates, 0.01, tracker=Tracker(events.append))
    assert probabilistic.chunks_for(candidates.column("nhs_number").null_count) > 2
    last = events[-1]
    assert (
        last.stage == "blocking and comparing" and last.done == last.total == last.pairs_blocked == last.pairs_compared
    )

    monkeypatch.setattr(probabilistic, "CHUNK_WITHOUT_NHS", 10**9)
    monkeypatch.setattr(
        probabilistic,
        "blocking_rules",
        lambda: [
            {"blocking_rule": f"{rule} AND (l.nhs_number IS NULL OR r.nhs_number IS NULL)"}
            for rule in probabilistic.BLOCKING_RULES
        ],
    )
    old = probabilistic.score_pairs(candidates, 0.01)
    assert len(new) > 100 and scored(new) == scored(old)


def test_source_persons_chosen_in_parts_are_those_chosen_at_once(store, monkeypatch):
    """Across London the best-demographics aggregate runs in parts (it cannot spill); each source
    person must get exactly the row, NHS number and demographics one aggregate gives it."""
    from octopus.population.linkage import deterministic

    deterministic.build_record_units(store)
    deterministic.build_units(store)
    whole = store.connection.execute("SELECT * FROM link_units ORDER BY unit_key").fetchall()
    monkeypatch.setattr(deterministic, "UNIT_PART_ROWS", 500)
    records = store.connection.execute("SELECT count(*) FROM link_records").fetchone()[0]
    assert records > 3 * 500
    reported = []
    deterministic.build_units(store, lambda done, total: reported.append((done, total)))
    assert len(reported) == -(-records // 500) and reported[-1] == (records, records)
    assert store.connection.execute("SELECT * FROM link_units ORDER BY unit_key").fetchall() == whole
    assert len(whole) == store.connection.execute("SELECT count(DISTINCT unit_key) FROM link_records").fetchone()[0]
