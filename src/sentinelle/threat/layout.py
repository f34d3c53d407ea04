"""Panels as unit × period arrays, and back.

The threat statistics work on arrays of shape ``(units, periods)`` so that every period is
computed at once. :class:`PanelLayout` reads that shape from a panel frame (as made by
:func:`sentinelle.panel.build_panel`: one row per unit and period, keyed by ``unit`` and a time
column ``month``, ``week`` or ``quarter``), pulls columns out as matrices and lays results back
out as long frames keyed the same way, in the panel's order (period by period, units in order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

TIME_COLUMNS = ("month", "week", "quarter")


@dataclass(frozen=True, eq=False)
class PanelLayout:
    """Where each row of a panel sits in the ``(unit, period)`` grid.

    ``units`` keeps the panel's unit order (the categories of a categorical ``unit`` column, as
    :func:`~sentinelle.panel.build_panel` makes it, else the sorted unit codes); ``periods`` runs
    without gaps from the first to the last period.
    """

    time_column: str
    periods: pd.PeriodIndex
    units: pd.Index
    row_unit: npt.NDArray[np.intp]
    row_period: npt.NDArray[np.intp]

    @classmethod
    def of(cls, panel: pd.DataFrame) -> PanelLayout:
        """The layout of ``panel``; raises ``ValueError`` unless every unit has exactly one row
        for every period between the first and the last."""
        time_column = next((c for c in TIME_COLUMNS if c in panel.columns), None)
        if time_column is None or "unit" not in panel.columns:
            raise ValueError(
                "a panel needs a 'unit' column and a time column (one of "
                f"{', '.join(TIME_COLUMNS)}); got {', '.join(map(str, panel.columns))}"
            )
        if panel.empty:
            raise ValueError("the panel has no rows")
        time = pd.PeriodIndex(panel[time_column])
        if time.hasnans:
            raise ValueError(f"the panel's {time_column!r} column has missing periods")
        first, last = time.min(), time.max()
        periods = pd.period_range(first, last, freq=time.freq)
        row_period = (time.asi8 - first.ordinal).astype(np.intp)
        unit = panel["unit"]
        if isinstance(unit.dtype, pd.CategoricalDtype):
            unit = unit.cat.remove_unused_categories()
            units = pd.Index(unit.cat.categories.astype(str), dtype="string")
            row_unit = unit.cat.codes.to_numpy().astype(np.intp)
        else:
            values = unit.astype("string")
            units = pd.Index(sorted(values.dropna().unique()), dtype="string")
            row_unit = units.get_indexer(values).astype(np.intp)
        if (row_unit < 0).any():
            raise ValueError("the panel has rows without a unit")
        n_units, n_periods = len(units), len(periods)
        seen = np.bincount(row_unit * n_periods + row_period, minlength=n_units * n_periods)
        if len(panel) != n_units * n_periods or (seen != 1).any():
            missing = int((seen == 0).sum())
            repeated = int((seen > 1).sum())
            raise ValueError(
                f"the panel is not complete: {n_units} units × {n_periods} periods expected, "
                f"{len(panel)} rows ({missing} unit-periods missing, {repeated} repeated)"
            )
        return cls(time_column, periods, units, row_unit, row_period)

    @property
    def shape(self) -> tuple[int, int]:
        """``(units, periods)``."""
        return (len(self.units), len(self.periods))

    def matrix(self, panel: pd.DataFrame, column: str) -> np.ndarray:
        """Column ``column`` of ``panel`` as a ``(units, periods)`` array of its own dtype."""
        if column not in panel.columns:
            raise ValueError(f"the panel has no column {column!r}")
        values = panel[column].to_numpy()
        out = np.empty(self.shape, dtype=values.dtype)
        out[self.row_unit, self.row_period] = values
        return out

    def keys(self) -> pd.DataFrame:
        """The key columns (time column, ``unit``) in canonical order: period by period, units in
        order within each period — the order of :meth:`long`."""
        n_units, n_periods = self.shape
        return pd.DataFrame(
            {
                self.time_column: pd.PeriodIndex(
                    np.repeat(self.periods, n_units), freq=self.periods.freq
                ),
                "unit": pd.Categorical(
                    np.tile(self.units.to_numpy(dtype=object), n_periods),
                    categories=self.units.to_numpy(dtype=object),
                ),
            }
        )

    @staticmethod
    def long(matrix: np.ndarray) -> np.ndarray:
        """A ``(units, periods)`` array flattened in the order of :meth:`keys`."""
        return np.ascontiguousarray(np.asarray(matrix).T).reshape(-1)
