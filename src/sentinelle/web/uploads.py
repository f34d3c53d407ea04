"""Receiving an uploaded file (data page and API alike) and handing it to the job runner.

The multipart body is read only after the access rule passed and the declared size was checked
against ``Settings.max_upload_mb``: a request without ``Content-Length`` is refused (411), one
declaring more than the limit too (413), before a byte of it is stored. (A browser form sent
without JavaScript carries its CSRF token in the body, which the access rule has to read first;
the limit is then checked while the file is copied.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import BinaryIO

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.status import (
    HTTP_411_LENGTH_REQUIRED,
    HTTP_413_CONTENT_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_CONTENT,
    HTTP_507_INSUFFICIENT_STORAGE,
)

from sentinelle.config import Settings
from sentinelle.jobs import UPLOAD_KINDS, JobRunner, UploadRefused, stage_upload, too_large
from sentinelle.web.access import Principal, store_of

MULTIPART_OVERHEAD = 64 * 1024
"""Bytes a multipart body may hold beyond the file itself (boundaries, headers, other fields)."""

logger = logging.getLogger(__name__)
_runner_lock = threading.Lock()


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def runner_of(request: Request) -> JobRunner:
    """The application's job runner (made on first use)."""
    state = request.app.state
    with _runner_lock:
        runner = getattr(state, "job_runner", None)
        if not isinstance(runner, JobRunner):
            runner = JobRunner(store_of(request), settings_of(request))
            state.job_runner = runner
    return runner


@dataclass(frozen=True)
class UploadForm:
    """The fields of an upload: the file and what it holds."""

    kind: str
    file_name: str
    stream: BinaryIO


async def upload_form(request: Request) -> AsyncIterator[UploadForm]:
    """Dependency: the upload's fields, after checking the body's type and declared size.
    Declare it after the access rule, so that nobody unknown makes the server read a body."""
    settings = settings_of(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(
            HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "send the file as multipart/form-data with the fields 'file' and 'kind'",
        )
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise HTTPException(HTTP_411_LENGTH_REQUIRED, "send the body's Content-Length")
    if int(declared) > settings.max_upload_bytes + MULTIPART_OVERHEAD:
        raise HTTPException(HTTP_413_CONTENT_TOO_LARGE, too_large(settings))
    form = await request.form(max_files=1, max_fields=10)
    try:
        file = form.get("file")
        kind = form.get("kind") or "events"
        if not isinstance(file, UploadFile) or not file.filename:
            raise HTTPException(
                HTTP_422_UNPROCESSABLE_CONTENT,
                "no file was sent: put it in the multipart field 'file'",
            )
        if not isinstance(kind, str) or kind not in UPLOAD_KINDS:
            raise HTTPException(
                HTTP_422_UNPROCESSABLE_CONTENT,
                f"kind must be one of {', '.join(UPLOAD_KINDS)}, not {kind!r}",
            )
        yield UploadForm(kind=kind, file_name=file.filename, stream=file.file)
    finally:
        await form.close()


def start_upload(request: Request, principal: Principal, form: UploadForm) -> int:
    """Store the uploaded file and start its job; the job's id. A refused file raises the
    HTTP error that says why (415 wrong type, 413 too large, 422 empty)."""
    try:
        staged = stage_upload(settings_of(request), form.kind, form.file_name, form.stream)
    except UploadRefused as exc:
        raise HTTPException(exc.status, str(exc)) from None
    except OSError:
        logger.exception("could not save an upload of %s", form.file_name)
        raise HTTPException(
            HTTP_507_INSUFFICIENT_STORAGE,
            "the server could not save the file (its disk is full or not writable); "
            "tell the administrator",
        ) from None
    return runner_of(request).submit(staged, principal.name)
