"""Threads and memory limit for linkage, from config/linkage.yaml (decision 0064)."""

import pytest

from octopus.population.config import ConfigError
from octopus.population.linkage import resources
from octopus.population.linkage.resources import load_resources, resources_from


def test_the_shipped_file_sizes_linkage_to_the_machine(monkeypatch):
    monkeypatch.setattr(resources, "machine_memory_bytes", lambda: 32 * 10**9)
    monkeypatch.setattr(resources, "available_cpus", lambda: 6)
    chosen = load_resources()
    assert (chosen.threads, chosen.memory_limit_bytes, chosen.memory_limit) == (6, 4 * 10**9, "4000MB")


def test_auto_memory_has_a_floor_on_small_machines(monkeypatch):
    monkeypatch.setattr(resources, "machine_memory_bytes", lambda: 4 * 2**30)
    assert resources_from({}, source="x").memory_limit_bytes == 2**30


@pytest.mark.parametrize(
    ("value", "expected"), [("4GB", 4 * 10**9), ("1500MB", 1500 * 10**6), ("2GiB", 2 * 2**30), ("0.5 gb", 5 * 10**8)]
)
def test_explicit_memory_limits(value, expected):
    assert resources_from({"threads": 3, "memory_limit": value}, source="x").memory_limit_bytes == expected


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"threads": 0}, "threads must be a whole number of at least 1 or auto, not 0"),
        ({"threads": "four"}, "threads must be a whole number"),
        ({"memory_limit": "lots"}, "memory_limit must be like 4GB, 1500MB or auto, not 'lots'"),
        ({"memory_limit": "50MB"}, "below 100MB"),
        ({"memory": "4GB"}, "unknown key(s) memory; the keys are threads and memory_limit"),
    ],
)
def test_bad_values_name_the_file_and_the_key(tmp_path, document, message):
    path = tmp_path / "linkage.yaml"
    path.write_text("\n".join(f"{key}: {value}" for key, value in document.items()) + "\n")
    with pytest.raises(ConfigError) as error:
        load_resources(path)
    assert str(path) in str(error.value) and message in str(error.value)
