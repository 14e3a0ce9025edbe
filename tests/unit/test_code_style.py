"""The code passes ruff and is formatted (decision 0068). `make lint` checks both; CI runs only
`make test`, so they are checked here too, with the configuration in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ["src", "tests", "benchmarks", "scripts"]

# ruff is a dev dependency that `make test` installs; without it these tests fail rather than skip,
# so a suite run without the dev set cannot pass the style check by not making it.


def _ruff(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ruff", *args, "--no-cache", *CHECKED]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_code_style_ruff_check_passes():
    result = _ruff("check", "--output-format", "concise")
    assert result.returncode == 0, f"ruff check found problems (make lint; make format fixes some):\n{result.stdout}"


def test_code_style_ruff_format_leaves_the_code_unchanged():
    result = _ruff("format", "--check")
    assert result.returncode == 0, f"These files need `make format` (ruff format):\n{result.stdout}"
