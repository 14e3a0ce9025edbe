"""A configuration error stops every entry point with one clear line and a non-zero exit.

Run as real processes: what matters is what the person starting Octopus sees on the terminal.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from octopus.settings.environment import CONFIGURATION_EXIT_CODE

ROOT = Path(__file__).resolve().parents[2]
OCTOPUS = [sys.executable, "-c", "from octopus.cli import main; main()"]


def _environment(tmp_path, **overrides) -> dict:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("OCTOPUS_") and k != "DJANGO_SETTINGS_MODULE"
    }
    environment.update(PYTHONPATH=str(ROOT / "src"), OCTOPUS_ENV="production", OCTOPUS_DATA_DIR=str(tmp_path))
    environment.update(overrides)
    return environment


def _run(command, environment, tmp_path):
    return subprocess.run(command, env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("arguments", [["publish"], ["manage", "check"], ["audit", "verify"]])
def test_octopus_command_without_secret_key_prints_one_line_and_exits(tmp_path, arguments):
    result = _run([*OCTOPUS, *arguments], _environment(tmp_path), tmp_path)
    assert result.returncode == CONFIGURATION_EXIT_CODE
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Octopus is not configured correctly: The environment variable OCTOPUS_SECRET_KEY must be set "
        "(see docs/configuration.md)."
    ]
    assert "Traceback" not in result.stderr + result.stdout


def test_manage_py_without_secret_key_prints_one_line_and_exits(tmp_path):
    environment = _environment(tmp_path, DJANGO_SETTINGS_MODULE="octopus.settings.production")
    result = _run([sys.executable, str(ROOT / "manage.py"), "check"], environment, tmp_path)
    assert result.returncode == CONFIGURATION_EXIT_CODE
    assert result.stderr.strip().splitlines() == [
        "Octopus is not configured correctly: The environment variable OCTOPUS_SECRET_KEY must be set "
        "(see docs/configuration.md)."
    ]


def test_octopus_command_with_malformed_number_names_the_variable(tmp_path):
    environment = _environment(tmp_path, OCTOPUS_SECRET_KEY="x" * 50, OCTOPUS_IDLE_TIMEOUT_MINUTES="half an hour")
    result = _run([*OCTOPUS, "manage", "check"], environment, tmp_path)
    assert result.returncode == CONFIGURATION_EXIT_CODE
    assert result.stderr.strip().splitlines() == [
        "Octopus is not configured correctly: OCTOPUS_IDLE_TIMEOUT_MINUTES='half an hour' is not a whole number."
    ]
