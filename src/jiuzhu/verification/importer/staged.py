"""The staged Parquet file: valid rows written on a thread, duplicated rows found after."""

import os
import queue
import threading
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.verification.importer.checks import CheckedBatch
from jiuzhu.verification.sources import ColumnType, Source


class StagedWriter:
    """Writes valid rows in a thread and keeps a hash per row to find duplicated rows."""

    def __init__(self, path: Path, source: Source) -> None:
        self.path = path
        self.metadata: dict[str, str] = {}
        self.key_columns = ["id_digest", "name", "birth_date"] + [
            f"col_{c.name}" for c in source.columns
        ]
        self.unique = {"row_no", "id_digest", "amount_fen"} | {
            f"col_{c.name}" for c in source.columns if c.type == ColumnType.AMOUNT
        }
        self.writer: pq.ParquetWriter | None = None
        self.hashes: list[np.ndarray] = []
        self.ordered: list[np.ndarray] = []  # each batch's hashes, sorted
        self.rows: list[np.ndarray] = []
        self.jobs: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.con = duckdb.connect()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while (table := self.jobs.get()) is not None:
                if self.error is not None:
                    continue
                if self.writer is None:
                    self.writer = self._open(table.schema)
                self.writer.write_table(table)
        except BaseException as error:
            self.error = error

    def _open(self, schema: pa.Schema) -> pq.ParquetWriter:
        text = {f.name for f in schema if f.type == pa.string()}
        return pq.ParquetWriter(
            self.path,
            schema,
            compression="snappy",
            # Dictionary encoding only pays on repetitive columns; on unique ones (row
            # number, ID number, amounts) it costs time and is then dropped.
            use_dictionary=[n for n in schema.names if n not in self.unique],
            # Minimum and maximum of numbers and dates let readers skip row groups; those
            # of names or ID numbers would skip nothing and cost a fifth of the writing.
            write_statistics=[n for n in schema.names if n not in text],
            # No Arrow schema: the Parquet types read back the same, and the provenance
            # can then be added at close, once the file's digest is known.
            store_schema=False,
        )

    def row_hashes(self, table: pa.Table) -> np.ndarray:
        """A hash of each row's content; safe on any thread (a cursor of its own)."""
        keys = ", ".join(self.key_columns)
        with self.con.cursor() as cursor:
            cursor.register("batch", table)
            hashed = cursor.execute(f"SELECT hash({keys}) AS h FROM batch").fetchnumpy()
        return np.asarray(hashed["h"])

    def put(self, batch: CheckedBatch) -> None:
        """Queue a checked batch's valid rows; batches must come in the file's order."""
        if self.error is not None:
            raise self.error
        assert batch.valid is not None and batch.hashes is not None and batch.ordered is not None
        self.hashes.append(batch.hashes)
        self.ordered.append(batch.ordered)
        self.rows.append(batch.valid.column("row_no").to_numpy())
        self.jobs.put(batch.valid)

    def close(self, metadata: dict[str, str] | None = None) -> bool:
        """Finish writing, with `metadata` in the file; True if any row was written."""
        self.jobs.put(None)
        self.thread.join()
        if self.writer is not None:
            if metadata is not None and self.error is None:
                self.metadata = metadata
                self.writer.add_key_value_metadata(metadata)
            self.writer.close()
        if self.error is not None:
            raise self.error
        return self.writer is not None

    def duplicates(self) -> list[tuple[int, int]]:
        """(row, first row with the same content) for every repeated row."""
        if not self.hashes:
            return []
        hashes = np.concatenate(self.hashes)
        # The batches come sorted already, and a stable sort (timsort) merges such runs in
        # a fraction of a full sort; the values alone tell which hashes repeat.
        ordered = np.sort(np.concatenate(self.ordered), kind="stable")
        repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
        if not len(repeated):
            return []
        slot = np.minimum(np.searchsorted(repeated, hashes), len(repeated) - 1)
        suspects = np.concatenate(self.rows)[repeated[slot] == hashes]
        self.con.register("suspects", pa.table({"row_no": suspects}))
        keys = ", ".join(self.key_columns)
        found = self.con.execute(
            f"SELECT row_no, first FROM (SELECT row_no, min(row_no) OVER (PARTITION BY {keys}) "
            f"AS first FROM read_parquet('{self.path}') WHERE row_no IN "
            f"(SELECT row_no FROM suspects)) WHERE row_no <> first ORDER BY row_no"
        ).fetchall()
        return [(int(row), int(first)) for row, first in found]

    def drop(self, rows: list[int]) -> None:
        """Rewrite the file without `rows` (by row number), keeping its metadata."""
        self.con.register("dups", pa.table({"row_no": np.array(rows, dtype=np.int64)}))
        pairs = ", ".join(
            f"{key}: '{value}'" for key, value in self.metadata.items() if "'" not in key + value
        )
        rewritten = self.path.with_suffix(".dedup.parquet")
        self.con.execute(
            f"COPY (SELECT * FROM read_parquet('{self.path}') WHERE row_no NOT IN "
            f"(SELECT row_no FROM dups) ORDER BY row_no) TO '{rewritten}' "
            f"(FORMAT parquet, COMPRESSION snappy, KV_METADATA {{{pairs}}})"
        )
        os.replace(rewritten, self.path)
