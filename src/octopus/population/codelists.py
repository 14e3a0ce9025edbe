"""Where the pipeline finds clinical code lists (CSV files with provenance).

Code lists are resolved in this order, so switching to the packaged lists is a no-op:

1. ``OCTOPUS_CODELISTS_DIR`` (explicit override, for a place's own refreshed lists);
2. ``octopus/codelists/`` inside the package, once that ships;
3. ``../shared/data/codelists`` beside the repository (the development checkout).

A missing list is an error naming the file and every directory tried.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pandas as pd

_PACKAGE_DIR = Path(__file__).resolve().parents[1] / "codelists"
_REPO_FALLBACK = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "codelists"


class CodelistNotFound(FileNotFoundError):
    pass


def candidate_dirs() -> list[Path]:
    dirs = []
    if env := os.environ.get("OCTOPUS_CODELISTS_DIR"):
        dirs.append(Path(env))
    dirs += [_PACKAGE_DIR, _REPO_FALLBACK]
    return dirs


def codelist_path(file_name: str) -> Path:
    for directory in candidate_dirs():
        path = directory / file_name
        if path.is_file():
            return path
    tried = ", ".join(str(d) for d in candidate_dirs())
    raise CodelistNotFound(
        f"Code list {file_name} was not found. Looked in: {tried}. "
        "Set OCTOPUS_CODELISTS_DIR to the folder holding the shipped code lists."
    )


@cache
def read_codelist(file_name: str) -> pd.DataFrame:
    """The code list as text columns (codes are strings, never numbers)."""
    return pd.read_csv(codelist_path(file_name), dtype=str, keep_default_na=False)


def codes(file_name: str, column: str = "code") -> frozenset[str]:
    return frozenset(c.strip() for c in read_codelist(file_name)[column] if c.strip())
