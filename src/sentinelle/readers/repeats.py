"""Repeated ids in a file: exact repeats are merged; repeats with different content are refused,
every copy, since neither can be trusted. Used by the readers' first pass."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sentinelle.readers.problems import ProblemLog
from sentinelle.readers.tabular import ROW, MalformedCsv, TableFile


@dataclass
class Repeats:
    duplicates: set[int] = field(default_factory=set)  # rows that repeat an earlier row exactly
    conflicts: dict[int, str] = field(default_factory=dict)  # rejected rows → reason
    sizes: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))  # rows per id
    rows: int = 0  # data rows seen (well-formed)

    def split(
        self, chunk: pd.DataFrame, file: str, key: str, problems: ProblemLog
    ) -> tuple[pd.DataFrame, int, int]:
        """(rows of ``chunk`` to use, number of exact repeats, number of conflicting rows);
        conflicting rows are reported in ``problems``."""
        rows = chunk[ROW].to_numpy()
        dup = np.isin(rows, list(self.duplicates)) if self.duplicates else np.zeros(len(rows), bool)
        bad = np.isin(rows, list(self.conflicts)) if self.conflicts else np.zeros(len(rows), bool)
        for r in rows[bad]:
            problems.add(file, int(r), key, None, self.conflicts[int(r)])
        return chunk[~dup & ~bad], int(dup.sum()), int(bad.sum())


def scan_repeats(
    table: TableFile,
    chunks: Callable[[], Iterable[pd.DataFrame]],
    key: str,
    content: list[str],
    full: list[str] | None = None,
    pairs: bool = False,
    label: str = "id",
) -> Repeats:
    """First pass over ``table``. ``content`` columns decide whether two rows with one id say the
    same thing; ``full`` (default: ``content``) whether they are exact copies. With ``pairs``
    (ACLED monadic exports), an id may have two rows that differ only outside ``content`` (its
    two actors) — or two identical rows, when both actors are the same."""
    while True:
        try:
            parts = [
                pd.DataFrame(
                    {
                        "id": chunk[key].str.strip(),
                        "row": chunk[ROW].to_numpy(),
                        "content": pd.util.hash_pandas_object(chunk[content], index=False),
                        "full": pd.util.hash_pandas_object(chunk[full or content], index=False),
                    }
                )
                for chunk in chunks()
            ]
            break
        except MalformedCsv:
            table.slow_path = True
    seen = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({"id": [], "row": [], "content": [], "full": []})
    )
    result = Repeats(rows=len(seen))
    seen = seen[seen["id"].notna()]
    occurrence = seen.groupby(["id", "full"], sort=False).cumcount().to_numpy()
    repeated = occurrence >= 1
    if pairs:
        one_kind = seen.groupby("id", sort=False)["full"].transform("nunique") == 1
        repeated &= ~(one_kind.to_numpy() & (occurrence == 1))
    result.duplicates = set(seen.loc[repeated, "row"].astype(int))
    distinct = seen[~repeated]
    groups = distinct.groupby("id", sort=False)
    sizes = groups.size()
    contents = groups["content"].nunique()
    limit = 2 if pairs else 1
    clashing = sizes.index[(contents > 1).to_numpy() | (sizes > limit).to_numpy()]
    if len(clashing):
        clash = distinct[distinct["id"].isin(clashing)]
        for event_id, rows in clash.groupby("id", sort=False)["row"]:
            listed = ", ".join(str(int(r)) for r in rows)
            if pairs and contents[event_id] == 1:
                reason = (
                    f"{label} {event_id} has {len(rows)} different actor rows (rows {listed}); "
                    "a monadic export has at most 2"
                )
            else:
                reason = (
                    f"{label} {event_id} appears in rows {listed} with different content; "
                    "none of them is used"
                )
            for r in rows:
                result.conflicts[int(r)] = reason
    result.sizes = sizes
    return result
