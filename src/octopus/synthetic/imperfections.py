"""What real partner data gets wrong, at known rates, recorded in the truth files.

Missing NHS numbers (council, VCSE and ambulance senders often lack them), name typos and
nicknames, day and month swapped, postcodes without their space, duplicated rows, late-arriving
rows (delivered in the next file) and, on request (`--malformed-rate`), malformed rows a loader
must quarantine.

Only malformed rows may fail the feed contract. Every other imperfection is one a valid file
can carry, so with no malformed rate every file loads with no row quarantined:

- a swapped date of birth stays on or before every date the contract says may not precede it
  (registration start, death, contact, ...) and before the as-of date, since a loader checks
  both; a swap that would break either is not made;
- a duplicated row is the same record sent again, in the next (as-of) delivery with the same
  key, as overlapping extracts do: a later delivery supersedes it. A repeat inside one file
  would be a fault (the key must be unique in a file), so late rows are never duplicated.

A malformed row is broken in one of four ways, chosen at random:

- `invalid_nhs_number`: ten digits with a wrong Modulus 11 check digit;
- `invalid_code`: a value outside the allowed list in a code column (or a bad SNOMED CT code);
- `missing_required`: a required column left empty;
- `unparseable_date`: the event date written as text no parser accepts ("31/02/2026 ??").
  CSV only: a Parquet date column cannot hold text, so in Parquet such rows get one of the
  other three kinds instead.

GP feeds written as FHIR bundles (`gp_fhir`) break where FHIR can: a Patient's NHS number
identifier fails Modulus 11; an event's SNOMED CT code (or an appointment's encounter class) is
not a code, or its date is missing. A bundle that is not valid FHIR would be refused whole, so
no fault makes invalid FHIR; the importer drops the bad NHS number and skips the bad resources.
Events carry no NHS number in FHIR (they point at their Patient), so none goes missing there.

Each kind is recorded per row in `truth/record_truth` (`malformed_kind`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from octopus.population.feeds.contract import ColumnType, Feed
from octopus.population.feeds.validate import DATE_ORDER
from octopus.synthetic.feeds import GIVEN, GIVEN_VARIANTS
from octopus.synthetic.rows import Coded, FeedRows, Numbered

MISSING_NHS_NUMBER = {
    "asc_clients": 0.3,
    "asc_packages": 0.3,
    "vcse_contacts": 0.85,
    "las_incidents": 0.25,
    "care_home_residents": 0.2,
    "deaths": 0.02,
}
DEFAULT_MISSING_NHS_NUMBER = 0.01
NAME_ERROR_RATE = 0.03
DOB_SWAP_RATE = 0.01
POSTCODE_VARIANT_RATE = 0.05
DUPLICATE_RATE = 0.005
LATE_RATE = 0.02
TRUTH_FLAGS = (
    "nhs_number_missing",
    "name_altered",
    "dob_swapped",
    "postcode_variant",
    "duplicated",
    "late",
    "malformed",
)
MALFORMED_KINDS = ("invalid_nhs_number", "invalid_code", "missing_required", "unparseable_date")
# Fails Modulus 11 (the check digit of 123456789 is 1), so a loader must reject it.
BAD_NHS_NUMBER = "1234567890"
BAD_CODE = "not a code!"
UNPARSEABLE_DATE = "31/02/2026 ??"
_KEY = ("sender_code", "source_record_id")


@dataclass
class Degraded:
    """A feed's rows after degrading: what to write, and per original row what was done."""

    rows: FeedRows  # original rows then duplicate copies
    late: np.ndarray  # per written row: goes in the as-of delivery (late rows and resent copies)
    unparseable: np.ndarray  # per written row: write the event date as text (CSV)
    flags: dict[str, np.ndarray]  # per original row
    malformed_kind: np.ndarray  # per original row: index into MALFORMED_KINDS, -1 if none
    origin: np.ndarray  # per written row: the original row it is (a copy of)


def set_null(values: Coded, mask: np.ndarray) -> Coded:
    return Coded(values.vocabulary, np.where(mask, -1, values.codes))


def set_text(values, mask: np.ndarray, text: str):
    if isinstance(values, Coded):
        return values.replace(mask, text)
    return pc.if_else(pa.array(mask), text, values.to_arrow() if isinstance(values, Numbered) else values)


def _malformable(feed: Feed, fmt: str) -> tuple[dict[int, str], tuple[int, ...]]:
    """Per malformed kind this feed can carry, the column it breaks."""
    names = {column.name: column for column in feed.columns}
    targets: dict[int, str] = {}
    if fmt == "fhir":
        return _fhir_malformable(feed)
    if "nhs_number" in names:
        targets[0] = "nhs_number"
    code = next(
        (c.name for c in feed.columns if c.type in (ColumnType.CODE, ColumnType.SNOMED_CODE) and c.required), None
    )
    code = code or next((c.name for c in feed.columns if c.type is ColumnType.CODE), None)
    if code:
        targets[1] = code
    required = next(
        (c.name for c in feed.columns if c.required and c.name not in _KEY and c.arrow_type() == pa.string()), None
    )
    if required:
        targets[2] = required
    if fmt == "csv" and feed.event_date:
        targets[3] = feed.event_date
    return targets, tuple(sorted(targets))


def _fhir_malformable(feed: Feed) -> tuple[dict[int, str], tuple[int, ...]]:
    if feed.name == "gp_registrations":
        targets = {0: "nhs_number"}
    else:
        code = next(c.name for c in feed.columns if c.type in (ColumnType.CODE, ColumnType.SNOMED_CODE) and c.required)
        targets = {1: code, 2: feed.event_date}
    return targets, tuple(sorted(targets))


def set_missing(values, mask: np.ndarray):
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return np.where(mask, np.datetime64("NaT"), values)
    return set_text(values, mask, "")


def latest_birth(columns: dict, as_of: np.datetime64) -> np.ndarray:
    """Per row, the latest date of birth the contract allows: before as-of and on or before
    every date of the row that may not precede birth."""
    latest = np.full(len(columns["date_of_birth"]), as_of - np.timedelta64(1, "D"), dtype="datetime64[D]")
    for earlier, later in DATE_ORDER:
        if earlier == "date_of_birth" and later in columns and isinstance(columns[later], np.ndarray):
            dates = columns[later].astype("datetime64[D]")
            latest = np.where(np.isnat(dates), latest, np.minimum(latest, dates))
    return latest


def apply(
    feed: Feed, feed_rows: FeedRows, rng: np.random.Generator, malformed_rate: float, fmt: str, as_of: np.datetime64
) -> Degraded:
    """Degrade a feed's rows and say, row by row, what was done."""
    n = len(feed_rows)
    columns = dict(feed_rows.columns)
    flags = {key: np.zeros(n, bool) for key in TRUTH_FLAGS}
    # Registrations and objections are keyed on the NHS number at source: never missing.
    if "nhs_number" in columns and feed.name not in ("gp_registrations", "objections"):
        drop = rng.random(n) < MISSING_NHS_NUMBER.get(feed.name, DEFAULT_MISSING_NHS_NUMBER)
        drop &= columns["nhs_number"].present()
        if fmt == "fhir":
            drop[:] = False
        columns["nhs_number"] = set_null(columns["nhs_number"], drop)
        flags["nhs_number_missing"] = drop
    if "given_name" in columns:
        alter = rng.random(n) < NAME_ERROR_RATE
        given = columns["given_name"].codes.copy()
        given[alter] = GIVEN_VARIANTS.typo(given[alter], rng)
        columns["given_name"] = Coded(GIVEN, given)
        flags["name_altered"] = alter
    if "date_of_birth" in columns:
        dob = columns["date_of_birth"].astype("datetime64[D]")
        month_start = dob.astype("datetime64[M]")
        day = (dob - month_start.astype("datetime64[D]")).astype(np.int64) + 1
        month = month_start.astype(np.int64) % 12 + 1
        swap = (rng.random(n) < DOB_SWAP_RATE) & (day <= 12) & (day != month)
        year_start = dob.astype("datetime64[Y]").astype("datetime64[M]")
        swapped = (year_start + (np.minimum(day, 12) - 1)).astype("datetime64[D]") + (month - 1)
        swap &= swapped <= latest_birth(columns, as_of)
        dob = np.where(swap, swapped, dob)
        columns["date_of_birth"] = dob
        flags["dob_swapped"] = swap
    if "postcode" in columns:
        postcode = columns["postcode"]
        vary = (rng.random(n) < POSTCODE_VARIANT_RATE) & postcode.present()
        columns["postcode"] = postcode.rewrite(vary, lambda codes: pc.replace_substring(codes, " ", ""))
        flags["postcode_variant"] = vary
    late = rng.random(n) < LATE_RATE
    flags["late"] = late
    kind = np.full(n, -1, dtype=np.int64)
    if malformed_rate > 0:
        bad = rng.random(n) < malformed_rate
        targets, kinds = _malformable(feed, fmt)
        kind[bad] = np.array(kinds)[rng.integers(0, len(kinds), int(bad.sum()))]
        for k, column in targets.items():
            mask = kind == k
            if not mask.any() or k == 3:
                continue
            if k == 2:
                columns[column] = set_missing(columns[column], mask)
            else:
                columns[column] = set_text(columns[column], mask, BAD_NHS_NUMBER if k == 0 else BAD_CODE)
        flags["malformed"] = bad
    # Drawn among on-time rows only, at a rate that keeps the share of all rows DUPLICATE_RATE.
    dup = np.flatnonzero((rng.random(n) < DUPLICATE_RATE / (1 - LATE_RATE)) & ~late)
    flags["duplicated"][dup] = True
    index = np.concatenate([np.arange(n), dup])
    degraded = FeedRows(feed_rows.senders, feed_rows.sender, feed_rows.person, columns)
    if len(dup):
        degraded = degraded.take(index)
    resent = np.concatenate([late, np.ones(len(dup), bool)])
    return Degraded(degraded, resent, (kind == 3)[index], flags, kind, index)
