"""Ingest: files in → validated events → placed in units → stored, one transaction per file.

This is the service the CLI and the web application call. It picks the reader for the file
(ACLED export, ACLED deletion list, UCDP GED, mission incident template), places every event in
the admin units and PRIO-GRID cells the store knows, upserts the events (see
:mod:`sentinelle.store.events` for the rules) and logs the import with every rejected row. A file
that cannot be read at all changes nothing but the import log; a crash mid-file leaves the store
as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy import Connection

from sentinelle.domain.events import EventFrame
from sentinelle.domain.places import AdminUnit, Level
from sentinelle.geo.gazetteer import UnmatchedUnit, assign_pcodes
from sentinelle.geo.placement import PlacementReport, Placer
from sentinelle.readers.acled import AcledExport
from sentinelle.readers.acled_aggregate import is_acled_aggregate, read_acled_aggregate
from sentinelle.readers.acled_deletions import is_deletion_list, read_acled_deletions
from sentinelle.readers.boundaries import read_boundaries
from sentinelle.readers.files import sha256
from sentinelle.readers.incidents import IncidentReport, is_incident_template
from sentinelle.readers.problems import FileRejected, Problem, ProblemLog, ReadStats
from sentinelle.readers.tabular import TableFile
from sentinelle.readers.ucdp import UcdpExport, is_ucdp_ged
from sentinelle.store import aggregates as aggregate_store
from sentinelle.store import event_counts, imports, places
from sentinelle.store import events as event_store
from sentinelle.store.database import Store

FileKind = Literal["auto", "acled", "acled-deletions", "acled-aggregate", "ucdp", "mission"]
FILE_KINDS: tuple[FileKind, ...] = (
    "auto",
    "acled",
    "acled-deletions",
    "acled-aggregate",
    "ucdp",
    "mission",
)
AGGREGATE_SOURCE = "acled-hdx"
Progress = Callable[[int, int | None], None]
"""Called with (rows done, total rows if known)."""


class EventReader(Protocol):
    file: str
    variant: str
    total_rows: int | None
    stats: ReadStats

    def batches(self) -> Iterator[tuple[EventFrame, ProblemLog]]: ...


@dataclass
class IngestReport:
    """What happened to every row of one file."""

    file: str
    kind: str
    variant: str = ""
    import_id: int | None = None
    rows: int = 0
    events: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0
    merged_rows: int = 0
    duplicate_rows: int = 0
    rejected_rows: int = 0
    deleted: int = 0
    not_in_store: int = 0
    placement: dict[str, int] = field(default_factory=dict)  # events per placement kind
    unmatched_names: dict[str, int] = field(default_factory=dict)  # name → events
    name_mismatches: int = 0  # events whose coordinates lie in another unit than their names
    outside_units: int = 0  # events farther than the tolerance from every unit
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def accounted(self) -> bool:
        """Every data row is an event (inserted, updated, unchanged or older), a merged or
        repeated row, or a rejected row; deletion lists: deleted, absent or rejected."""
        if self.kind == "acled-deletions":
            return self.rows >= self.deleted + self.not_in_store + self.rejected_rows
        stored = self.inserted + self.updated + self.unchanged + self.older
        return stored == self.events and self.rows == (
            self.events + self.merged_rows + self.duplicate_rows + self.rejected_rows
        )

    def counts(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("problems")
        data["problems"] = len(self.problems)
        return data


def detect_kind(path: str | Path) -> FileKind:
    """Which reader a file needs, from its header."""
    header = TableFile(path).header
    names = {h.strip().lower() for h in header}
    if is_deletion_list(header):
        return "acled-deletions"
    if is_acled_aggregate(header):
        return "acled-aggregate"
    if "event_id_cnty" in names:
        return "acled"
    if is_ucdp_ged(header):
        return "ucdp"
    if is_incident_template(header):
        return "mission"
    raise FileRejected(
        path,
        "not a recognised event file: expected an ACLED export (event_id_cnty, event_date, ...), "
        "an ACLED deletion list (event_id_cnty, deleted_timestamp), an ACLED aggregate (Admin2 "
        "Pcode, Month, Year, Events, Fatalities), a UCDP GED export (id, "
        "type_of_violence, date_start, ...) or the mission incident template (incident_id / "
        "id_incident, date, event_type / type_evenement, fatalities / morts)",
    )


def open_reader(path: str | Path, kind: FileKind, vintage: str | None = None) -> EventReader:
    if kind == "acled":
        return AcledExport(path, vintage=vintage)
    if kind == "ucdp":
        return UcdpExport(path, vintage=vintage)
    if kind == "mission":
        return IncidentReport(path, vintage=vintage)
    raise ValueError(f"no event reader for {kind!r}")


def placer_for(connection: Connection) -> Placer:
    """A placer over the admin units the store holds (PRIO-GRID only when it holds none)."""
    return Placer(places.load_units(connection, "admin1"), places.load_units(connection, "admin2"))


def ingest_file(
    store: Store,
    path: str | Path,
    kind: FileKind = "auto",
    vintage: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one file into ``store``. Raises :class:`FileRejected` (after logging the failed
    import) when the file as a whole cannot be used; bad rows are reported, not raised."""
    name = str(path)
    if kind == "auto":
        try:
            kind = detect_kind(path)
        except FileRejected as exc:
            _log_failure(store, "unknown", name, exc)
            raise
    try:
        with store.transaction() as connection:
            if kind == "acled-deletions":
                return _ingest_deletions(connection, path, progress)
            if kind == "acled-aggregate":
                return _ingest_aggregate(connection, path, progress)
            return _ingest_events(connection, path, kind, vintage, progress)
    except FileRejected as exc:
        _log_failure(store, kind, name, exc)
        raise


def _log_failure(store: Store, kind: str, name: str, exc: FileRejected) -> None:
    with store.transaction() as connection:
        imports.record_failed_import(connection, kind, name, exc.reason)


def _ingest_events(
    connection: Connection,
    path: str | Path,
    kind: FileKind,
    vintage: str | None,
    progress: Progress | None,
) -> IngestReport:
    reader = open_reader(path, kind, vintage)
    report = IngestReport(file=reader.file, kind=kind, variant=reader.variant)
    report.ignored_columns = list(getattr(reader, "ignored_columns", []))
    report.import_id = imports.start_import(
        connection, kind, reader.file, sha256(path), vintage or Path(path).name
    )
    placer = placer_for(connection)
    placements: list[PlacementReport] = []
    done = 0
    for batch, problems in reader.batches():
        placed, batch_placement = placer.place(batch.frame)
        placements.append(batch_placement)
        counts = event_store.upsert_events(connection, EventFrame(placed), report.import_id)
        report.inserted += counts.inserted
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        report.older += counts.older
        imports.save_problems(connection, report.import_id, list(problems))
        report.problems.extend(problems)
        done += len(batch) + len(problems.rows)
        if progress is not None:
            progress(done, reader.total_rows)
    _fill_reader_counts(report, reader)
    event_counts.refresh(connection)
    if placements:
        _fill_placement(report, PlacementReport.combine(placements))
    imports.finish_import(connection, report.import_id, report.counts())
    return report


def _fill_placement(report: IngestReport, placement: PlacementReport) -> None:
    report.placement = {k: v for k, v in placement.counts.items() if v}
    report.name_mismatches = int(placement.mismatches["events"].sum())
    report.outside_units = placement.outside
    for row in placement.unmatched_names.itertuples(index=False):
        where = f" ({row.admin1})" if isinstance(row.admin1, str) and row.admin1 else ""
        report.unmatched_names[f"{row.level} {row.name}{where}"] = int(row.events)


def _fill_reader_counts(report: IngestReport, reader: EventReader) -> None:
    stats = reader.stats
    report.rows = stats.rows
    report.events = stats.events
    report.merged_rows = stats.merged_rows
    report.duplicate_rows = stats.duplicate_rows
    report.rejected_rows = stats.rejected_rows


def _ingest_deletions(
    connection: Connection, path: str | Path, progress: Progress | None
) -> IngestReport:
    frame, problems, rows = read_acled_deletions(path)
    report = IngestReport(file=str(path), kind="acled-deletions", variant="ACLED deletion list")
    report.import_id = imports.start_import(connection, "acled-deletions", str(path), sha256(path))
    counts = event_store.delete_events(connection, "acled", frame, report.import_id)
    event_counts.refresh(connection)
    report.rows = rows
    report.deleted = counts.deleted
    report.not_in_store = counts.not_in_store
    report.rejected_rows = len(problems.rows)
    report.problems = list(problems)
    imports.save_problems(connection, report.import_id, report.problems)
    imports.finish_import(connection, report.import_id, report.counts())
    if progress is not None:
        progress(rows, rows)
    return report


def _ingest_aggregate(
    connection: Connection, path: str | Path, progress: Progress | None
) -> IngestReport:
    table, problems, stats = read_acled_aggregate(path)
    report = IngestReport(
        file=str(path), kind="acled-aggregate", variant=f"ACLED aggregate ({table.measure})"
    )
    report.import_id = imports.start_import(connection, "acled-aggregate", str(path), sha256(path))
    counts = aggregate_store.upsert_aggregates(
        connection, table.frame, AGGREGATE_SOURCE, table.measure, report.import_id
    )
    report.rows = stats.rows
    report.events = stats.events  # here: unit-month rows
    report.inserted, report.updated, report.unchanged = (
        counts.inserted,
        counts.updated,
        counts.unchanged,
    )
    report.duplicate_rows = stats.duplicate_rows
    report.rejected_rows = stats.rejected_rows
    report.problems = list(problems)
    imports.save_problems(connection, report.import_id, report.problems)
    imports.finish_import(connection, report.import_id, report.counts())
    if progress is not None:
        progress(stats.rows, stats.rows)
    return report


def replace_placement(store: Store, progress: Progress | None = None) -> PlacementReport | None:
    """Place every stored event again (after new boundaries were imported)."""
    with store.transaction() as connection:
        return _replace_placement(connection, progress)


def _replace_placement(
    connection: Connection, progress: Progress | None = None
) -> PlacementReport | None:
    columns = ["latitude", "longitude", "geo_precision", "admin1", "admin2"]
    placer = placer_for(connection)
    frame = event_store.load_events(connection, columns=columns)
    reports = []
    step = 100_000
    for start in range(0, len(frame), step):
        part = frame.iloc[start : start + step]
        placed, part_report = placer.place(part)
        reports.append(part_report)
        event_store.update_placement(connection, placed)
        if progress is not None:
            progress(min(start + step, len(frame)), len(frame))
    event_counts.refresh(connection)
    return PlacementReport.combine(reports) if reports else None


@dataclass
class BoundaryImport:
    """What happened to one boundary file."""

    file: str
    level: Level
    import_id: int
    units: int
    name_field: str
    pcode_field: str | None
    pcodes_from_gazetteer: bool
    unmatched: list[UnmatchedUnit]
    problems: list[Problem]
    repaired: list[int]
    notes: list[str]
    placement: PlacementReport | None


def import_boundaries(
    store: Store,
    path: str | Path,
    level: Level | None = None,
    *,
    name_field: str | None = None,
    pcode_field: str | None = None,
    parent_field: str | None = None,
    layer: str | None = None,
    progress: Progress | None = None,
) -> BoundaryImport:
    """Import admin boundaries of one level, replacing the stored units of that level, then
    place every stored event again. Units without P-codes get them from the gazetteer by name
    (cercles within the stored regions); units that cannot be matched are left out and listed."""
    name = str(path)
    try:
        boundary = read_boundaries(
            path,
            level=level,
            name_field=name_field,
            pcode_field=pcode_field,
            parent_field=parent_field,
            layer=layer,
        )
    except FileRejected as exc:
        _log_failure(store, "boundaries", name, exc)
        raise
    with store.transaction() as connection:
        units: list[AdminUnit] = boundary.units
        unmatched: list[UnmatchedUnit] = []
        from_gazetteer = any(not u.pcode for u in units)
        parents = places.load_units(connection, "admin1") if boundary.level == "admin2" else None
        assignment = assign_pcodes(units, parents=parents or None)
        units, unmatched = assignment.units, assignment.unmatched
        if not units:
            raise FileRejected(
                path,
                "no unit could be used"
                + (f": {unmatched[0].reason}" if unmatched else "")
                + " (see the problems listed)",
            )
        import_id = imports.start_import(connection, "boundaries", name, sha256(path))
        places.replace_units(connection, units, import_id)
        problems = list(boundary.problems)
        problems += [
            Problem(name, _feature_number(u.source), "name", u.name, u.reason) for u in unmatched
        ]
        imports.save_problems(connection, import_id, problems)
        # events are placed again in the same transaction: the new units and the events'
        # places change together, or not at all
        placement = _replace_placement(connection, progress)
        imports.finish_import(
            connection,
            import_id,
            {
                "level": boundary.level,
                "units": len(units),
                "unmatched": len(unmatched),
                "problems": len(problems),
            },
        )
    return BoundaryImport(
        file=name,
        level=boundary.level,
        import_id=import_id,
        units=len(units),
        name_field=boundary.name_field,
        pcode_field=boundary.pcode_field,
        pcodes_from_gazetteer=from_gazetteer,
        unmatched=unmatched,
        problems=problems,
        repaired=boundary.repaired,
        notes=boundary.notes,
        placement=placement,
    )


def _feature_number(source: str | None) -> int | None:
    """The feature number from a unit's source (``file#12``)."""
    if source and "#" in source:
        tail = source.rsplit("#", 1)[1]
        return int(tail) if tail.isdigit() else None
    return None
