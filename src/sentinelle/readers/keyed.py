"""The shared shape of readers whose rows are one event each, keyed by an id column (UCDP GED,
the mission incident template): a first pass for repeated ids, then validated batches."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

import pandas as pd

from sentinelle.domain.events import EventFrame
from sentinelle.readers.problems import ProblemLog, ReadStats
from sentinelle.readers.repeats import scan_repeats
from sentinelle.readers.tabular import TableFile


class KeyedReader(ABC):
    """Subclasses set :attr:`table`, :attr:`key`, :attr:`key_label` and implement
    :meth:`_chunks` (chunks with canonical column names), :meth:`_content_columns` and
    :meth:`_convert` (one chunk → validated events, reporting bad rows)."""

    table: TableFile
    file: str
    key: str
    key_label: str
    stats: ReadStats
    total_rows: int | None

    @abstractmethod
    def _chunks(self) -> Iterator[pd.DataFrame]: ...

    @abstractmethod
    def _content_columns(self) -> list[str]: ...

    @abstractmethod
    def _convert(self, chunk: pd.DataFrame, problems: ProblemLog) -> EventFrame: ...

    def batches(self) -> Iterator[tuple[EventFrame, ProblemLog]]:
        """Validated events, batch by batch, with the problems of each batch's rows."""
        repeats = scan_repeats(
            self.table,
            self._chunks,
            self.key,
            content=self._content_columns(),
            label=self.key_label,
        )
        self.total_rows = repeats.rows + len(self.table.problems)
        for chunk in self._chunks():
            problems = ProblemLog()
            self.stats.rows += len(chunk)
            chunk, duplicates, conflicts = repeats.split(chunk, self.file, self.key, problems)
            self.stats.duplicate_rows += duplicates
            self.stats.rejected_rows += conflicts
            yield self._convert(chunk.reset_index(drop=True), problems), problems
        for problem in self.table.problems:  # rows with the wrong number of fields
            self.stats.rows += 1
            self.stats.rejected_rows += 1
            yield EventFrame.empty(), ProblemLog([problem])
