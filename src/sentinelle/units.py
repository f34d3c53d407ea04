"""Importing units with mobile capacity (``sentinelle units import FILE``).

Sentinelle's units template (:mod:`sentinelle.readers.units`) becomes unit records stored under
the source ``template``: a file replaces the units previously stored from the template for the
missions it names, and leaves other missions (and the demo's units) alone. The records, the import
log entry (with the rejected rows) and an audit entry are written in one transaction; a refused
file writes no unit, only a failed import and its audit entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sentinelle.domain.units import UnitRecord
from sentinelle.readers.files import sha256
from sentinelle.readers.problems import FileRejected, Problem
from sentinelle.readers.units import SOURCE, read_units
from sentinelle.store import imports
from sentinelle.store.database import Store
from sentinelle.store.units import load_units, replace_units

KIND = "units"
"""The import log's kind for units files."""


@dataclass
class UnitImport:
    """What happened to one units file."""

    file: str
    import_id: int
    missions: list[str]
    rows: int
    records: int  # units read from the file
    mobile: int  # of which can move to another area
    stored: int
    replaced: int  # units of the same missions stored from the template before
    rejected_rows: int
    duplicate_rows: int
    first: dt.date | None
    last: dt.date | None
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, object]:
        return {
            "file": self.file,
            "missions": list(self.missions),
            "rows": self.rows,
            "records": self.records,
            "mobile": self.mobile,
            "stored": self.stored,
            "replaced": self.replaced,
            "rejected_rows": self.rejected_rows,
            "duplicate_rows": self.duplicate_rows,
            "first": None if self.first is None else self.first.isoformat(),
            "last": None if self.last is None else self.last.isoformat(),
        }


def ingest_units(store: Store, path: str | Path, actor: str = "system") -> UnitImport:
    """Read a units template and store its units, replacing the template's previous units of
    the same missions, in one transaction with the import log and an audit entry. Raises
    :class:`FileRejected` (after logging the failed import) when the file cannot be used at all;
    bad rows are reported, not raised."""
    name = str(path)
    try:
        read = read_units(path)
        if not read.units:
            why = f": {next(iter(read.problems))}" if len(read.problems) else ""
            raise FileRejected(path, f"no usable row{why}")
    except FileRejected as exc:
        with store.transaction() as connection:
            import_id = imports.record_failed_import(connection, KIND, name, exc.reason)
            imports.audit_import(
                connection,
                actor,
                import_id,
                {"kind": KIND, "file": name, "status": "failed"},
                f"units file refused: {exc.reason}"[:2000],
            )
        raise
    years = (
        min(u.start.year for u in read.units),
        max((u.end or u.start).year for u in read.units),
    )
    vintage = str(years[0]) if years[0] == years[1] else f"{years[0]}-{years[1]}"
    with store.transaction() as connection:
        import_id = imports.start_import(connection, KIND, name, sha256(path), vintage=vintage)
        stored, replaced = replace_units(connection, read.units, SOURCE, import_id)
        imports.save_problems(connection, import_id, list(read.problems))
        result = UnitImport(
            file=name,
            import_id=import_id,
            missions=read.missions,
            rows=read.rows,
            records=len(read.units),
            mobile=sum(1 for u in read.units if u.mobile),
            stored=stored,
            replaced=replaced,
            rejected_rows=read.rejected_rows,
            duplicate_rows=read.duplicate_rows,
            first=read.first,
            last=read.last,
            problems=list(read.problems),
        )
        counts = result.counts()
        imports.finish_import(connection, import_id, counts)
        imports.audit_import(
            connection,
            actor,
            import_id,
            {"kind": KIND, "status": "done", **counts},
            f"units imported from {Path(name).name} ({', '.join(read.missions)})",
        )
    return result


def stored_units(
    store: Store, month: str | pd.Period | None = None, mission: str | None = None
) -> list[UnitRecord]:
    """The stored units (available in ``month``, of ``mission`` when given), by mission, name
    and start."""
    with store.reading() as connection:
        return load_units(connection, month, mission)
