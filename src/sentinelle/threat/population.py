"""Population per analysis unit: cercles, regions and PRIO-GRID cells — civilians at risk.

Figures enter with :func:`ingest_population` (``sentinelle population import FILE``): an OCHA
COD-PS table or the template of :mod:`sentinelle.readers.population`. A file replaces the stored
figures of its years and levels. :func:`population_by_unit` then gives one figure per unit:

* **admin2** — the stored cercle figures;
* **admin1** — the sum of the region's cercles (a region with no cercle figure uses a stored
  region figure when there is one);
* **priogrid** — cercle figures spread over 0.5° cells by *areal weighting*: a cell's population
  is Σ over cercles of (cercle population × share of the cercle's area lying in the cell), areas
  measured on the stored admin2 polygons with each piece's area scaled by the cosine of its
  latitude (an equal-area approximation). This is an **approximation**: it assumes people are
  spread evenly over each cercle, which they are not (towns, the river, the desert north). The
  shares of each cercle add up to one, so the country total is kept exactly.

**Ménaka (2016).** OCHA's COD-PS 2020 table is in pre-2016 geography: it has the Ménaka cercle
``ML0704`` (Gao region) and no figures for the cercles created in 2016 (``ML1001``–``ML1004``,
region ``ML10``). Sentinelle does not split ``ML0704`` between them (that would invent numbers):

* ``geography="as-placed"`` (default): ``ML1001``–``ML1004`` and ``ML10`` are missing (NaN) unless
  a file gave them figures; ``ML0704`` keeps its figure and counts in ``ML07`` (which then means
  the pre-2016 Gao region); ``ML0704`` without a figure of its own is the sum of the four new
  cercles when all four have one (merging is exact);
* ``geography="pre2016"``: figures of the new units are counted in ``ML0704`` / ``ML07``, as the
  events are (:mod:`sentinelle.geo.crosswalk`);
* PRIO-GRID: a cercle without a stored polygon is spread over the polygons of the units covering
  it (``ML0704`` over ``ML1001``–``ML1004`` when those are stored), else counted in the stored
  unit it lies in (``ML1001`` in ``ML0704``).

Every result carries ``attrs["note"]`` saying so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from sentinelle.domain.places import (
    PRIOGRID_COLUMNS,
    PRIOGRID_RESOLUTION,
    AdminUnit,
    UnitKind,
)
from sentinelle.geo.crosswalk import menaka_2016, to_pre2016
from sentinelle.geo.gazetteer import mali_gazetteer
from sentinelle.panel import Geography
from sentinelle.readers.files import sha256
from sentinelle.readers.population import read_population
from sentinelle.readers.problems import FileRejected, Problem
from sentinelle.store import imports, places
from sentinelle.store import population as population_store
from sentinelle.store.database import Store

KIND = "population"
"""The import log's kind for population files."""
MENAKA_NOTE = (
    "Population: OCHA's COD-PS 2020 figures are in pre-2016 geography (Ménaka cercle ML0704 in "
    "the Gao region). They are not split between the cercles created in 2016 (ML1001-ML1004, "
    "region ML10), which are missing unless a file gave them figures; in pre-2016 geography the "
    "new units are counted in ML0704 / ML07."
)
AREAL_NOTE = (
    "PRIO-GRID population by areal weighting: each cercle's population spread evenly over its "
    "area (an approximation; the country total is kept)."
)


# --- import -------------------------------------------------------------------------------------


@dataclass
class PopulationImport:
    """What happened to one population file."""

    file: str
    import_id: int
    years: list[int]
    year_from: str  # column, argument or file name
    units: dict[str, int]  # figures stored per level
    total: dict[int, float]  # population per year (cercle figures, else region figures)
    rows: int
    rejected_rows: int
    duplicate_rows: int
    problems: list[Problem] = field(default_factory=list)


def ingest_population(store: Store, path: str | Path, year: int | None = None) -> PopulationImport:
    """Read a population file and store its figures, replacing the stored figures of the same
    years and levels, in one transaction. ``year`` gives the year of files without a year
    column (default: a year in the file name). Raises :class:`FileRejected` (after logging the
    failed import) when the file cannot be used at all; bad rows are reported, not raised."""
    name = str(path)
    try:
        table, problems, stats = read_population(path, year)
        if table.frame.empty:
            first = f": {next(iter(problems))}" if len(problems) else ""
            raise FileRejected(path, f"no usable row{first}")
    except FileRejected as exc:
        with store.transaction() as connection:
            imports.record_failed_import(connection, KIND, name, exc.reason)
        raise
    frame = table.frame
    years = table.years
    units = {str(k): int(v) for k, v in frame["level"].value_counts().sort_index().items()}
    total: dict[int, float] = {}
    for y, part in frame.groupby("year"):
        level = "admin2" if (part["level"] == "admin2").any() else "admin1"
        total[int(y)] = float(part.loc[part["level"] == level, "population"].sum())
    with store.transaction() as connection:
        import_id = imports.start_import(
            connection, KIND, name, sha256(path), vintage=",".join(map(str, years))
        )
        population_store.replace_population(connection, frame, Path(path).name, import_id)
        imports.save_problems(connection, import_id, list(problems))
        imports.finish_import(
            connection,
            import_id,
            {
                "file": name,
                "rows": stats.rows,
                "figures": len(frame),
                "rejected_rows": stats.rejected_rows,
                "duplicate_rows": stats.duplicate_rows,
                "years": years,
                "units": units,
                "total": {str(k): v for k, v in total.items()},
            },
        )
    return PopulationImport(
        file=name,
        import_id=import_id,
        years=years,
        year_from=table.year_from,
        units=units,
        total=total,
        rows=stats.rows,
        rejected_rows=stats.rejected_rows,
        duplicate_rows=stats.duplicate_rows,
        problems=list(problems),
    )


# --- figures per unit ---------------------------------------------------------------------------


def _series(values: pd.Series, attrs: dict[str, object]) -> pd.Series:
    result = values.astype("float64").rename("population")
    result.index = pd.Index(result.index.astype(str), name="unit", dtype="string")
    result.attrs.update(attrs)
    return result


def cercle_population(
    figures: pd.Series, units: Sequence[str] = (), geography: Geography = "as-placed"
) -> pd.Series:
    """Cercle figures (``figures``: P-code → population) over the cercles of ``figures`` and
    ``units`` (e.g. the stored cercles), with the Ménaka rules of the module note; NaN where
    unknown."""
    crosswalk = menaka_2016()
    if geography == "pre2016":
        keys = to_pre2016(pd.Series(figures.index, dtype="string"))
        merged = figures.groupby(keys.to_numpy()).sum(min_count=1)
        wanted = to_pre2016(pd.Series(list(units), dtype="string")).tolist()
        index = sorted(set(merged.index) | set(wanted))
        return merged.reindex(index)
    index = sorted(set(figures.index) | set(units))
    result = figures.reindex(index).astype("float64")
    for pcode in index:
        if pd.isna(result[pcode]) and crosswalk.is_retired(pcode):
            parts = [p for p in crosswalk.successors(pcode) if p != pcode]
            if parts and all(p in figures.index and pd.notna(figures[p]) for p in parts):
                result[pcode] = float(sum(figures[p] for p in parts))
    return result


def region_population(
    cercles: pd.Series,
    regions: pd.Series | None = None,
    units: Sequence[str] = (),
    geography: Geography = "as-placed",
) -> pd.Series:
    """Region figures: the sum of each region's cercle figures (region from the gazetteer;
    pre-2016 regions in pre-2016 geography); ``regions`` (stored region figures) fill regions
    without any cercle figure; NaN for ``units`` with neither."""
    gazetteer = mali_gazetteer()
    codes = pd.Series(cercles.index, dtype="string")
    if geography == "pre2016":
        codes = to_pre2016(codes)
    parent = [gazetteer.unit(c).parent_pcode if c in gazetteer else None for c in codes.tolist()]
    known = pd.Series(cercles.to_numpy(), index=pd.Index(parent, dtype="object"))
    summed = known[known.index.notna()].groupby(level=0).sum(min_count=1)
    region_units = list(units)
    if geography == "pre2016":
        region_units = to_pre2016(pd.Series(region_units, dtype="string")).tolist()
    extra = regions if regions is not None else pd.Series(dtype="float64")
    if geography == "pre2016" and len(extra):
        extra = extra.groupby(to_pre2016(pd.Series(extra.index, dtype="string")).to_numpy()).sum(
            min_count=1
        )
    index = sorted(set(summed.index) | set(extra.index) | set(region_units))
    result = summed.reindex(index).astype("float64")
    return result.fillna(extra.reindex(index).astype("float64"))


def population_by_unit(
    connection: Connection,
    unit_kind: UnitKind,
    year: int | None = None,
    geography: Geography = "as-placed",
) -> pd.Series:
    """Population per unit of ``unit_kind`` (admin2, admin1 or priogrid) for ``year`` (default:
    the latest year with figures), as a float Series named ``population`` indexed by unit
    (P-code, or PRIO-GRID id as text). Empty when no figures are stored. ``attrs`` give the
    year, the geography and the notes to print under any table using it."""
    years = population_store.population_years(connection)
    attrs: dict[str, object] = {
        "unit_kind": unit_kind,
        "geography": geography,
        "note": MENAKA_NOTE,
    }
    if year is None:
        year = years[-1] if years else None
    if year is None or year not in years:
        attrs["year"] = year
        attrs["missing"] = "no population figures stored" + (f" for {year}" if year else "")
        return _series(pd.Series(dtype="float64"), attrs)
    attrs["year"] = year
    stored = population_store.load_population(connection, year)
    by_level = {
        level: pd.Series(part["population"].to_numpy(), index=part["pcode"].astype(str).to_numpy())
        for level, part in stored.groupby("level")
    }
    cercle_figures = by_level.get("admin2", pd.Series(dtype="float64"))
    if unit_kind == "priogrid":
        units = places.load_units(connection, "admin2")
        spread = spread_to_priogrid(cercle_figures, units)
        attrs.update(spread.attrs)
        attrs["note"] = f"{AREAL_NOTE} {MENAKA_NOTE}"
        return _series(spread, attrs)
    stored_cercles = [u.pcode for u in places.load_units(connection, "admin2")]
    cercles = cercle_population(cercle_figures, stored_cercles, geography)
    if unit_kind == "admin2":
        return _series(cercles, attrs)
    stored_regions = [u.pcode for u in places.load_units(connection, "admin1")]
    regions = region_population(
        cercle_population(cercle_figures, (), geography),
        by_level.get("admin1"),
        stored_regions,
        geography,
    )
    return _series(regions, attrs)


# --- PRIO-GRID ----------------------------------------------------------------------------------


def cell_shares(geometry: BaseGeometry) -> pd.Series:
    """Share of ``geometry``'s area in each PRIO-GRID cell it touches (gid → share, adding up
    to 1), areas scaled by the cosine of each piece's latitude."""
    west, south, east, north = geometry.bounds
    step = PRIOGRID_RESOLUTION
    first_col, last_col = int(np.floor((west + 180) / step)), int(np.ceil((east + 180) / step))
    first_row, last_row = int(np.floor((south + 90) / step)), int(np.ceil((north + 90) / step))
    grid_cols, grid_rows = np.meshgrid(
        np.arange(first_col, last_col), np.arange(first_row, last_row)
    )
    cols, rows = grid_cols.ravel(), grid_rows.ravel()
    boxes = shapely.box(
        cols * step - 180, rows * step - 90, (cols + 1) * step - 180, (rows + 1) * step - 90
    )
    shapely.prepare(geometry)
    pieces = shapely.intersection(geometry, boxes)
    areas = shapely.area(pieces)
    touched = areas > 0
    latitude = np.zeros(len(pieces))
    latitude[touched] = shapely.get_y(shapely.centroid(pieces[touched]))
    weighted = np.where(touched, areas * np.cos(np.radians(latitude)), 0.0)
    total = weighted.sum()
    if total <= 0:
        return pd.Series(dtype="float64")
    keep = weighted > 0
    gids = rows[keep] * PRIOGRID_COLUMNS + cols[keep] + 1
    return pd.Series(weighted[keep] / total, index=gids.astype("int64"))


def spread_to_priogrid(figures: pd.Series, units: Sequence[AdminUnit]) -> pd.Series:
    """Cercle figures (P-code → population) spread over PRIO-GRID cells by areal weighting over
    the polygons of ``units`` (see the module note), indexed by gid (text), sorted.

    ``attrs``: ``total_in`` (the figures' total), ``total_out`` (the cells' total; equal unless
    some figure had no polygon) and ``without_polygon`` (P-code → population left out)."""
    crosswalk = menaka_2016()
    shapes = {
        u.pcode: u.geometry for u in units if u.geometry is not None and not u.geometry.is_empty
    }
    values = figures.dropna()
    keyed: dict[str, float] = {}
    geometries: dict[str, BaseGeometry] = {}
    left_out: dict[str, float] = {}
    for pcode, value in values.items():
        code = str(pcode)
        parts = [p for p in crosswalk.successors(code) if p != code]
        if code in shapes:
            geometries[code] = shapes[code]
        elif parts and all(p in shapes for p in parts):
            geometries[code] = shapely.union_all([shapes[p] for p in parts])
        elif crosswalk.pre2016(code) in shapes:
            code = crosswalk.pre2016(code)
            geometries[code] = shapes[code]
        else:
            left_out[code] = left_out.get(code, 0.0) + float(value)
            continue
        keyed[code] = keyed.get(code, 0.0) + float(value)
    cells: dict[int, float] = {}
    for code, value in keyed.items():
        for gid, share in cell_shares(geometries[code]).items():
            cells[int(gid)] = cells.get(int(gid), 0.0) + value * float(share)
    ordered = sorted(cells)
    result = pd.Series(
        [cells[g] for g in ordered], index=[str(g) for g in ordered], dtype="float64"
    )
    result.attrs.update(
        {
            "total_in": float(values.sum()),
            "total_out": float(result.sum()),
            "without_polygon": left_out,
        }
    )
    return result


# --- demo ---------------------------------------------------------------------------------------


def demo_population() -> pd.DataFrame:
    """Plausible 2020 figures for the demo scenario's (pre-2016) cercles: OCHA's COD-PS 2020
    totals rounded to the nearest thousand (``threat/data/demo_population.csv``), as a frame
    ready for :func:`sentinelle.store.population.replace_population`."""
    text = resources.files("sentinelle.threat").joinpath("data", "demo_population.csv")
    rows = list(csv.DictReader(io.StringIO(text.read_text(encoding="utf-8"))))
    return pd.DataFrame(
        {
            "pcode": pd.array([r["pcode"] for r in rows], dtype="string"),
            "level": pd.array(["admin2"] * len(rows), dtype="string"),
            "year": [int(r["year"]) for r in rows],
            "population": [float(r["population"]) for r in rows],
        }
    )


def load_demo_population(store: Store) -> int:
    """Store :func:`demo_population` (logged as an import); returns the figures stored."""
    frame = demo_population()
    with store.transaction() as connection:
        import_id = imports.start_import(connection, KIND, "demo population", vintage="demo")
        stored = population_store.replace_population(
            connection, frame, "demo (COD-PS 2020 rounded)", import_id
        )
        imports.finish_import(connection, import_id, {"figures": stored, "years": [2020]})
    return stored
