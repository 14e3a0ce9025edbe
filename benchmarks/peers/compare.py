"""Check at size that the peers' Parquet outputs hold our engine's rows and values.

    python benchmarks/peers/compare.py OURS.parquet PEER.parquet [PEER.parquet ...]

Rows are matched on person_id (each side writes them in its own order); integers, flags and
text must be equal, floats within 1e-9. Prints one line per peer and exits 1 on a difference.
"""

from __future__ import annotations

import sys

import pyarrow.compute as pc
import pyarrow.parquet as pq


def _sorted(path: str):
    table = pq.read_table(path)
    return table.take(pc.sort_indices(table["person_id"]))


def differences(ours, peer) -> list[str]:
    if peer.column_names != ours.column_names:
        return [f"columns differ: {sorted(set(peer.column_names) ^ set(ours.column_names))}"]
    if peer.num_rows != ours.num_rows:
        return [f"{peer.num_rows} rows against our {ours.num_rows}"]
    found = []
    for name in ours.column_names:
        a, b = ours[name], peer[name]
        if pc.all(pc.equal(a.is_null(), b.is_null())).as_py() is False:
            found.append(f"{name}: nulls differ")
            continue
        if a.type in ("double", "float") or str(a.type) == "double":
            same = pc.less_equal(pc.abs(pc.subtract(a, b.cast(a.type))), 1e-9)
        else:
            same = pc.equal(a, b.cast(a.type))
        if pc.all(same).as_py() is False:
            found.append(f"{name}: {pc.sum(pc.invert(same)).as_py()} values differ")
    return found


def main() -> None:
    ours = _sorted(sys.argv[1])
    failed = False
    for path in sys.argv[2:]:
        found = differences(ours, _sorted(path))
        print(
            f"{path}: {'same rows and values as ours' if not found else '; '.join(found)} "
            f"({ours.num_rows} residents, {ours.num_columns} columns)"
        )
        failed |= bool(found)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
