"""ACLED deletion lists: ``event_id_cnty, deleted_timestamp`` — events ACLED has removed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sentinelle.readers.fields import CellChecker
from sentinelle.readers.problems import FileRejected, ProblemLog
from sentinelle.readers.tabular import TableFile

COLUMNS = ("event_id_cnty", "deleted_timestamp")


def is_deletion_list(header: list[str]) -> bool:
    names = {h.strip().lower() for h in header if h.strip()}
    return set(COLUMNS) <= names and "event_date" not in names


def read_acled_deletions(path: str | Path) -> tuple[pd.DataFrame, ProblemLog, int]:
    """(frame of ``source_id``, ``deleted_timestamp``; problems; data rows read)."""
    table = TableFile(path)
    if not is_deletion_list(table.header):
        raise FileRejected(
            path, "not an ACLED deletion list: expected columns event_id_cnty, deleted_timestamp"
        )
    table.slow_path = True  # deletion lists are small; keep exact row numbers
    problems = ProblemLog()
    parts = []
    rows = 0
    for chunk in table.chunks():
        chunk = chunk.rename(columns={c: c.strip().lower() for c in chunk.columns})
        rows += len(chunk)
        c = CellChecker(table.name, chunk, problems)
        ids = c.text("event_id_cnty")
        c.required("event_id_cnty", ids, "an ACLED event id such as MLI1234")
        stamp = c.number(
            "deleted_timestamp", integer=True, minimum=0, required=True,
            what="a Unix time in seconds",
        )  # fmt: skip
        good = ~c.bad
        parts.append(
            pd.DataFrame({"source_id": ids[good], "deleted_timestamp": stamp[good].astype("Int64")})
        )
    problems.extend(table.problems)
    rows += len(table.problems)
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["source_id", "deleted_timestamp"])
    )
    return frame.drop_duplicates("source_id"), problems, rows
