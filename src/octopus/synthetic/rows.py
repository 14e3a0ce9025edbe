"""Feed rows as column arrays: the shape every feed builder returns and the writer consumes.

Speed comes from never touching a row in Python: numbers stay numpy arrays, text is built and
gathered with Arrow compute (`take` from a small vocabulary, joins of whole arrays), and the
sender of each row is a small integer into the chunk's list of senders, so grouping rows by
sender is one sort.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MASK40 = (1 << 40) - 1


@dataclass(frozen=True)
class Coded:
    """Text stored as integer codes into a vocabulary; code -1 means empty (null)."""

    vocabulary: pa.Array
    codes: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, index: np.ndarray) -> Coded:
        return Coded(self.vocabulary, self.codes[index])

    def to_arrow(self) -> pa.Array:
        codes = self.codes
        if (codes < 0).any():
            return self.vocabulary.take(pa.array(np.maximum(codes, 0), mask=codes < 0))
        return self.vocabulary.take(pa.array(codes))

    def present(self) -> np.ndarray:
        """True where the value is not null."""
        valid = pc.is_valid(self.vocabulary).to_numpy(zero_copy_only=False)
        return (self.codes >= 0) & valid[np.maximum(self.codes, 0)]

    def replace(self, mask: np.ndarray, value: str) -> Coded:
        """`value` where `mask`, by adding it to the vocabulary (no per-row text is built)."""
        extended = pa.concat_arrays([self.vocabulary, pa.array([value], type=pa.string())])
        return Coded(extended, np.where(mask, len(self.vocabulary), self.codes))

    def rewrite(self, mask: np.ndarray, function) -> Coded:
        """`function(vocabulary)` where `mask`: e.g. every postcode without its space."""
        extended = pa.concat_arrays([self.vocabulary, function(self.vocabulary)])
        return Coded(extended, np.where(mask & (self.codes >= 0), self.codes + len(self.vocabulary), self.codes))


@dataclass(frozen=True)
class Numbered:
    """Identifiers written as a prefix and a zero-padded number ("S0100000042"), built only
    when written."""

    prefix: str
    numbers: np.ndarray
    width: int

    def __len__(self) -> int:
        return len(self.numbers)

    def take(self, index: np.ndarray) -> Numbered:
        return Numbered(self.prefix, self.numbers[index], self.width)

    def to_arrow(self) -> pa.Array:
        return digits_text(self.numbers, self.width, self.prefix)


def vocabulary(values) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def coded(values, codes: np.ndarray) -> Coded:
    return Coded(values if isinstance(values, pa.Array) else vocabulary(values), np.asarray(codes, dtype=np.int64))


def text(values: np.ndarray) -> pa.Array:
    """An object array of str/None as an Arrow string array (for per-person text only)."""
    return pa.array(values, type=pa.string(), from_pandas=True)


def take(values, index: np.ndarray):
    """Rows `index` of a column, whatever it holds."""
    if isinstance(values, Coded | Numbered):
        return values.take(index)
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.take(pa.array(index, type=pa.int64()))
    return values[index]


def join(*parts, separator: str = ""):
    """Concatenate text arrays (or scalars) element-wise."""
    return pc.binary_join_element_wise(*parts, separator)


def number_text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def digits_text(values: np.ndarray, width: int, prefix: str = "") -> pa.Array:
    """Non-negative integers as `prefix` + exactly `width` zero-padded digits.

    Built as one byte matrix and handed to Arrow as buffers: several times faster than casting
    integers to text, and ids and NHS numbers are most of the generator's text.
    """
    n = len(values)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    size = len(head) + width
    matrix = np.empty((n, size), dtype=np.uint8)
    matrix[:, : len(head)] = head
    rest = values.astype(np.uint64)
    for position in range(size - 1, len(head) - 1, -1):
        matrix[:, position] = rest % np.uint64(10) + np.uint64(48)
        rest = rest // np.uint64(10)
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(matrix))


def record_ids(prefix: str, chunk: int, n: int) -> Numbered:
    """The sender's own row key: prefix and a number unique across the run's chunks."""
    return Numbered(prefix, np.int64(chunk) * 10**8 + np.arange(n, dtype=np.int64), 12)


def salt(sender: str) -> int:
    return zlib.crc32(sender.encode())


def local_ids(true_ids: np.ndarray, salts: np.ndarray) -> Numbered:
    """The sender's own person id: a bijection of the true id, different for every sender."""
    mixed = ((true_ids.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B1) + salts.astype(np.uint64)) & np.uint64(
        _MASK40
    )
    return Numbered("P", mixed, 13)


@dataclass
class FeedRows:
    """One feed's rows for one chunk, in contract column names, plus who each row is about."""

    senders: tuple[str, ...]  # the chunk's senders of this feed, sorted
    sender: np.ndarray  # index into `senders`, per row
    person: np.ndarray  # chunk-local person index, per row (for the truth file)
    columns: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.sender)

    @property
    def sender_codes(self) -> Coded:
        return coded(self.senders, self.sender)

    def salts(self) -> np.ndarray:
        return np.array([salt(s) for s in self.senders], dtype=np.uint64)[self.sender]

    def take(self, index: np.ndarray) -> FeedRows:
        return FeedRows(
            self.senders, self.sender[index], self.person[index], {k: take(v, index) for k, v in self.columns.items()}
        )


def by_sender(codes: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """Sender vocabulary (sorted) and each row's index into it, from an object array of codes."""
    unique, inverse = np.unique(codes.astype(str), return_inverse=True)
    return tuple(unique.tolist()), inverse.astype(np.int64)
