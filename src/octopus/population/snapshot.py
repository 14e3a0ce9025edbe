"""Versioned population snapshots, published atomically.

``<data_dir>/snapshots/<run_id>/`` holds one complete run. A run writes into a hidden staging
folder beside it, renames the folder into place when every file is written, and only then
points ``CURRENT`` at it (a temp file moved over CURRENT with ``os.replace``, atomic on POSIX).
A run that fails or is killed leaves a staging folder at worst, never a half snapshot, and
CURRENT still names the last good run. Earlier snapshots are kept: rising risk compares to them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

CURRENT = "CURRENT"
STAGING_PREFIX = ".staging-"


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}Z-{secrets.token_hex(3)}"


class SnapshotStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def current_id(self) -> str | None:
        path = self.root / CURRENT
        return path.read_text().strip() or None if path.is_file() else None

    def path(self, run_id: str) -> Path:
        path = self.root / run_id
        if not (path / "manifest.json").is_file():
            raise FileNotFoundError(f"No snapshot {run_id!r} in {self.root}; `octopus pipeline snapshots` lists them.")
        return path

    def manifest(self, run_id: str) -> dict:
        return json.loads((self.path(run_id) / "manifest.json").read_text())

    def list(self) -> list[dict]:
        if not self.root.is_dir():
            return []
        runs = []
        for child in sorted(self.root.iterdir()):
            if child.is_dir() and not child.name.startswith(".") and (child / "manifest.json").is_file():
                runs.append(json.loads((child / "manifest.json").read_text()))
        return runs

    def current_residents(self, columns: list[str] | None = None) -> tuple[pd.DataFrame | None, dict | None]:
        run_id = self.current_id()
        if run_id is None:
            return None, None
        path = self.path(run_id)
        return pd.read_parquet(path / "residents.parquet", columns=columns), self.manifest(run_id)

    @contextmanager
    def staging(self, run_id: str) -> Iterator[Path]:
        """Yield an empty folder to write the run into; publish it only if the block succeeds."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f"{STAGING_PREFIX}{run_id}"
        staging.mkdir()
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self.publish(staging, run_id)

    def publish(self, staging: Path, run_id: str) -> None:
        final = self.root / run_id
        os.rename(staging, final)
        pointer = self.root / f".{CURRENT}.{run_id}.tmp"
        pointer.write_text(run_id + "\n")
        with open(pointer, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(pointer, self.root / CURRENT)
