"""Byte-level views of Arrow string arrays, which the column kernels work on.

An Arrow string array is an offsets buffer and one buffer of UTF-8 bytes; reading those
with numpy lets a check look at every value at once instead of one Python string per row.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def string_offsets(values: pa.Array) -> np.ndarray:
    """The n+1 offsets of a string array (nulls have equal offsets)."""
    assert values.type == pa.string()
    raw = np.frombuffer(values.buffers()[1], dtype=np.int32)
    return raw[values.offset : values.offset + len(values) + 1]


def string_bytes(values: pa.Array) -> np.ndarray:
    buffer = values.buffers()[2]
    return np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)


def byte_lengths(values: pa.Array) -> np.ndarray:
    return np.diff(string_offsets(values))


def is_empty(values: pa.Array) -> np.ndarray:
    return byte_lengths(values) == 0


# Lead bytes of the only multi-byte characters that may be whitespace: U+0085, U+00A0
# (C2), U+1680 (E1), U+2000-U+205F (E2), U+3000 (E3).
_SPACE_LEADS = np.zeros(256, dtype=bool)
_SPACE_LEADS[:0x21] = True
_SPACE_LEADS[[0xC2, 0xE1, 0xE2, 0xE3]] = True
_SPACE_LEADS3 = np.zeros(256, dtype=bool)
_SPACE_LEADS3[[0xE1, 0xE2, 0xE3]] = True


def _may_need_trim(values: pa.Array) -> bool:
    """False when no value can start or end with whitespace (a cheap, conservative test).

    An empty value reads its neighbours' bytes, and a short one the previous value's: both
    can only over-report, which costs a needless trim and nothing else.
    """
    data = string_bytes(values)
    if not len(data):
        return False
    offsets = string_offsets(values)
    starts, ends = offsets[:-1], offsets[1:]
    if _SPACE_LEADS[data[np.minimum(starts, len(data) - 1)]].any():
        return True
    last = data[np.maximum(ends - 1, 0)]
    if (last <= 0x20).any():
        return True
    # The last character's lead byte is 2 or 3 bytes back (or further for 4-byte ones,
    # which are never whitespace); looking at both can only over-report.
    wide = last >= 0x80
    if not wide.any():
        return False
    back2 = data[np.maximum(ends - 2, 0)] == 0xC2
    back3 = _SPACE_LEADS3[data[np.maximum(ends - 3, 0)]]
    return bool((wide & (back2 | back3)).any())


def trim(values: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(values) if _may_need_trim(values) else values


def fixed_width(values: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the values exactly `width` bytes long, and their digits as (width, m).

    Row j holds the j-th character of every value, contiguous, so each step of a check is
    one vector operation over all values. A digit becomes 0-9; any other byte lands above
    9 (unsigned wrap-around).
    """
    index = np.flatnonzero(byte_lengths(values) == width)
    shaped = values if len(index) == len(values) else pc.take(values, pa.array(index))
    start = int(string_offsets(shaped)[0])
    matrix = string_bytes(shaped)[start : start + len(index) * width].reshape(-1, width)
    # A fresh array: the matrix may be a view of Arrow's (shared, immutable) buffer.
    digits = np.empty((width, len(index)), dtype=np.uint8)
    np.subtract(matrix.T, np.uint8(48), out=digits)
    return index, digits


def decimal_number(digits: np.ndarray, first: int, count: int) -> np.ndarray:
    """The decimal number in characters first … first+count-1 of a digit matrix (int32)."""
    value = digits[first].astype(np.int32)
    for row in digits[first + 1 : first + count]:
        value = value * 10 + row
    return value


def matches(values: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False))


def column_array(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name)
    # combine_chunks copies even a single chunk.
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
