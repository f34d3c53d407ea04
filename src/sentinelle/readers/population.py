"""Population figures per admin unit: OCHA's COD-PS tables and a generic template.

**OCHA COD-PS** (common operational dataset, population statistics), e.g.
``cod_ps_mali_admin2_population_2020.csv``: UTF-8 (often with a BOM), one row per cercle with
``admin2Pcode``, ``admin2Name_fr``, ``admin1Pcode``, ``T_TL`` (total), ``M_TL`` (male), ``F_TL``
(female), age columns (ignored) and ``<Null>`` for missing values. An admin1 table (``admin1Pcode``
without ``admin2Pcode``) is read the same way. The year is not in the file: give it, or it is taken
from a year in the file name (``..._2020.csv``).

**Generic template** (CSV or XLSX, one header row; headers in English or French, case, accents and
spaces ignored):

==============  ==============  =============================================================
English         French          content
==============  ==============  =============================================================
``pcode``       ``code_p``      OCHA P-code of a region or cercle, e.g. ML0506 (required)
``population``  ``population``  number of people, ≥ 0 (required)
``year``        ``annee``       year of the figure, e.g. 2020 (else the ``year`` argument or
                                a year in the file name)
``male``        ``hommes``      optional: males
``female``      ``femmes``      optional: females
``name``        ``nom``         optional: the unit's name (for people; the P-code decides)
``parent``      ``parent``      optional: the region's P-code, checked against the gazetteer
==============  ==============  =============================================================

Numbers may group thousands with spaces or commas (``1 179 233``, ``1,179,233``). Every P-code is
checked against Sentinelle's gazetteer of Mali (:mod:`sentinelle.geo.gazetteer`): the level
(region or cercle) comes from there. A row with a problem — unknown P-code, missing, negative or
non-numeric population, male + female more than 1 % away from the total, a year out of range, the
same unit and year twice with different figures — is left out and reported (file, row, column,
value, reason); exact repeats are merged. A file without a P-code or population column is refused
whole (:class:`FileRejected`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sentinelle.geo.gazetteer import Gazetteer, mali_gazetteer
from sentinelle.readers.fields import CellChecker
from sentinelle.readers.problems import FileRejected, ProblemLog, ReadStats
from sentinelle.readers.tabular import ROW, TEXT, TableFile

FIELDS: dict[str, tuple[str, ...]] = {
    "pcode": ("pcode", "p_code", "code_p", "code_pcode", "admin_pcode", "adm_pcode"),
    "population": ("population", "t_tl", "total", "pop", "population_totale"),
    "year": ("year", "annee", "an"),
    "male": ("male", "males", "m_tl", "hommes", "homme", "masculin"),
    "female": ("female", "females", "f_tl", "femmes", "femme", "feminin"),
    "name": ("name", "nom", "name_fr", "nom_fr"),
    "parent": ("parent", "parent_pcode", "pcode_parent", "code_p_parent"),
}
"""Template field → accepted header keys (see :func:`header_key`)."""
MISSING = frozenset({"<null>", "null", "n/a", "na", "#n/a"})
"""Cell values read as missing (OCHA writes ``<Null>``)."""
YEARS = (1950, 2100)
SHARE_TOLERANCE = 0.01
"""How far male + female may be from the total (as a share of the total)."""
PCODE_EXPECTED = "a region or cercle P-code of Mali such as ML05 or ML0506"


def header_key(name: str) -> str:
    """Header comparison key: lower case, no accents, spaces and dashes as underscores."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.strip().lower().replace(" ", "_").replace("-", "_")


def _header_map(header: list[str]) -> dict[str, str]:
    """File column → template field. OCHA's ``admin2Pcode`` is the unit and ``admin1Pcode``
    its parent; in an admin1 table ``admin1Pcode`` is the unit."""
    keys = {h: header_key(h) for h in header}
    found = set(keys.values())
    lookup = {alias: field for field, aliases in FIELDS.items() for alias in aliases}
    if "admin2pcode" in found:
        lookup |= {"admin2pcode": "pcode", "admin1pcode": "parent", "admin2name_fr": "name"}
    elif "admin1pcode" in found:
        lookup |= {"admin1pcode": "pcode", "admin1name_fr": "name"}
    mapping: dict[str, str] = {}
    for column, key in keys.items():
        field = lookup.get(key)
        if field is not None and field not in mapping.values():
            mapping[column] = field
    return mapping


def is_population_table(header: list[str]) -> bool:
    """True when the header has a P-code and a population column."""
    return {"pcode", "population"} <= set(_header_map(header).values())


def year_from_name(path: str | Path) -> int | None:
    """A year in the file's name (``cod_ps_mali_admin2_population_2020.csv`` → 2020)."""
    found = re.findall(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)", Path(path).name)
    return int(found[-1]) if found else None


@dataclass(frozen=True)
class PopulationTable:
    """The usable rows of a population file: ``pcode``, ``level`` (admin1 or admin2), ``year``,
    ``population``, ``male``, ``female`` (NaN when not given), ``name`` and ``row``."""

    frame: pd.DataFrame
    file: str
    year_from: str  # "column", "argument" or "file name"

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.frame["year"].unique())


def _clean_numbers(values: pd.Series) -> pd.Series:
    """Remove thousands separators (spaces, or commas in groups of three digits)."""
    text = values.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    grouped = text.str.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?").fillna(False)
    return text.where(~grouped, text.str.replace(",", "", regex=False))


def read_population(
    path: str | Path, year: int | None = None, gazetteer: Gazetteer | None = None
) -> tuple[PopulationTable, ProblemLog, ReadStats]:
    """Read a population file (COD-PS or the template) into validated figures, the problems
    of the rows left out, and the row accounting."""
    table = TableFile(path)
    table.slow_path = True  # exact row numbers; these files are small
    mapping = _header_map(table._columns())
    missing = [f for f in ("pcode", "population") if f not in mapping.values()]
    if missing:
        found = ", ".join(h for h in table.header if h) or "none"
        raise FileRejected(
            path,
            f"not a population table: missing column(s) {', '.join(missing)}; expected an OCHA "
            "COD-PS table (admin2Pcode, T_TL...) or the template (pcode / code_p, population, "
            f"year / annee) (found: {found[:300]})",
        )
    has_year = "year" in mapping.values()
    if year is not None and not YEARS[0] <= year <= YEARS[1]:
        raise FileRejected(path, f"year {year}: expected a year from {YEARS[0]} to {YEARS[1]}")
    default_year = year if year is not None else year_from_name(path)
    if not has_year and default_year is None:
        raise FileRejected(
            path,
            "the year of the figures is not known: the file has no year / annee column and no "
            "year in its name; give it (e.g. --year 2020)",
        )
    year_from = "column" if has_year else ("argument" if year is not None else "file name")
    gazetteer = gazetteer if gazetteer is not None else mali_gazetteer()
    problems = ProblemLog()
    stats = ReadStats()
    parts = []
    for chunk in table.chunks():
        chunk = chunk.rename(columns=mapping)
        for column in set(mapping.values()):
            lowered = chunk[column].str.strip().str.lower()
            chunk[column] = chunk[column].mask(lowered.isin(list(MISSING)).fillna(False))
        for column in ("population", "male", "female", "year"):
            if column in chunk.columns:
                chunk[column] = _clean_numbers(chunk[column])
        stats.rows += len(chunk)
        parts.append(_convert(table.name, chunk, problems, gazetteer, default_year))
    problems.extend(table.problems)
    stats.rows += len(table.problems)
    frame = pd.concat(parts, ignore_index=True) if parts else _empty()
    frame, duplicates = _repeats(table.name, frame, problems)
    stats.duplicate_rows = duplicates
    stats.events = len(frame)
    stats.rejected_rows = stats.rows - stats.events - duplicates
    ordered = sorted(problems, key=lambda p: p.row or 0)
    return PopulationTable(frame, table.name, year_from), ProblemLog(ordered), stats


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pcode": pd.Series(dtype=TEXT),
            "level": pd.Series(dtype=TEXT),
            "year": pd.Series(dtype="int64"),
            "population": pd.Series(dtype="float64"),
            "male": pd.Series(dtype="float64"),
            "female": pd.Series(dtype="float64"),
            "name": pd.Series(dtype=TEXT),
            "row": pd.Series(dtype="int64"),
        }
    )


def _convert(
    file: str,
    chunk: pd.DataFrame,
    problems: ProblemLog,
    gazetteer: Gazetteer,
    default_year: int | None,
) -> pd.DataFrame:
    c = CellChecker(file, chunk, problems)
    raw_code = c.text("pcode")
    pcode = raw_code.str.upper()
    c.required("pcode", raw_code, PCODE_EXPECTED)
    levels = {u.pcode: u.level for u in gazetteer.units() if u.level in ("admin1", "admin2")}
    parents = {u.pcode: u.parent_pcode for u in gazetteer.units()}
    level = pcode.map(levels).astype(TEXT)
    c.report(
        (pcode.notna() & level.isna()).to_numpy(dtype=bool),
        "pcode",
        raw_code,
        f"unknown P-code; expected {PCODE_EXPECTED} (see sentinelle/geo/data/mali_admin_units.csv)",
    )
    if "parent" in chunk.columns:
        given = c.text("parent").str.upper()
        expected = pcode.map(parents).astype(TEXT)
        wrong = given.notna() & expected.notna() & (given != expected)
        for mask_row in np.flatnonzero(wrong.to_numpy(dtype=bool, na_value=False)):
            c.report(
                np.arange(len(chunk)) == mask_row,
                "parent",
                given,
                f"{pcode.iloc[mask_row]} belongs to {expected.iloc[mask_row]} in the gazetteer; "
                f"expected {expected.iloc[mask_row]}",
            )
    population = c.number("population", minimum=0, required=True, what="a number of people ≥ 0")
    male = c.number("male", minimum=0, what="a number of people ≥ 0")
    female = c.number("female", minimum=0, what="a number of people ≥ 0")
    both = male.notna() & female.notna() & population.notna()
    off = both & ((male + female - population).abs() > SHARE_TOLERANCE * population.clip(1))
    c.report(
        off.to_numpy(dtype=bool),
        "population",
        c.text("population"),
        f"male + female differs from the population by more than {SHARE_TOLERANCE:.0%}; "
        "expected them to add up",
    )
    if "year" in chunk.columns:
        year = c.number(
            "year", integer=True, minimum=YEARS[0], maximum=YEARS[1],
            what=f"a year from {YEARS[0]} to {YEARS[1]}",
        )  # fmt: skip
        if default_year is not None:
            year = year.fillna(float(default_year))
        else:
            c.required("year", c.text("year"), f"a year from {YEARS[0]} to {YEARS[1]}")
    else:
        year = pd.Series(float(default_year or 0), index=chunk.index)
    keep = ~c.bad
    return pd.DataFrame(
        {
            "pcode": pcode[keep].astype(TEXT),
            "level": level[keep].astype(TEXT),
            "year": year[keep].astype("int64"),
            "population": population[keep].astype("float64"),
            "male": male[keep].astype("float64"),
            "female": female[keep].astype("float64"),
            "name": c.text("name")[keep].astype(TEXT),
            "row": chunk[ROW][keep].astype("int64"),
        }
    )


def _repeats(file: str, frame: pd.DataFrame, problems: ProblemLog) -> tuple[pd.DataFrame, int]:
    """Merge exact repeats of a (unit, year); reject every row of one with differing figures."""
    key = ["pcode", "year"]
    repeated = frame.duplicated(key, keep=False)
    if not repeated.any():
        return frame.reset_index(drop=True), 0
    figures = ["population", "male", "female"]
    clash = frame[repeated]
    dropped = pd.Series(False, index=frame.index)
    duplicates = 0
    for (pcode, year), group in clash.groupby(key):
        rows = ", ".join(str(int(r)) for r in group["row"])
        same = len(group[figures].astype(str).drop_duplicates()) == 1
        if same:
            duplicates += len(group) - 1
            dropped[group.index[1:]] = True
            continue
        dropped[group.index] = True
        for r in group["row"]:
            problems.add(
                file, int(r), "pcode", pcode,
                f"{pcode} {year} appears in rows {rows} with different figures; none is used",
            )  # fmt: skip
    return frame[~dropped].reset_index(drop=True), duplicates
