"""Reading clinical code lists (CSV files with provenance) for the engine's features.

Lists are resolved by the one code-list registry, ``octopus.codelists.registry`` (decision
0066): a place's ``codelists/`` folder in ``OCTOPUS_CONFIG_DIR``, then ``OCTOPUS_CODELISTS_DIR``,
then the package. A list not in the registry, or not found, is an error naming it and every
folder tried.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from octopus.codelists.registry import CodelistNotFound, folders, path

__all__ = ["CodelistNotFound", "candidate_dirs", "codelist_path", "codes", "read_codelist"]


def candidate_dirs() -> list[Path]:
    return folders()


def codelist_path(file_name: str) -> Path:
    return path(file_name)


def read_codelist(file_name: str) -> pd.DataFrame:
    """The code list as text columns (codes are strings, never numbers)."""
    found = codelist_path(file_name)
    return _read(str(found), found.stat().st_mtime_ns)


@cache
def _read(found: str, _mtime: int) -> pd.DataFrame:
    return pd.read_csv(found, dtype=str, keep_default_na=False)


def codes(file_name: str, column: str = "code") -> frozenset[str]:
    return frozenset(c.strip() for c in read_codelist(file_name)[column] if c.strip())
