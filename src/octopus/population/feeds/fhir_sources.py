"""Reading FHIR R4 deliveries as a stream of resources: bundles, or a Bulk Data `$export`.

Two shapes of folder are read, each as the plain JSON it is (orjson), never as `fhir.resources`
models, which cost about 60 times the parse (issue #15; docs/benchmarks.md):

- **Bundles** (`*.json`): one Bundle per file, `transaction`, `batch` or `collection`. A file is
  parsed whole (a bundle is a unit its sender sized), and its entries are yielded in order.
- **Bulk Data export** (`*.ndjson`, `*.ndjson.gz`): the FHIR Bulk Data Access `$export` output,
  one resource per line and one file (or several) per resource type, plain or gzip. Read line by
  line, so memory does not grow with the file. Files of Organizations come first and Patients
  next, so the practices and persons other resources point at are known when they arrive.

Every fault names the file, the entry (bundles, counted from 1) or line (NDJSON) and the field:
not JSON, truncated, a Bundle that is not one, an entry without a resource or resourceType, a
line whose resourceType is not the type its file is named after. The importer reads the whole
folder before it writes anything, so a fault anywhere leaves the store as it was.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from octopus.population.feeds.validate import FeedRejected

# Resources other resources point at come first in a Bulk Data export (see module docstring).
FIRST_TYPES = ("Organization", "Patient")


@dataclass(frozen=True)
class Entry:
    """One resource as it arrived: where it came from, and its bundle `fullUrl` if any."""

    file_name: str
    where: str  # "entry 3" or "line 17"
    resource: dict
    full_url: str | None = None

    @property
    def kind(self) -> str:
        return self.resource["resourceType"]

    def fault(self, field: str, problem: str) -> FeedRejected:
        return FeedRejected(f"{self.file_name}, {self.where}, field {field}: {problem}. Nothing was loaded.")


def delivery_files(directory: Path) -> tuple[str, list[Path]]:
    """('bundles' or 'ndjson', the files in reading order); refuses a folder holding neither."""
    bundles = sorted(directory.glob("*.json"))
    ndjson = sorted([*directory.glob("*.ndjson"), *directory.glob("*.ndjson.gz")], key=_ndjson_order)
    if bundles and ndjson:
        raise FeedRejected(
            f"{directory}: holds both FHIR bundles (*.json) and Bulk Data files (*.ndjson); "
            "import them from separate folders."
        )
    if ndjson:
        return "ndjson", ndjson
    if bundles:
        return "bundles", bundles
    raise FeedRejected(f"{directory}: no FHIR bundle (*.json) or Bulk Data (*.ndjson, *.ndjson.gz) files found.")


def _ndjson_order(path: Path) -> tuple[int, str]:
    kind = type_of_file(path)
    return (FIRST_TYPES.index(kind) if kind in FIRST_TYPES else len(FIRST_TYPES), path.name)


def type_of_file(path: Path) -> str | None:
    """The resource type a Bulk Data file is named after ("Patient.ndjson", "Patient.002.ndjson",
    "Patient-1.ndjson.gz"), or None when its name does not say."""
    stem = path.name.split(".")[0].split("-")[0].split("_")[0]
    return stem if stem[:1].isupper() and stem.isalpha() else None


def read_bundle(path: Path) -> Iterator[Entry]:
    try:
        bundle = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise FeedRejected(
            f"{path.name}: is not valid JSON, so nothing was loaded ({error}). "
            "A file cut short in transfer reads this way: send it again."
        ) from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        found = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
        raise FeedRejected(f"{path.name}, field resourceType: is {found!r}, expected 'Bundle'. Nothing was loaded.")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise FeedRejected(f"{path.name}, field entry: is not a list. Nothing was loaded.")
    name = path.name
    for number, item in enumerate(entries, start=1):
        where = f"entry {number}"
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict):
            raise FeedRejected(f"{name}, {where}, field resource: missing or not an object. Nothing was loaded.")
        _check_type(name, where, resource)
        full_url = item.get("fullUrl")
        yield Entry(name, where, resource, full_url if isinstance(full_url, str) else None)


def read_ndjson(path: Path) -> Iterator[Entry]:
    expected, name = type_of_file(path), path.name
    opener = gzip.open if path.name.endswith(".gz") else open
    number = 0
    try:
        with opener(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):  # noqa: B007 — the count names a fault after the loop
                if not line.strip():
                    continue
                where = f"line {number}"
                try:
                    resource = orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    raise FeedRejected(f"{name}, {where}: is not valid JSON ({error}). Nothing was loaded.") from None
                if not isinstance(resource, dict):
                    raise FeedRejected(f"{name}, {where}: is not a JSON object. Nothing was loaded.")
                _check_type(name, where, resource)
                if expected and resource["resourceType"] != expected:
                    raise FeedRejected(
                        f"{name}, {where}, field resourceType: is {resource['resourceType']!r} "
                        f"in a file of {expected} resources. Nothing was loaded."
                    )
                yield Entry(name, where, resource)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise FeedRejected(
            f"{path.name}, after line {number}: the gzip stream is damaged or cut short ({error}). "
            "Nothing was loaded; send the file again."
        ) from None


def _check_type(file_name: str, where: str, resource: dict) -> None:
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise FeedRejected(f"{file_name}, {where}, field resourceType: missing. Nothing was loaded.")


def read_delivery(directory: Path) -> Iterator[Entry]:
    """Every resource of the folder, bundle by bundle or line by line."""
    shape, files = delivery_files(directory)
    reader = read_ndjson if shape == "ndjson" else read_bundle
    for path in files:
        yield from reader(path)
