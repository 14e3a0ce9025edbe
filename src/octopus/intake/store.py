"""The feed store as the web app reaches it: under settings.DATA_DIR, opened per request.

DuckDB allows one process at a time to open the file, even only to read it, so each request
opens the store, does its work and closes it again rather than holding a connection for the life
of the server. While another process has it — the task worker linking persons, or someone
loading deliveries from the command line — opening it raises `StoreBusy`, and the intake pages
say so (`unless_store_busy`) instead of failing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path

import duckdb
from django.conf import settings
from django.shortcuts import render

from octopus.population.feeds.store import FeedStore


class StoreBusy(Exception):
    """Another process has the feed store open."""


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def inbox() -> Path:
    folder = data_dir() / "feeds" / "inbox"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def open_store(*, wait_seconds: float = 0) -> Iterator[FeedStore]:
    """The store, waiting up to `wait_seconds` for another process to let go of it."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            store = FeedStore.open(data_dir())
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() >= deadline:
                raise StoreBusy(f"The feed store {data_dir() / 'feeds'} is in use by another process.") from None
            time.sleep(1)
    try:
        yield store
    finally:
        store.close()


def unless_store_busy(view):
    """Answer 503 with a page that says why, when the store is in use by another process."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except StoreBusy:
            from .models import LinkageJob

            job = LinkageJob.objects.filter(active=True).first()
            response = render(request, "intake/busy.jinja", {"job": job}, status=503)
            response["Retry-After"] = "60"
            return response

    return wrapper


def save_upload(uploaded) -> Path:
    """Write an uploaded file into the inbox under its own base name (the name tells the feed)."""
    name = Path(uploaded.name).name  # never a path the browser chose
    target = inbox() / name
    with target.open("wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    return target
