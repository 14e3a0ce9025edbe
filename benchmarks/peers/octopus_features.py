"""Our engine's side of the peer comparison: the same features, one process, written to Parquet.

    python benchmarks/peers/octopus_features.py LINKED_DIR AS_OF OUT.parquet

What the pipeline's feature step does for one date without the prevention programmes
(``build_features(..., with_prevention=False)``, the risk model's inputs), from start-up to file,
so a whole-process timing compares like with like against ``polars_features.py`` and
``pandas_features.py``.
"""

from __future__ import annotations

import sys
from datetime import date

from octopus.population import engines
from octopus.population.features import build_features
from octopus.population.linked import read_linked


def main() -> None:
    linked_dir, as_of, out = sys.argv[1], date.fromisoformat(sys.argv[2]), sys.argv[3]
    con = engines.connect("duckdb")
    expression = build_features(read_linked(linked_dir, con), as_of, ordered=False, with_prevention=False)
    engines.write_parquet(con, expression, out)


if __name__ == "__main__":
    main()
