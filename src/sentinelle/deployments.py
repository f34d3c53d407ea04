"""Importing mission deployments (``sentinelle deployments import FILE``).

A Geo-PKO locations file, a RADPKO bases file or Sentinelle's template
(:mod:`sentinelle.readers.deployments`) becomes deployment records stored under the source of its
kind (``geopko``, ``radpko`` or ``template``): a file replaces every deployment previously stored
from a file of the same kind, and leaves the other kinds alone. The records, the import log entry
(with the rejected rows) and an audit entry are written in one transaction; a refused file writes
no deployment, only a failed import and its audit entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sentinelle.domain.deployments import Deployment
from sentinelle.readers.deployments import read_deployments
from sentinelle.readers.files import sha256
from sentinelle.readers.problems import FileRejected, Problem
from sentinelle.store import imports
from sentinelle.store.database import Store
from sentinelle.store.deployments import load_deployments, replace_deployments

KIND = "deployments"
"""The import log's kind for deployment files."""


@dataclass
class DeploymentImport:
    """What happened to one deployments file."""

    file: str
    import_id: int
    format: str  # geopko, radpko or template: also the source the records are stored under
    label: str  # e.g. "Geo-PKO locations"
    period: str  # year, month or dates
    rows: int
    sites: int
    site_periods: int
    records: int  # records read from the file
    stored: int  # records stored (they replace the source's previous records)
    replaced: int  # records of the same source stored before
    rejected_rows: int
    duplicate_rows: int
    merged_rows: int
    first: dt.date | None
    last: dt.date | None
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, object]:
        return {
            "file": self.file,
            "format": self.format,
            "period": self.period,
            "rows": self.rows,
            "sites": self.sites,
            "site_periods": self.site_periods,
            "records": self.records,
            "stored": self.stored,
            "replaced": self.replaced,
            "rejected_rows": self.rejected_rows,
            "duplicate_rows": self.duplicate_rows,
            "merged_rows": self.merged_rows,
            "first": None if self.first is None else self.first.isoformat(),
            "last": None if self.last is None else self.last.isoformat(),
        }


def ingest_deployments(store: Store, path: str | Path, actor: str = "system") -> DeploymentImport:
    """Read a deployments file and store its records under the source of its kind, replacing
    that source's previous records, in one transaction with the import log and an audit entry.
    Raises :class:`FileRejected` (after logging the failed import) when the file cannot be used
    at all; bad rows are reported, not raised."""
    name = str(path)
    try:
        read = read_deployments(path)
        if not read.deployments:
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
                f"deployments file refused: {exc.reason}"[:2000],
            )
        raise
    source = read.format.name
    first, last = read.first, read.last
    years = (
        min(d.start.year for d in read.deployments),
        max((d.end or d.start).year for d in read.deployments),
    )
    vintage = str(years[0]) if years[0] == years[1] else f"{years[0]}-{years[1]}"
    with store.transaction() as connection:
        replaced = sum(1 for d in load_deployments(connection) if d.source == source)
        import_id = imports.start_import(connection, KIND, name, sha256(path), vintage=vintage)
        stored = replace_deployments(connection, read.deployments, source, import_id)
        imports.save_problems(connection, import_id, list(read.problems))
        result = DeploymentImport(
            file=name,
            import_id=import_id,
            format=source,
            label=read.format.label,
            period=read.period,
            rows=read.rows,
            sites=read.sites,
            site_periods=read.site_periods,
            records=len(read.deployments),
            stored=stored,
            replaced=replaced,
            rejected_rows=read.rejected_rows,
            duplicate_rows=read.duplicate_rows,
            merged_rows=read.merged_rows,
            first=first,
            last=last,
            problems=list(read.problems),
        )
        counts = result.counts()
        imports.finish_import(connection, import_id, counts)
        imports.audit_import(
            connection,
            actor,
            import_id,
            {"kind": KIND, "status": "done", **counts},
            f"deployments imported from {Path(name).name} ({read.format.label})",
        )
    return result


def stored_deployments(store: Store, mission: str | None = None) -> list[Deployment]:
    """The stored deployments (of ``mission`` when given), by mission, start and name."""
    with store.reading() as connection:
        found = load_deployments(connection)
    if mission is not None:
        found = [d for d in found if d.mission.casefold() == mission.casefold()]
    return sorted(found, key=lambda d: (d.mission, d.start, d.name.casefold(), d.kind))
