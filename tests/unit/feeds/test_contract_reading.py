"""The shipped contracts are read once and kept until a file changes; other folders are always read."""

import shutil

from octopus.population.feeds import contract
from octopus.population.feeds.contract import CONTRACTS_DIR, load_contracts


def test_shipped_contracts_are_read_once():
    assert load_contracts() is load_contracts()
    assert load_contracts(str(CONTRACTS_DIR)) is load_contracts()


def test_shipped_contracts_are_read_again_when_a_file_changes(monkeypatch):
    first = load_contracts()
    path = sorted(CONTRACTS_DIR.glob("*.yaml"))[0]
    stat = path.stat()
    # Pretend the file was edited (its time moved on) without touching the shipped file.
    real_stat_key = contract._stat_key
    monkeypatch.setattr(
        contract, "_stat_key", lambda p: (stat.st_mtime_ns + 1, stat.st_size) if p == path else real_stat_key(p)
    )
    second = load_contracts()
    assert second is not first
    assert dict(second) == dict(first)


def test_another_folder_is_read_every_time_and_sees_an_edit(tmp_path):
    folder = tmp_path / "contracts"
    shutil.copytree(CONTRACTS_DIR, folder)
    before = load_contracts(folder)["apc_spells"]
    path = folder / "apc_spells.yaml"
    text = path.read_text()
    path.write_text(text.replace(f"title: {before.title}", "title: Edited spells", 1))
    assert load_contracts(folder)["apc_spells"].title == "Edited spells"
    assert load_contracts()["apc_spells"].title == before.title
