"""How readers report bad input.

Two kinds of failure:

* :class:`FileRejected` — the file as a whole is not what it claims (not a CSV, not an ACLED
  export, a boundary file without polygons...). Nothing from it is used; the message names the
  file and says why.
* :class:`Problem` — one bad row (or cell). The row is left out and reported; every good row of
  the same file is still used.

Row numbers are those a person sees when opening the file in a spreadsheet: the header is row 1,
the first data row is row 2.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

PROBLEM_COLUMNS = ("file", "row", "column", "value", "reason")


class FileRejected(Exception):
    """A whole file cannot be read. ``str()`` gives a message for the user, never a traceback."""

    def __init__(self, file: str | Path, reason: str) -> None:
        self.file = str(file)
        self.reason = reason
        super().__init__(f"{self.file}: {reason}")


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}{value}: {self.reason}"


@dataclass
class ProblemLog:
    """Problems found while reading, in the order found."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        file: str | Path,
        row: int | None,
        column: str | None,
        value: object,
        reason: str,
    ) -> None:
        text = None if value is None or value is pd.NA else str(value)
        self.problems.append(Problem(str(file), row, column, text, reason))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    @property
    def rows(self) -> set[tuple[str, int]]:
        """The distinct (file, row) pairs with at least one problem."""
        return {(p.file, p.row) for p in self.problems if p.row is not None}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(p) for p in self.problems], columns=list(PROBLEM_COLUMNS))

    def write_csv(self, path: str | Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(PROBLEM_COLUMNS)
            for p in self.problems:
                writer.writerow([p.file, p.row, p.column, p.value, p.reason])


@dataclass
class ReadStats:
    """How a reader accounted for every data row of a file."""

    rows: int = 0  # data rows in the file
    events: int = 0  # records produced (one per id)
    merged_rows: int = 0  # rows folded into the record of another row (ACLED monadic actors)
    duplicate_rows: int = 0  # exact repeats of an earlier row
    rejected_rows: int = 0  # rows left out, each with at least one problem
    mapped_pre2019: int = 0  # ACLED events whose pre-2019 type was mapped to the current one

    @property
    def balanced(self) -> bool:
        """Every row is a record, a merged row, a repeat or a rejected row."""
        return self.rows == (
            self.events + self.merged_rows + self.duplicate_rows + self.rejected_rows
        )
