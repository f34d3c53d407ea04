"""Population figures in the store: one row per admin unit and year.

A file's figures *replace* the stored figures of the same years and levels (a new COD-PS table for
2020 supersedes the previous 2020 cercle figures; the import log keeps which file each came from).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, delete, func, select

from sentinelle.store.bulk import bulk_insert
from sentinelle.store.schema import population

COLUMNS = ("pcode", "level", "year", "population", "male", "female", "source", "import_id")


def replace_population(
    connection: Connection,
    figures: pd.DataFrame,
    source: str | None = None,
    import_id: int | None = None,
) -> int:
    """Store ``figures`` (columns ``pcode, level, year, population`` and optionally ``male,
    female``), replacing the stored figures of every (year, level) they cover."""
    if figures.empty:
        return 0
    for (year, level), _ in figures.groupby(["year", "level"]):
        connection.execute(
            delete(population)
            .where(population.c.year == int(year))
            .where(population.c.level == str(level))
        )
    frame = pd.DataFrame(
        {
            "pcode": figures["pcode"].astype(str).to_numpy(),
            "level": figures["level"].astype(str).to_numpy(),
            "year": figures["year"].astype("int64").to_numpy(),
            "population": figures["population"].astype("float64").to_numpy(),
            "male": _optional(figures, "male"),
            "female": _optional(figures, "female"),
            "source": source,
            "import_id": pd.array([import_id] * len(figures), dtype="Int64"),
        }
    )
    return bulk_insert(connection, population, frame)


def _optional(figures: pd.DataFrame, column: str) -> pd.Series:
    if column not in figures.columns:
        return pd.Series(float("nan"), index=range(len(figures)))
    return pd.Series(figures[column].astype("float64").to_numpy())


def population_years(connection: Connection, level: str | None = None) -> list[int]:
    """The years with stored figures (of ``level`` when given), oldest first."""
    query = select(population.c.year).distinct().order_by(population.c.year)
    if level is not None:
        query = query.where(population.c.level == level)
    return [int(y) for (y,) in connection.execute(query)]


def load_population(
    connection: Connection, year: int | None = None, level: str | None = None
) -> pd.DataFrame:
    """Stored figures (all years when ``year`` is None) as a frame with the columns of
    :data:`COLUMNS`, ordered by year and P-code."""
    query = select(*(population.c[c] for c in COLUMNS)).order_by(
        population.c.year, population.c.pcode
    )
    if year is not None:
        query = query.where(population.c.year == year)
    if level is not None:
        query = query.where(population.c.level == level)
    frame = pd.DataFrame(connection.execute(query).all(), columns=list(COLUMNS))
    return frame.astype(
        {
            "pcode": "string",
            "level": "string",
            "year": "int64",
            "population": "float64",
            "male": "float64",
            "female": "float64",
            "source": "string",
            "import_id": "Int64",
        }
    )


def count_population(connection: Connection) -> dict[int, int]:
    """Stored figures per year."""
    rows = connection.execute(select(population.c.year, func.count()).group_by(population.c.year))
    return {int(year): int(n) for year, n in rows}
