"""Checking one batch of string columns: each column by its type, then the identity rule.

Every check runs over the whole column (see kernels.py); a row is invalid as soon as one
check fails, and each failure is recorded with the rows' numbers and a Chinese message.
The valid rows come out typed, with the facts the matching job reads.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.core import crypto
from jiuzhu.verification.importer.kernels import amount_fen, id_numbers_valid, parse_dates
from jiuzhu.verification.importer.result import ValidationResult
from jiuzhu.verification.importer.strings import (
    byte_lengths,
    column_array,
    is_empty,
    matches,
    string_bytes,
    trim,
)
from jiuzhu.verification.sources import Column, ColumnType, Source

_GROUPED_AMOUNT = r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?$"
_INT = r"^-?[0-9]{1,9}$"
_NULL = pa.scalar(None, pa.string())


@dataclass
class CheckedBatch:
    """One batch after its checks: its counts and errors, its valid rows and their hashes."""

    part: ValidationResult
    valid: pa.Table | None
    hashes: np.ndarray | None = None
    ordered: np.ndarray | None = None


class _Faults:
    """The rows of a batch found invalid so far; records each failure in the result."""

    def __init__(self, result: ValidationResult, lines: np.ndarray) -> None:
        self.result = result
        self.lines = lines
        self.bad = np.zeros(len(lines), dtype=bool)

    def fail(self, mask: np.ndarray, column: Column | None, message: str) -> None:
        if mask.any():
            self.result.add_errors(self.lines[mask], column.label if column else "", message)
            self.bad |= mask


@dataclass
class _Checked:
    """A column after its check: typed values (null where invalid or empty).

    For ID numbers and dates also where the value is usable and the date it gives (days
    since 1970; the birth date for an ID number), for the identity rule.
    """

    values: pa.Array
    usable: np.ndarray | None = None
    days: np.ndarray | None = None


def _check_id(column: Column, raw: pa.Array, present: np.ndarray, faults: _Faults) -> _Checked:
    raw = pc.ascii_upper(raw)
    valid, births = id_numbers_valid(raw)
    faults.fail(
        present & ~valid,
        column,
        "身份证号无效（长度、出生日期或校验码错误；Excel中请设为文本格式）",
    )
    return _Checked(raw if valid.all() else pc.if_else(valid, raw, _NULL), valid, births)


def _check_date(column: Column, raw: pa.Array, present: np.ndarray, faults: _Faults) -> _Checked:
    days, parsed = parse_dates(raw)
    faults.fail(present & ~parsed, column, "日期格式应为YYYY-MM-DD")
    return _Checked(
        pa.array(days, pa.date32(), mask=None if parsed.all() else ~parsed), parsed, days
    )


def _check_amount(column: Column, raw: pa.Array, present: np.ndarray, faults: _Faults) -> _Checked:
    if (string_bytes(raw) == ord(",")).any():
        # Excel exports group thousands: 1,200.50 is 1200.50, but 12,00 is refused.
        grouped = pc.match_substring_regex(raw, _GROUPED_AMOUNT)
        raw = pc.if_else(grouped, pc.replace_substring(raw, ",", ""), raw)
    fen, ok = amount_fen(raw, present)
    faults.fail(present & ~ok, column, "金额应为不小于0、最多两位小数的数字")
    return _Checked(fen)


def _check_int(column: Column, raw: pa.Array, present: np.ndarray, faults: _Faults) -> _Checked:
    ok = matches(raw, _INT)
    faults.fail(present & ~ok, column, "应为整数")
    return _Checked(pc.cast(pc.if_else(pa.array(ok), raw, _NULL), pa.int64()))


def _check_text(column: Column, raw: pa.Array, present: np.ndarray, faults: _Faults) -> _Checked:
    """Text and choices: one of the choices (for an enum), at most max_length characters."""
    if column.type == ColumnType.ENUM:
        ok = np.asarray(pc.is_in(raw, pa.array(column.choices)).to_numpy(zero_copy_only=False))
        faults.fail(present & ~ok, column, "应为以下之一：" + "、".join(column.choices))
    # A value within max_length bytes is within max_length characters.
    if (byte_lengths(raw) > column.max_length).any():
        too_long = np.asarray(
            pc.greater(pc.utf8_length(raw), column.max_length).to_numpy(zero_copy_only=False)
        )
        faults.fail(too_long, column, f"过长（最多{column.max_length}字）")
    return _Checked(raw if present.all() else pc.if_else(present, raw, _NULL))


_CHECKS: dict[ColumnType, Callable[[Column, pa.Array, np.ndarray, _Faults], _Checked]] = {
    ColumnType.ID: _check_id,
    ColumnType.DATE: _check_date,
    ColumnType.AMOUNT: _check_amount,
    ColumnType.INT: _check_int,
    ColumnType.ENUM: _check_text,
    ColumnType.TEXT: _check_text,
}


def _check_column(column: Column, table: pa.Table, faults: _Faults) -> _Checked:
    """One declared column, trimmed; a column the file lacks counts as empty."""
    if column.name in table.column_names:
        raw = trim(column_array(table, column.name))
    else:
        raw = pa.repeat("", table.num_rows)
    empty = is_empty(raw)
    if column.required:
        faults.fail(empty, column, "不能为空")
    return _CHECKS[column.type](column, raw, ~empty, faults)


def _check_identity(source: Source, checked: dict[str, _Checked], faults: _Faults) -> None:
    """Without an ID number only name + birth date can match, so both are needed."""
    id_number, birth_date = checked["id_number"], checked["birth_date"]
    assert id_number.usable is not None and birth_date.usable is not None
    id_missing = ~id_number.usable
    birth_missing = ~birth_date.usable
    faults.fail(
        id_missing & birth_missing & ~faults.bad,
        source.column("birth_date"),
        "缺少身份证号时须填写出生日期",
    )
    mismatch = ~id_missing & ~birth_missing & (id_number.days != birth_date.days)
    faults.fail(
        mismatch & ~faults.bad,
        source.column("birth_date"),
        "与身份证号中的出生日期不一致",
    )


def validate_batch(
    source: Source,
    table: pa.Table,
    lines: np.ndarray,
    result: ValidationResult,
) -> pa.Table | None:
    """Check one batch; record errors; return the valid rows typed, with their facts.

    `lines` are the rows' numbers. Blank rows are dropped and not counted.
    """
    blank = _blank_rows(table)
    if blank is not None:
        table, lines = table.filter(pa.array(~blank)), lines[~blank]
    count = table.num_rows
    if not count:
        return None
    faults = _Faults(result, lines)
    checked = {column.name: _check_column(column, table, faults) for column in source.all_columns}
    _check_identity(source, checked, faults)
    bad = faults.bad
    invalid = int(bad.sum())
    result.rows_total += count
    result.rows_invalid += invalid
    result.rows_valid += count - invalid
    if invalid == count:
        return None
    typed = {name: column.values for name, column in checked.items()}
    if invalid:
        keep = pa.array(~bad)
        typed = {name: pc.filter(array, keep) for name, array in typed.items()}
    return _with_facts(source, typed, pa.array(lines[~bad]), count - invalid)


def _blank_rows(table: pa.Table) -> np.ndarray | None:
    """Where every cell is empty (a blank line, or only commas), or None if nowhere."""
    blank = None
    for name in table.column_names:
        empty = is_empty(column_array(table, name))
        blank = empty if blank is None else blank & empty
        if not blank.any():
            return None
    return blank


def _with_facts(
    source: Source,
    typed: dict[str, pa.Array],
    lines: pa.Array,
    rows: int,
) -> pa.Table:
    """The valid rows as stored: row number, identity, the facts, then the declared columns.

    A fact's kind and category are the source's unless an override matches the row.
    """
    kind = pa.repeat(source.kind, rows)
    category = pa.repeat(str(source.category), rows)
    for (column, value), (other_kind, other_category) in source.overrides.items():
        hit = pc.fill_null(pc.equal(typed[column], value), False)
        kind = pc.if_else(hit, other_kind, kind)
        category = pc.if_else(hit, str(other_category), category)
    if source.amount_column:
        amount = pc.fill_null(typed[source.amount_column], 0)
    else:
        amount = pa.repeat(pa.scalar(0, pa.int64()), rows)
    detail_parts = [pc.fill_null(pc.cast(typed[c], pa.string()), "") for c in source.detail_columns]
    if len(detail_parts) == 1 and detail_parts[0].type == pa.string():
        detail = detail_parts[0]
    elif detail_parts:
        detail = pc.utf8_trim_whitespace(pc.binary_join_element_wise(*detail_parts, " "))
    else:
        detail = pa.repeat("", rows)
    columns: dict[str, pa.Array] = {
        "row_no": lines,
        # The ID number is kept only as its digest: what matching needs, unreadable on disk.
        # A missing number has no digest (null): such rows match by name and birth date.
        "id_digest": crypto.digest_array(typed["id_number"]),
        "name": typed["name"],
        "birth_date": typed["birth_date"],
        "source": pa.repeat(source.code, rows),
        "kind": kind,
        "category": category,
        "amount_fen": amount,
        "detail": detail,
    }
    for declared in source.columns:
        columns[f"col_{declared.name}"] = typed[declared.name]
    return pa.table(columns)
