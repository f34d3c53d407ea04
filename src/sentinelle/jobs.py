"""Background jobs: a file uploaded through the web application, ingested while the user watches.

An upload goes through three steps:

1. :func:`stage_upload` checks the file's name against the kind of import asked for (events:
   ``.csv`` ``.xlsx``; boundaries: ``.geojson`` ``.json`` ``.topojson`` ``.gpkg``, or a ``.zip``
   holding one shapefile) and copies its bytes to the uploads folder, refusing more than
   ``Settings.max_upload_mb`` (``SENTINELLE_MAX_UPLOAD_MB``, default 200 MB). A refused upload
   raises :class:`UploadRefused` and leaves no job behind.
2. :meth:`JobRunner.submit` records a job (table ``jobs``), moves the file to
   ``<home>/uploads/<job id>-<safe file name>`` (kept there: the import's SHA-256 refers to it)
   and starts a thread.
3. The thread (:meth:`JobRunner.run`) runs :func:`sentinelle.ingest.ingest_file` (events, kind
   detected from the header) or :func:`sentinelle.ingest.import_boundaries` (regions or
   cercles), then, in one transaction, finishes the job with the result, shows the uploaded
   name instead of the server's path in the import log and writes an ``import`` entry to the
   audit log. Jobs run one at a time per process (the store has one writer at a time anyway).

A problem with the user's data (:class:`~sentinelle.readers.problems.FileRejected`,
:class:`~sentinelle.store.database.StoreError`) finishes the job ``failed`` with its message; any
other exception finishes it ``failed`` with a generic message, and the traceback goes to the
server's log, never to the user.

Progress (rows done, total rows) is known to the runner as the ingest calls back. On PostgreSQL
it is also written to the job's row (at most every :data:`PROGRESS_INTERVAL` seconds), so any web
worker can report it. SQLite allows one writer at a time and the ingest holds it until the file
is in, so there the row says ``running`` until the end and :meth:`JobRunner.job` adds the live
count from the runner (SQLite deployments run one web process).
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal, cast

from sentinelle import accounts
from sentinelle.config import Settings
from sentinelle.domain.places import Level
from sentinelle.ingest import BoundaryImport, IngestReport, import_boundaries, ingest_file
from sentinelle.readers.problems import FileRejected
from sentinelle.store import imports
from sentinelle.store import jobs as job_store
from sentinelle.store.database import Store, StoreError
from sentinelle.store.jobs import Job

logger = logging.getLogger(__name__)

UploadKind = Literal["events", "admin1", "admin2"]
UPLOAD_KINDS: tuple[UploadKind, ...] = ("events", "admin1", "admin2")
"""What an upload holds: conflict events (ACLED, UCDP, mission template, ACLED deletion list or
aggregate; detected from the header), region boundaries or cercle boundaries."""

EXTENSIONS: Mapping[UploadKind, tuple[str, ...]] = {
    "events": (".csv", ".xlsx"),
    "admin1": (".geojson", ".json", ".topojson", ".gpkg", ".zip"),
    "admin2": (".geojson", ".json", ".topojson", ".gpkg", ".zip"),
}
"""File extensions accepted for each kind of upload (``.zip``: one zipped shapefile)."""

SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
"""Members taken from a zipped shapefile; anything else in the archive is ignored."""

PROGRESS_INTERVAL = 0.5
"""Seconds between two progress writes to the store (PostgreSQL)."""

CRASH_MESSAGE = (
    "the import stopped because of an internal error; nothing from this file was stored. "
    "The administrator can find the details in the server log (job {job_id})."
)

_CHUNK = 1 << 20
_ONE_AT_A_TIME = threading.Lock()


class UploadRefused(ValueError):
    """An upload refused before any job exists; ``status`` is the HTTP status that fits."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def safe_file_name(name: str, max_length: int = 120) -> str:
    """A file name safe to write on any system: the last path part of ``name``, accents
    removed, anything other than letters, digits, ``.``, ``_`` and ``-`` replaced by ``_``,
    no leading dot, at most ``max_length`` characters (the extension kept)."""
    base = re.split(r"[/\\]", name.strip())[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name)
    cleaned = re.sub(r"_{2,}", "_", cleaned).lstrip("._-")
    stem, dot, extension = cleaned.rpartition(".")
    if not dot:
        stem, extension = cleaned, ""
    extension = extension[:16]
    stem = stem[: max(1, max_length - len(extension) - 1)].rstrip("._-") or "upload"
    return f"{stem}.{extension}" if extension else stem


def check_upload(kind: str, file_name: str) -> str:
    """The safe name of an upload of ``kind``, or :class:`UploadRefused` saying what is wrong."""
    if kind not in UPLOAD_KINDS:
        raise UploadRefused(
            f"unknown kind of import {kind!r}; expected one of {', '.join(UPLOAD_KINDS)}"
        )
    if not file_name.strip():
        raise UploadRefused("no file was sent: choose a file to import")
    safe = safe_file_name(file_name)
    suffix = PurePosixPath(safe).suffix.lower()
    allowed = EXTENSIONS[cast(UploadKind, kind)]
    if suffix in allowed:
        return safe
    if suffix == ".xls":
        hint = "old Excel .xls files are not read: save the sheet as .xlsx or .csv"
    elif suffix == ".shp":
        hint = "a shapefile is several files: upload a .zip holding its .shp, .shx and .dbf"
    elif kind == "events" and suffix in EXTENSIONS["admin1"]:
        hint = "this looks like a boundary file: choose boundaries (regions or cercles)"
    elif kind != "events" and suffix in EXTENSIONS["events"]:
        hint = "this looks like a table: choose events"
    else:
        hint = ""
    what = "event files" if kind == "events" else "boundary files"
    raise UploadRefused(
        f"{safe}: {suffix or 'no extension'} is not accepted; {what} must end in "
        + ", ".join(allowed)
        + (f" ({hint})" if hint else ""),
        status=415,
    )


@dataclass(frozen=True)
class StagedUpload:
    """An upload whose bytes are on disk, waiting for its job."""

    path: Path
    file_name: str  # the safe name, shown to users
    kind: UploadKind
    size: int


def stage_upload(settings: Settings, kind: str, file_name: str, stream: BinaryIO) -> StagedUpload:
    """Copy an uploaded file to the uploads folder (refusing what :func:`check_upload` refuses,
    empty files and files over the size limit)."""
    safe = check_upload(kind, file_name)
    folder = settings.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f".incoming-{secrets.token_hex(8)}-{safe}"
    limit = settings.max_upload_bytes
    size = 0
    try:
        with open(target, "wb") as out:
            while block := stream.read(_CHUNK):
                size += len(block)
                if size > limit:
                    raise UploadRefused(too_large(settings), status=413)
                out.write(block)
        if size == 0:
            raise UploadRefused(f"{safe}: the file is empty")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return StagedUpload(target, safe, cast(UploadKind, kind), size)


def too_large(settings: Settings) -> str:
    return (
        f"the file is larger than the limit of {settings.max_upload_mb} MB "
        "(the administrator sets it with SENTINELLE_MAX_UPLOAD_MB)"
    )


def unpack_shapefile(archive: Path, folder: Path, limit: int) -> Path:
    """Extract the one shapefile of a ZIP archive into ``folder`` and return its ``.shp``.

    Only the shapefile's own parts (``.shp .shx .dbf .prj .cpg`` with one stem) are taken, under
    names chosen here (never the archive's paths), and at most ``limit`` bytes in all, counted
    as they are written (an archive may lie about its sizes)."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [
                m
                for m in bundle.infolist()
                if not m.is_dir()
                and not m.filename.startswith("__MACOSX/")
                and not PurePosixPath(m.filename).name.startswith(".")
            ]
            shapes = [m for m in members if _suffix(m.filename) == ".shp"]
            if len(shapes) != 1:
                found = ", ".join(PurePosixPath(m.filename).name for m in shapes) or "none"
                raise FileRejected(
                    archive.name,
                    "a ZIP archive must hold exactly one shapefile (.shp with its .shx and "
                    f".dbf); found {len(shapes)} .shp files ({found})",
                )
            stem = PurePosixPath(shapes[0].filename).with_suffix("").as_posix().lower()
            parts = {
                _suffix(m.filename): m
                for m in members
                if PurePosixPath(m.filename).with_suffix("").as_posix().lower() == stem
                and _suffix(m.filename) in SHAPEFILE_PARTS
            }
            missing = [s for s in (".shx", ".dbf") if s not in parts]
            if missing:
                raise FileRejected(
                    archive.name,
                    f"the shapefile {PurePosixPath(shapes[0].filename).name} comes without its "
                    + " and ".join(missing)
                    + " file; zip the .shp, .shx, .dbf and .prj together",
                )
            if sum(m.file_size for m in parts.values()) > limit:
                raise FileRejected(archive.name, "unzipped, the shapefile is over the size limit")
            folder.mkdir(parents=True, exist_ok=True)
            name = safe_file_name(PurePosixPath(shapes[0].filename).stem) or "boundaries"
            written = 0
            for suffix, member in parts.items():
                with bundle.open(member) as source, open(folder / f"{name}{suffix}", "wb") as out:
                    while block := source.read(_CHUNK):
                        written += len(block)
                        if written > limit:
                            raise FileRejected(
                                archive.name, "unzipped, the shapefile is over the size limit"
                            )
                        out.write(block)
    except zipfile.BadZipFile:
        raise FileRejected(archive.name, "not a readable ZIP archive") from None
    except (RuntimeError, NotImplementedError) as exc:  # encrypted or unknown compression
        raise FileRejected(archive.name, f"the ZIP archive cannot be opened: {exc}") from None
    return folder / f"{name}.shp"


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


class _Progress:
    """The progress callback of one job: remembered by the runner, written to the store on
    PostgreSQL (throttled)."""

    def __init__(self, runner: JobRunner, job_id: int) -> None:
        self.runner = runner
        self.job_id = job_id
        self.last_write = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        self.runner._live[self.job_id] = (done, total)
        if self.runner.store.dialect == "sqlite":
            return  # the ingest holds SQLite's one write lock: see the module's docstring
        moment = time.monotonic()
        if moment - self.last_write < PROGRESS_INTERVAL and (total is None or done < total):
            return
        self.last_write = moment
        try:
            with self.runner.store.transaction() as connection:
                job_store.progress(connection, self.job_id, done, total)
        except Exception:  # progress is a convenience: never let it stop the ingest
            logger.warning("could not record the progress of job %s", self.job_id, exc_info=True)


class JobRunner:
    """Runs uploaded files' imports in background threads, one at a time, recording each job in
    the store. One runner per application (see ``sentinelle.web.uploads.runner_of``)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._live: dict[int, tuple[int, int | None]] = {}

    def submit(self, staged: StagedUpload, actor: str) -> int:
        """Record a job for ``staged``, move its file in place and start it; the job's id."""
        job_kind = "ingest" if staged.kind == "events" else "boundaries"
        with self.store.transaction() as connection:
            job_id = job_store.create_job(connection, job_kind, staged.file_name, actor)
        path = staged.path.with_name(f"{job_id}-{staged.file_name}")
        try:
            staged.path.replace(path)
        except OSError:
            staged.path.unlink(missing_ok=True)
            self._crashed(job_id, staged.file_name)
            return job_id
        thread = threading.Thread(
            target=self.run,
            args=(job_id, path, staged.kind, staged.file_name, actor),
            name=f"sentinelle-job-{job_id}",
        )
        thread.start()
        return job_id

    def job(self, job_id: int) -> Job | None:
        """The job as the store records it, with the live progress when this runner runs it."""
        with self.store.reading() as connection:
            found = job_store.get_job(connection, job_id)
        live = self._live.get(job_id)
        if found is None or live is None or found.status not in ("queued", "running"):
            return found
        done, total = live
        if done < found.done:
            return found
        return replace(found, status="running", done=done, total=total)

    def run(self, job_id: int, path: Path, kind: UploadKind, file_name: str, actor: str) -> None:
        """Run one job to its end and record how it ended. Never raises."""
        with _ONE_AT_A_TIME:
            try:
                self._live[job_id] = (0, None)
                with self.store.transaction() as connection:
                    job_store.progress(connection, job_id, 0, None)
                if kind == "events":
                    result = self._events(job_id, path, file_name)
                else:
                    result = self._boundaries(job_id, path, kind)
                self._finish(job_id, path, file_name, actor, result)
            except (FileRejected, StoreError) as exc:
                self._failed(job_id, path, file_name, actor, _user_message(exc, path, file_name))
            except Exception:
                logger.exception("job %s (%s, %s) crashed", job_id, kind, file_name)
                self._crashed(job_id, file_name)
            finally:
                self._live.pop(job_id, None)

    def _events(self, job_id: int, path: Path, file_name: str) -> dict[str, Any]:
        report: IngestReport = ingest_file(
            self.store, path, vintage=file_name, progress=_Progress(self, job_id)
        )
        result = report.counts()
        result["file"] = file_name
        return result

    def _boundaries(self, job_id: int, path: Path, level: Level) -> dict[str, Any]:
        source = path
        if path.suffix.lower() == ".zip":
            try:
                source = unpack_shapefile(
                    path, path.with_name(path.stem), self.settings.max_upload_bytes
                )
            except FileRejected as exc:
                with self.store.transaction() as connection:
                    imports.record_failed_import(connection, "boundaries", str(path), exc.reason)
                raise
        done: BoundaryImport = import_boundaries(
            self.store, source, level, progress=_Progress(self, job_id)
        )
        return {
            "import_id": done.import_id,
            "kind": "boundaries",
            "level": done.level,
            "units": done.units,
            "unmatched": len(done.unmatched),
            "problems": len(done.problems),
            "rejected_rows": len(done.problems),
            "repaired": len(done.repaired),
            "pcodes_from_gazetteer": done.pcodes_from_gazetteer,
            "name_field": done.name_field,
            "pcode_field": done.pcode_field,
            "notes": done.notes,
            "placement": (
                {k: v for k, v in done.placement.counts.items() if v} if done.placement else {}
            ),
            "source_path": str(source),
        }

    def _finish(
        self, job_id: int, path: Path, file_name: str, actor: str, result: dict[str, Any]
    ) -> None:
        source_path = result.pop("source_path", str(path))
        done, total = self._live.get(job_id, (0, None))
        with self.store.transaction() as connection:
            # finished: every row is done (the ingest's last call may not count merged rows)
            job_store.progress(connection, job_id, total if total is not None else done, total)
            for stored_as in {str(path), source_path}:
                imports.rename_file(connection, stored_as, file_name)
            accounts.record(
                connection,
                actor,
                "import",
                "import",
                result.get("import_id"),
                after={"job": job_id, "file": file_name, "status": "done", **_audit_counts(result)},
                detail=f"uploaded {file_name}",
            )
            job_store.finish(connection, job_id, "done", result=result)

    def _failed(self, job_id: int, path: Path, file_name: str, actor: str, message: str) -> None:
        try:
            with self.store.transaction() as connection:
                imports.rename_file(connection, str(path), file_name)
                zipped = path.with_name(path.stem)
                if zipped.is_dir():
                    for shp in zipped.glob("*.shp"):
                        imports.rename_file(connection, str(shp), file_name)
                accounts.record(
                    connection,
                    actor,
                    "import",
                    "import",
                    None,
                    after={"job": job_id, "file": file_name, "status": "failed"},
                    detail=f"uploaded {file_name}: {message}",
                )
                job_store.finish(connection, job_id, "failed", message=message)
        except Exception:
            logger.exception("could not record the failure of job %s", job_id)
            self._crashed(job_id, file_name)

    def _crashed(self, job_id: int, file_name: str) -> None:
        try:
            with self.store.transaction() as connection:
                job_store.finish(
                    connection, job_id, "failed", message=CRASH_MESSAGE.format(job_id=job_id)
                )
        except Exception:
            logger.exception("could not record the end of job %s (%s)", job_id, file_name)


AUDITED_COUNTS = (
    "kind",
    "variant",
    "rows",
    "events",
    "inserted",
    "updated",
    "unchanged",
    "older",
    "deleted",
    "rejected_rows",
    "level",
    "units",
    "unmatched",
)


def _audit_counts(result: Mapping[str, Any]) -> dict[str, Any]:
    return {k: result[k] for k in AUDITED_COUNTS if k in result}


def _user_message(exc: Exception, path: Path, file_name: str) -> str:
    """The error for the user, naming the file as uploaded rather than as saved."""
    if isinstance(exc, FileRejected):
        return f"{file_name}: {exc.reason}"
    text = str(exc)
    for stored_as in (str(path), str(path.with_name(path.stem))):
        text = text.replace(stored_as, file_name)
    return text
