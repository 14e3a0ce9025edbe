"""The code-list registry: each list Octopus reads, with its file, coding system, source and
version (``codelists.yaml``, decision 0066).

Feeds (a contract column's ``codelist:``) and features (conditions, frailty, demographics,
prevention) resolve lists here, by name (``pcd_hf_cod``) or file name (``pcd_hf_cod.csv``).
A file is looked for, in order, in ``codelists/`` in the place's configuration folder
(``OCTOPUS_CONFIG_DIR``), in ``OCTOPUS_CODELISTS_DIR`` (a folder of refreshed downloads), then in
the package. A list missing from the registry, or whose file is nowhere, is an error naming
the list and every folder tried.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from octopus.config import ConfigError, Schema, load
from octopus.config.folder import config_dir

PACKAGE_DIR = Path(__file__).resolve().parent
CODINGS = ("snomedct", "icd10", "ctv3", "readv2", "other")


class CodelistNotFound(FileNotFoundError):
    pass


class CodeList(Schema):
    file: str = Field(pattern=r"^[\w.+-]+\.csv$", description="The CSV file (a `code` column, codes as text).")
    coding: Literal["snomedct", "icd10", "ctv3", "readv2", "other"] = Field(
        description=("The coding system of its codes (lists of different systems are never mixed).")
    )
    source: str = Field(min_length=1, description="Where the list comes from: publisher, repository and path.")
    version: str = Field(min_length=1, description="The version or release the file is, or 'not recorded'.")


class Registry(Schema):
    """Clinical code lists (``codelists.yaml``)."""

    lists: dict[str, CodeList] = Field(min_length=1, description="Each list by its name (the file name without .csv).")

    @field_validator("lists")
    @classmethod
    def _files_exist(cls, lists: dict[str, CodeList]) -> dict[str, CodeList]:
        missing = [f"{name} ({entry.file})" for name, entry in lists.items() if _find(entry.file) is None]
        if missing:
            raise ValueError(f"no file for {', '.join(missing)}; looked in {', '.join(map(str, folders()))}.")
        return lists

    def entry(self, name: str) -> CodeList:
        key = name.removesuffix(".csv")
        if key in self.lists:
            return self.lists[key]
        by_file = [e for e in self.lists.values() if e.file == name]
        if by_file:
            return by_file[0]
        raise CodelistNotFound(
            f"Code list {name} is not in the code-list registry (codelists.yaml); add it there "
            "with its file, coding, source and version."
        )


def folders() -> list[Path]:
    found = []
    if (folder := config_dir()) is not None:
        found.append(folder / "codelists")
    if env := os.environ.get("OCTOPUS_CODELISTS_DIR"):
        found.append(Path(env))
    return [*found, PACKAGE_DIR]


def _find(file_name: str) -> Path | None:
    for folder in folders():
        if (folder / file_name).is_file():
            return folder / file_name
    return None


def registry() -> Registry:
    return load("codelists.yaml")


def path(name: str) -> Path:
    """The file of the list ``name`` (or file name) in effect."""
    try:
        entry = registry().entry(name)
    except ConfigError as error:
        raise CodelistNotFound(str(error)) from None
    found = _find(entry.file)
    if found is None:
        raise CodelistNotFound(f"Code list {entry.file} was not found. Looked in: {', '.join(map(str, folders()))}.")
    return found
