"""Faulty deliveries: whole files a loader must refuse, made from a generated set of feeds.

Real partners sometimes send a file the loader cannot take at all: an extract whose query lost
a column after a system upgrade, or one exported with the wrong delimiter. ``write_refused``
copies a few real generated files with one such fault each, as a later delivery from the same
sender, so the demo shows refusals with their messages (naming the file and what is wrong)
beside the rows quarantined inside files that could be read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from octopus.population.feeds.validate import FEED_SEPARATOR

# (feed, fault): a column dropped from the extract, or semicolons for commas.
FAULTS = (("vcse_contacts", "drop_column"), ("community_contacts", "semicolons"))


def _later(path: Path, feed: str, sender: str, day: str, suffix: str) -> Path:
    later = dt.datetime.strptime(day, "%Y%m%d").date() + dt.timedelta(days=1)
    return path.with_name(FEED_SEPARATOR.join((feed, sender, f"{later:%Y%m%d}")) + suffix)


def write_refused(feeds_dir: Path | str) -> list[Path]:
    """Write one faulty delivery per ``FAULTS`` entry whose feed was generated; return the paths."""
    feeds_dir = Path(feeds_dir)
    written = []
    for feed, fault in FAULTS:
        sources = sorted(feeds_dir.glob(f"{feed}{FEED_SEPARATOR}*"))
        if not sources:
            continue
        source = sources[0]
        _, sender, day = source.stem.split(FEED_SEPARATOR)
        table = pq.read_table(source) if source.suffix == ".parquet" else pacsv.read_csv(source)
        table = table.slice(0, min(50, table.num_rows))
        if fault == "drop_column":
            table = table.drop_columns([table.schema.names[-1]])
            target = _later(source, feed, sender, day, source.suffix)
            if source.suffix == ".parquet":
                pq.write_table(table, target)
            else:
                pacsv.write_csv(table, target)
        else:
            target = _later(source, feed, sender, day, ".csv")
            pacsv.write_csv(table, target, write_options=pacsv.WriteOptions(delimiter=";"))
        written.append(target)
    return written
