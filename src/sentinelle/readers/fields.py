"""Vectorised parsing of text columns into typed columns, collecting precise problems.

Each parser takes a text Series (index aligned with the chunk, whose ``__row__`` column gives the
spreadsheet row numbers) and returns the typed Series; values that cannot be parsed become missing
and are reported once each through :class:`CellChecker`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sentinelle.readers.problems import ProblemLog
from sentinelle.readers.tabular import ROW, TEXT

DATE_FORMATS = (
    "%Y-%m-%d",
    "%d %B %Y",
    "%d-%B-%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
)
DATE_EXPECTED = "a date such as 2018-03-01, 01 March 2018 or 22-February-2019"


class CellChecker:
    """Parses columns of one chunk and records which rows are bad and why."""

    def __init__(self, file: str, chunk: pd.DataFrame, problems: ProblemLog) -> None:
        self.file = file
        self.chunk = chunk
        self.rows = chunk[ROW].to_numpy()
        self.problems = problems
        self.bad = np.zeros(len(chunk), dtype=bool)

    def report(self, mask: np.ndarray, column: str, values: pd.Series, reason: str) -> None:
        """Record a problem for every row where ``mask`` is true."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.bad |= mask
        for row, value in zip(
            self.rows[mask], values.to_numpy(dtype=object, na_value=None)[mask], strict=True
        ):
            self.problems.add(self.file, int(row), column, value, reason)

    def text(self, column: str) -> pd.Series:
        if column in self.chunk.columns:
            return self.chunk[column].str.strip().replace("", pd.NA)
        return pd.Series(pd.NA, index=self.chunk.index, dtype=TEXT)

    def required(self, column: str, values: pd.Series, what: str) -> None:
        self.report(values.isna().to_numpy(), column, values, f"missing; expected {what}")

    def number(
        self,
        column: str,
        *,
        integer: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        required: bool = False,
        what: str | None = None,
    ) -> pd.Series:
        raw = self.text(column)
        kind = "a whole number" if integer else "a number"
        if minimum is not None and maximum is not None:
            expected = what or f"{kind} from {minimum:g} to {maximum:g}"
        elif minimum is not None:
            expected = what or f"{kind} ≥ {minimum:g}"
        else:
            expected = what or kind
        parsed = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce").astype(
            "float64"
        )
        present = raw.notna().to_numpy()
        unparsable = present & np.isnan(parsed.to_numpy())
        self.report(unparsable, column, raw, f"not {kind}; expected {expected}")
        values = parsed.to_numpy()
        wrong = present & ~unparsable
        if integer:
            self.report(wrong & (values != np.floor(values)), column, raw, f"expected {expected}")
        if minimum is not None:
            self.report(wrong & (values < minimum), column, raw, f"expected {expected}")
        if maximum is not None:
            self.report(wrong & (values > maximum), column, raw, f"expected {expected}")
        if required:
            self.report(~present, column, raw, f"missing; expected {expected}")
        return parsed

    def date(self, column: str, required: bool = True) -> pd.Series:
        raw = self.text(column)
        parsed = parse_dates(raw)
        present = raw.notna().to_numpy()
        self.report(
            present & parsed.isna().to_numpy(), column, raw, f"not a date; expected {DATE_EXPECTED}"
        )
        if required:
            self.report(~present, column, raw, f"missing; expected {DATE_EXPECTED}")
        return parsed

    def choice(self, column: str, values: pd.Series, allowed: Iterable[str], what: str) -> None:
        allowed = set(allowed)
        unknown = values.notna().to_numpy() & ~values.isin(allowed).to_numpy(
            dtype=bool, na_value=False
        )
        self.report(unknown, column, values, f"unknown {what}; expected one of {_few(allowed)}")


def _few(values: set[str], limit: int = 8) -> str:
    ordered = sorted(values)
    text = ", ".join(repr(v) for v in ordered[:limit])
    return text + (f" (and {len(ordered) - limit} more)" if len(ordered) > limit else "")


def parse_dates(raw: pd.Series) -> pd.Series:
    """Parse dates written in any of :data:`DATE_FORMATS`; NaT where none fits."""
    result = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    todo = raw.notna()
    for fmt in DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(raw[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        result.loc[ok[ok].index] = parsed[ok].astype("datetime64[ns]")
        todo.loc[ok[ok].index] = False
    return result.dt.normalize()
