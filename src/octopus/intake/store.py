"""The feed store as the web app reaches it: under settings.DATA_DIR, opened per request.

DuckDB allows one writing process per file, so each request opens the store, does its work and
closes it again rather than holding a connection for the life of the server.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from octopus.population.feeds.store import FeedStore


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def inbox() -> Path:
    folder = data_dir() / "feeds" / "inbox"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def open_store():
    store = FeedStore.open(data_dir())
    try:
        yield store
    finally:
        store.close()


def save_upload(uploaded) -> Path:
    """Write an uploaded file into the inbox under its own base name (the name tells the feed)."""
    name = Path(uploaded.name).name  # never a path the browser chose
    target = inbox() / name
    with target.open("wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    return target
