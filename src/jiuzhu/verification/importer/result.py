"""The outcome of validating an extract: counts, and the first errors with their rows."""

from dataclasses import dataclass, field

import numpy as np

# Errors kept for the officer to read; the count goes on past it.
MAX_ERRORS_KEPT = 1000


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ValidationResult:
    source: str
    encoding: str
    sha256: str
    rows_total: int = 0
    rows_valid: int = 0
    rows_invalid: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)

    def merge(self, part: "ValidationResult") -> None:
        """Add a batch's counts and errors, as if they had been recorded here."""
        self.rows_total += part.rows_total
        self.rows_valid += part.rows_valid
        self.rows_invalid += part.rows_invalid
        self.error_count += part.error_count
        self.errors.extend(part.errors[: max(MAX_ERRORS_KEPT - len(self.errors), 0)])

    def add_errors(self, rows: np.ndarray, column: str, message: str) -> None:
        self.error_count += len(rows)
        room = MAX_ERRORS_KEPT - len(self.errors)
        for row in rows[: max(room, 0)]:
            self.errors.append(RowError(int(row), column, message))
