"""A job's results fetched whole are handed out chunk by chunk (matching.ChunksInMemory)."""

import pyarrow as pa

from jiuzhu.verification.matching import MAX_RUNS_PER_CHUNK, ChunksInMemory


def _table(chunks: list[int]) -> pa.Table:
    return pa.table({"row": list(range(len(chunks))), "chunk": chunks})


def _rows(table: pa.Table) -> list[int]:
    return table.column("row").to_pylist()


def test_runs_of_a_chunk_are_read_in_place_and_in_order():
    # As two engine threads leave them: each scanned row group's rows together.
    reports = _table([0, 0, 1, 1, 0, 0, 2, 1])
    results = ChunksInMemory(reports, _table([]))
    assert results.reports is reports  # sliced, not copied
    assert _rows(results.get(0)[0]) == [0, 1, 4, 5]
    assert _rows(results.get(1)[0]) == [2, 3, 7]
    assert _rows(results.get(2)[0]) == [6]
    assert results.get(3)[0].num_rows == 0
    assert results.get(0)[1].num_rows == 0


def test_scattered_rows_are_sorted_by_chunk_first():
    # The findings come in the facts' order: a run for nearly every row.
    chunks = [row % 2 for row in range(4 * MAX_RUNS_PER_CHUNK + 2)]
    findings = _table(chunks)
    results = ChunksInMemory(_table([]), findings)
    assert results.findings is not findings
    assert _rows(results.get(0)[1]) == [row for row, c in enumerate(chunks) if c == 0]
    assert _rows(results.get(1)[1]) == [row for row, c in enumerate(chunks) if c == 1]
    assert results.get(2)[1].num_rows == 0
