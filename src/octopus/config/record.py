"""Which configuration a run used, and what changed since the last one (decision 0066).

A pipeline run keeps a copy of every effective configuration file in its snapshot
(``config/``) and records in its manifest who ran it, when, the whole configuration's
fingerprint and, per file, where it came from and how it differs from the previous snapshot's.
The model card shows that record. ``octopus serve`` and ``octopus publish`` append to
``<data dir>/config-history.jsonl`` whenever the fingerprint differs from the last entry, so
a change between runs is on record with who started the process and when.
"""

from __future__ import annotations

import difflib
import getpass
import hashlib
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

from octopus.config.folder import (
    FILES,
    config_dir,
    effective_texts,
    fingerprint,
    is_override,
    path_for,
)

HISTORY_FILE = "config-history.jsonl"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def who() -> str:
    """The process that applied the configuration: its user, host and command."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid inside some containers
        user = str(os.getuid())
    command = " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:3]) if sys.argv else "python"
    return f"{user}@{socket.gethostname()} ({command})"


def describe(texts: dict[str, str] | None = None) -> dict:
    texts = texts if texts is not None else effective_texts()
    folder = config_dir()
    return {
        "fingerprint": fingerprint(texts),
        "folder": str(folder) if folder else None,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "by": who(),
        "files": {
            name: {
                "source": str(path_for(name)) if path_for(name) else None,
                "override": is_override(name),
                "sha256": _sha(text) if text else None,
            }
            for name, text in texts.items()
        },
    }


def diff(before: dict[str, str], after: dict[str, str]) -> list[dict]:
    """Per changed file, a unified diff from ``before`` to ``after``."""
    changes = []
    for name in FILES:
        old, new = before.get(name, ""), after.get(name, "")
        if old != new:
            lines = difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"previous/{name}",
                tofile=f"this run/{name}",
                n=1,
            )
            changes.append({"file": name, "diff": "".join(lines)})
    return changes


def read_copied(snapshot: Path) -> dict[str, str] | None:
    folder = Path(snapshot) / "config"
    if not folder.is_dir():
        return None
    return {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir() if path.name in FILES}


def copy_into(snapshot: Path, previous: Path | None) -> dict:
    """Copy the effective configuration into a snapshot being built; the record for its manifest."""
    texts = effective_texts()
    target = Path(snapshot) / "config"
    target.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        if text:
            (target / name).write_text(text, encoding="utf-8")
    record = describe(texts)
    before = read_copied(previous) if previous is not None else None
    # None: the previous snapshot predates recorded configuration, so nothing can be compared.
    record["changes_since_previous"] = diff(before, texts) if before is not None else None
    return record


def note(data_dir: Path, event: str) -> dict | None:
    """Append to the history when the configuration differs from its last entry; the new entry."""
    path = Path(data_dir) / HISTORY_FILE
    texts = effective_texts()
    current = fingerprint(texts)
    last = None
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        last = json.loads(lines[-1]) if lines else None
    if last is not None and last.get("fingerprint") == current:
        return None
    entry = describe(texts) | {"event": event}
    before = last.get("texts") if last else None
    entry["changes"] = diff(before, texts) if before is not None else None
    entry["texts"] = texts
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
    return entry


def history(data_dir: Path, limit: int = 20) -> list[dict]:
    """The latest entries first, without the copied texts."""
    path = Path(data_dir) / HISTORY_FILE
    if not path.is_file():
        return []
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{k: v for k, v in e.items() if k != "texts"} for e in reversed(entries[-limit:])]
