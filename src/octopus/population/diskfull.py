"""A full disk during a feed load or a snapshot write: one clear line and a non-zero exit, not a trace.

Both writers are already all-or-nothing: a feed file's rows go in one DuckDB transaction, and a
pipeline run writes into a scratch folder that is removed on failure and only renamed into place
when complete (``snapshot.py``). What was missing is the message: the engines report a full disk
as DuckDB's ``IOException`` ("Could not write file ... No space left on device"), Arrow's
``OSError`` or Python's own ``OSError(ENOSPC)``, several layers down, and the commands printed the
whole trace. ``stop_cleanly_when_disk_full`` turns any of them into "the disk is full writing
PATH", says what was kept, and exits 1. ``EFBIG`` (a file-size limit, e.g. ``ulimit -f``) and
``EDQUOT`` (a quota) are the same situation for an operator and are reported the same way.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager

import typer

_ERRNOS = {errno.ENOSPC: "No space left on device", errno.EFBIG: "File too large", errno.EDQUOT: "Disk quota exceeded"}
_SAID = {
    "No space left on device": "the disk is full",
    "File too large": "a file-size limit was reached",
    "Disk quota exceeded": "the disk quota is used up",
}
# DuckDB and Arrow keep errno only inside their message text.
_WORDS = re.compile("|".join(re.escape(text) for text in _ERRNOS.values()))
_PATH = re.compile(r'(?:Could not write file|Failed to open local file|error writing|writing)\s+\\?"?\'?([^"\'\\:]+)')


def disk_full(error: BaseException) -> tuple[str, str | None] | None:
    """(cause, path) when ``error`` or anything it was raised from is a full disk; otherwise None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _ERRNOS:
            return _ERRNOS[current.errno], current.filename
        found = _WORDS.search(str(current))
        if found:
            path = _PATH.search(str(current))
            return found.group(0), path.group(1).strip() if path else None
        current = current.__cause__ or current.__context__
    return None


@contextmanager
def stop_cleanly_when_disk_full(echo, *, kept: str) -> Iterator[None]:
    """Run a command's writes; on a full disk print the cause, where, and ``kept``, then exit 1."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 — only full-disk errors are handled; the rest re-raise
        found = disk_full(error)
        if found is None:
            raise
        cause, path = found
        where = f" writing {path}" if path else ""
        echo(f"Stopped: {_SAID[cause]} ({cause}){where}. {kept} Free some space and run the command again.")
        raise typer.Exit(1) from None
