from pathlib import Path

from octopus.population.feeds.contract import load_contracts
from octopus.population.feeds.reference_docs import main, render_feeds_markdown

COMMITTED_REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "reference" / "feeds.md"


def test_committed_feed_reference_matches_the_contracts():
    rendered = render_feeds_markdown(load_contracts().values())
    assert COMMITTED_REFERENCE.read_text(encoding="utf-8") == rendered, (
        "docs/reference/feeds.md is stale: regenerate it with "
        "`PYTHONPATH=src python -m octopus.population.feeds.reference_docs docs/reference/feeds.md`"
    )


def test_feed_reference_has_a_section_and_a_row_per_column():
    feeds = load_contracts()
    rendered = render_feeds_markdown(feeds.values())
    for feed in feeds.values():
        assert f"\n## {feed.name}\n" in rendered
        for column in feed.columns:
            assert f"| `{column.name}` |" in rendered


def test_feed_reference_escapes_separator_in_table_cells():
    rendered = render_feeds_markdown([load_contracts()["apc_spells"]])
    row = next(line for line in rendered.splitlines() if line.startswith("| `secondary_diagnoses`"))
    assert "separated by \\|" in row
    assert row.count(" | ") == 5


def test_feed_reference_main_writes_file(tmp_path):
    target = tmp_path / "feeds.md"
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == COMMITTED_REFERENCE.read_text(encoding="utf-8")
