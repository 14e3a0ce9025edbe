"""Reading what the engine wrote (Parquet) for publishing: batches of plain rows, and refusal of
unreadable inputs, naming the file, before anything is written."""

import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

BATCH = 2000

DEMOGRAPHIC_FIELDS = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "lsoa_code",
    "practice_ods_code",
    "registered",
    "main_language",
    "interpreter_needed",
    "address_line",
    "phone",
    "email",
)


class PublishError(RuntimeError):
    """The inputs cannot be published; the message names the file and what is wrong."""


def open_parquet(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (OSError, ValueError) as error:
        raise PublishError(f"{path}: cannot read as Parquet ({error}).") from error


def batches(path: Path, columns: list[str] | None = None) -> Iterator[list[dict]]:
    for batch in arrow_batches(path, columns, BATCH):
        yield batch.to_pylist()


def arrow_batches(path: Path, columns: list[str] | None, size: int) -> Iterator[pa.RecordBatch]:
    parquet = open_parquet(path)
    missing = set(columns or ()) - set(parquet.schema_arrow.names)
    if missing:
        raise PublishError(f"{path}: missing column(s) {', '.join(sorted(missing))}.")
    yield from parquet.iter_batches(batch_size=size, columns=columns)


class Counted:
    """Record batches passed on as they are read, their rows counted."""

    def __init__(self, batches: Iterable[pa.RecordBatch]):
        self.batches, self.rows = batches, 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self.batches:
            self.rows += batch.num_rows
            yield batch


def clean(value, default=""):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return value


def scalar(value):
    value = clean(value, None)
    return value.item() if hasattr(value, "item") else value


def check_inputs(persons_path: Path, snapshot_dir: Path | None) -> None:
    """Refuse unreadable inputs before the first write: batches commit as they go."""
    persons = open_parquet(persons_path)
    missing = {"person_id", *DEMOGRAPHIC_FIELDS} - set(persons.schema_arrow.names)
    if missing:
        raise PublishError(f"{persons_path}: missing column(s) {', '.join(sorted(missing))}.")
    if snapshot_dir is not None:
        residents_path = snapshot_dir / "residents.parquet"
        if "person_id" not in open_parquet(residents_path).schema_arrow.names:
            raise PublishError(f"{residents_path}: missing column person_id.")
