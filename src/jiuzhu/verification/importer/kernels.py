"""Column kernels: ID number, date and amount checks over a whole column at once.

Each takes an Arrow string array (trimmed) and returns numpy masks and typed values; the
common case is decided on a byte matrix (see strings.fixed_width), the rare rest through
Arrow's slower parsers. No Python loop per row.
"""

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.core.idnumber import CHECK_CHARS, PROVINCE_PREFIXES, WEIGHTS
from jiuzhu.verification.importer.strings import (
    byte_lengths,
    decimal_number,
    fixed_width,
    matches,
    string_bytes,
    string_offsets,
)

_AMOUNT = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
_PROVINCE_TABLE = np.zeros(100, dtype=bool)
_PROVINCE_TABLE[[int(p) for p in PROVINCE_PREFIXES]] = True
_CHECK_DIGITS = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8) - np.uint8(48)
# Days in each month (February's leap day allowed), 0 for the impossible months 0 and 13+.
_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int32)


def id_numbers_valid(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """GB 11643 check on upper-cased, trimmed strings (empty → False), on a byte matrix.

    Returns the validity mask and, for the valid ones, the birth date (days since 1970).
    """
    count = len(values)
    ok = np.zeros(count, dtype=bool)
    births = np.zeros(count, dtype=np.int32)
    index, digits = fixed_width(values, 18)
    if not len(index):
        return ok, births
    good = np.ones(len(index), dtype=bool)
    total = np.zeros(len(index), dtype=np.uint16)  # at most 17·10·255, even for non-digits
    for row, weight in zip(digits[:17], WEIGHTS, strict=True):
        good &= row <= 9
        total += row * np.uint16(weight)
    good &= _CHECK_DIGITS[total % 11] == digits[17]
    good &= _PROVINCE_TABLE[np.minimum(decimal_number(digits, 0, 2), 99)]
    good &= decimal_number(digits, 2, 4) != 0
    year, month, day = (
        decimal_number(digits, 6, 4),
        decimal_number(digits, 10, 2),
        decimal_number(digits, 12, 2),
    )
    good &= (year >= 1890) & _real_date(year, month, day)
    today = dt.date.today()
    good &= year * 10000 + month * 100 + day <= today.year * 10000 + today.month * 100 + today.day
    ok[index] = good
    births[index] = np.where(good, _epoch_days(year, month, day), 0)
    return ok, births


def _real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether month and day exist in that year (any year; non-negative numbers)."""
    ok = (month >= 1) & (day >= 1) & (day <= _MONTH_DAYS[np.minimum(month, 13)])
    # Only 29 February depends on the year: test leap years on those rows alone.
    feb29 = ok & (month == 2) & (day == 29)
    if feb29.any():
        years = year[feb29]
        ok[feb29] = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
    return ok


def _epoch_days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of real dates, by arithmetic (H. Hinnant's days_from_civil).

    Meaningless for impossible dates; callers mask those.
    """
    # The year counted from March, so that the leap day is the last day of a year.
    march_year = year - (month <= 2)
    era = march_year // 400
    year_of_era = march_year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return (era * 146097 + day_of_era - 719468).astype(np.int32)


def parse_dates(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 and a validity mask (False where empty or not a real date).

    Values that are plainly a real YYYY-MM-DD date are converted on a byte matrix; the
    rest (other formats, impossible dates, empty) go through `_parse_date_slow`.
    """
    count = len(values)
    days = np.zeros(count, dtype=np.int32)
    valid = np.zeros(count, dtype=bool)
    index, digits = fixed_width(values, 10)
    if len(index):
        good = (digits[4] == 253) & (digits[7] == 253)  # '-' - '0'
        for row in digits[[0, 1, 2, 3, 5, 6, 8, 9]]:
            good &= row <= 9
        year, month, day = (
            decimal_number(digits, 0, 4),
            decimal_number(digits, 5, 2),
            decimal_number(digits, 8, 2),
        )
        good &= (year >= 1) & _real_date(year, month, day)
        valid[index] = good
        days[index] = np.where(good, _epoch_days(year, month, day), 0)
    rest = np.flatnonzero(~valid & (byte_lengths(values) > 0))
    if len(rest):
        slow = _parse_date_slow(pc.take(values, pa.array(rest))).to_numpy(zero_copy_only=False)
        parsed = ~np.isnat(slow)
        valid[rest[parsed]] = True
        days[rest[parsed]] = slow[parsed].astype("datetime64[D]").astype(np.int32)
    return days, valid


def _parse_date_slow(values: pa.Array) -> pa.Array:
    """date32, null where empty or not a real date. ISO dates take a fast cast.

    Arrow's parsers accept some impossible days (1960-02-30), so every parsed value must
    print back as the text it came from.
    """
    nonempty = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    try:
        parsed = pc.cast(nonempty, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = None
    if parsed is not None:
        same = pc.equal(pc.cast(parsed, pa.string()), nonempty)
        return pc.if_else(same, parsed, pa.scalar(None, pa.date32()))
    result = None
    for fmt in _DATE_FORMATS:
        attempt = pc.strptime(nonempty, format=fmt, unit="s", error_is_null=True)
        same = pc.equal(pc.strftime(attempt, format=fmt), nonempty)
        attempt = pc.cast(pc.if_else(same, attempt, pa.scalar(None, attempt.type)), pa.date32())
        result = attempt if result is None else pc.coalesce(result, attempt)
    assert result is not None
    return result


def _plain_amounts(values: pa.Array) -> np.ndarray:
    """Which values are amounts as _AMOUNT writes them (no sign, exponent or separator).

    Decided on the bytes when they are all digits and dots, as they usually are; any other
    byte sends the batch through the regular expression, which is slower.
    """
    offsets = string_offsets(values)
    data = string_bytes(values)[offsets[0] : offsets[-1]]
    if len(data) and (data.min() < ord(".") or data.max() > ord("9") or (data == ord("/")).any()):
        return matches(values, _AMOUNT)
    lengths = np.diff(offsets)
    dots = np.count_nonzero(data == ord("."))
    if not dots:
        return (lengths >= 1) & (lengths <= 13)
    at = np.asarray(pc.find_substring(values, ".").to_numpy(zero_copy_only=False))
    has_dot = at >= 0
    if np.count_nonzero(has_dot) != dots:  # a value with two dots
        return matches(values, _AMOUNT)
    whole = np.where(has_dot, at, lengths)
    decimals = lengths - whole - 1  # -1 without a dot
    return (whole >= 1) & (whole <= 13) & (decimals != 0) & (decimals <= 2)


def amount_fen(values: pa.Array, present: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Yuan strings → int64 fen (null unless valid) and a validity mask (empty is valid).

    Parsed through float64, which is exact after rounding for amounts of at most 13 digits
    and two decimals: the only ones _plain_amounts lets through.
    """
    plain = _plain_amounts(values)
    null = pa.scalar(None, pa.string())
    as_float = pc.cast(
        values if plain.all() else pc.if_else(pa.array(plain), values, null), pa.float64()
    )
    cents = np.round(as_float.to_numpy(zero_copy_only=False) * 100.0)
    fen = np.where(plain, cents, 0).astype(np.int64)
    return pa.array(fen, mask=None if plain.all() else ~plain), plain | ~present
