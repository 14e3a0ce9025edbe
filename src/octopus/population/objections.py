"""Who objected to their data being used beyond their own care: the ``objections`` feed.

National data opt-outs and type 1 objections arrive as a feed like any other (contract
``feeds/contracts/objections.yaml``), are validated and quarantined by the loader, and are linked
to persons by NHS number. An objection is honoured from the moment it is loaded until it is
withdrawn, whatever the as-of date of the run: it limits what may be done with the data now,
not what was true then. What is left out where is set out in docs/information-governance.md
(decision 0023): objectors are not trained on, scored, ranked, segmented, put in cohorts or
exported; their features stay in the snapshot for their direct-care record.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow.compute as pc
import pyarrow.parquet as pq

from octopus.population import engines
from octopus.population.features.periods import count_where
from octopus.population.linked import LinkedExtract

FEED = "objections"


KINDS = ("national_data_opt_out", "type_1")


def active_objections(objections: ibis.Table) -> ibis.Table:
    """One row per objecting person: ``person_id`` and a flag per kind of standing objection."""
    standing = objections.filter(objections.withdrawn_date.isnull())
    return standing.group_by("person_id").aggregate(
        **{kind: count_where(standing.objection_type == kind) > 0 for kind in KINDS}
    )


def objector_ids(con, linked: LinkedExtract) -> dict[str, str]:
    """Objecting persons in the linked extract: person_id to the kinds of objection, "; "-joined."""
    frame = engines.execute(con, active_objections(linked.feed(FEED)), sort_by="person_id")
    objectors = {}
    for row in frame.itertuples(index=False):  # objectors: a few percent of the population
        objectors[row.person_id] = "; ".join(kind for kind in KINDS if getattr(row, kind))
    return objectors


def objector_ids_from_file(linked_dir: Path | str) -> frozenset[str]:
    """The objectors in ``<linked>/objections.parquet`` (empty if none was delivered).

    For exports made after the snapshot: an objection loaded since the run is honoured too.
    """
    path = Path(linked_dir) / f"{FEED}.parquet"
    if not path.is_file():
        return frozenset()
    table = pq.read_table(path, columns=["person_id", "withdrawn_date"])
    standing = table.filter(pc.is_null(table["withdrawn_date"]))
    return frozenset(standing["person_id"].to_pylist())
