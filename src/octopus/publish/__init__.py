"""Publishing: what the population engine wrote (the linked extract and a snapshot, Parquet) put
into the operational database the web apps read.

- ``snapshot``: ``publish()``, the whole step, with the ``PublishedSnapshot`` row written last;
- ``residents``: linked persons (demographics) and households;
- ``scores``: the snapshot's risk, band, segment, conditions, flags, gaps and cohorts;
- ``timeline``: partner feed rows as ``ActivityEvent`` rows;
- ``deaths``: deaths and the care-home register from their feeds;
- ``inputs``: reading the Parquet, refusing unreadable inputs before the first write;
- ``cli``: ``octopus publish``.

Generic batched SQL (``executemany`` per chunk) is ``octopus.core.bulk``.
"""

__all__ = ["PublishError", "PublishReport", "publish"]


def __getattr__(name):
    # Lazily, so that ``octopus --help`` (which imports ``publish.cli``) runs before Django is
    # set up: ``snapshot`` imports models.
    if name == "PublishError":
        from .inputs import PublishError

        return PublishError
    if name in ("PublishReport", "publish"):
        from . import snapshot

        return getattr(snapshot, name)
    raise AttributeError(name)
