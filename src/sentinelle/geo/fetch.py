"""Downloading admin boundaries from geoBoundaries, for users who are online.

This is the only module of Sentinelle that uses the network, and only when asked. The
geoBoundaries API (https://www.geoboundaries.org/api.html) answers
``{api_base}/gbOpen/{ISO}/ADM{n}/`` with a JSON description of the boundary set: ``boundaryID``,
``boundaryName``, ``boundaryISO``, ``boundaryType``, ``boundaryLicense``, ``boundarySource``, and
download links ``gjDownloadURL`` (GeoJSON), ``tjDownloadURL`` (TopoJSON),
``simplifiedGeometryGeoJSON`` (simplified GeoJSON) and ``staticDownloadLink`` (zip).

:func:`fetch_geoboundaries` saves the requested file and the API's description (for the licence
and the attribution, CC BY 4.0 for gbOpen) into a cache folder, and returns the file's path. A
file already in the cache is used as it is, without touching the network; pass ``refresh=True``
to download again. Network or server trouble raises :class:`FetchError` with a message for the
user, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import socket
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Literal

DEFAULT_API_BASE = "https://www.geoboundaries.org/api/current"
"""The public geoBoundaries API."""

Product = Literal["simplified", "topojson", "geojson"]

PRODUCT_FIELDS: dict[str, tuple[str, str]] = {
    # product: (field of the API answer, file name suffix)
    "simplified": ("simplifiedGeometryGeoJSON", "_simplified.geojson"),
    "topojson": ("tjDownloadURL", ".topojson"),
    "geojson": ("gjDownloadURL", ".geojson"),
}

RELEASES = ("gbOpen", "gbHumanitarian", "gbAuthoritative")

USER_AGENT = "sentinelle (protection of civilians analysis)"


class FetchError(Exception):
    """A download that failed; ``str()`` is a message for the user."""


def cached_path(
    iso: str, level: int, cache_dir: str | Path, product: Product = "simplified"
) -> Path:
    """Where :func:`fetch_geoboundaries` keeps (or would keep) this boundary file."""
    _, suffix = PRODUCT_FIELDS[product]
    return Path(cache_dir) / f"geoBoundaries-{iso.upper()}-ADM{level}{suffix}"


def fetch_geoboundaries(
    iso: str,
    level: int,
    cache_dir: str | Path,
    api_base: str = DEFAULT_API_BASE,
    *,
    product: Product = "simplified",
    release: str = "gbOpen",
    refresh: bool = False,
    timeout: float = 60.0,
) -> Path:
    """Download a country's admin boundaries from geoBoundaries into ``cache_dir``; return the
    local path.

    ``iso`` is the ISO 3166-1 alpha-3 code (``"MLI"``), ``level`` the admin level (1 regions,
    2 cercles). ``product`` is ``"simplified"`` (simplified GeoJSON, small, enough to place
    events), ``"topojson"`` or ``"geojson"`` (full resolution). A cached copy is returned without
    any network access unless ``refresh`` is true. The API's description of the boundary set
    (licence, sources) is saved beside the file as ``…-metaData.json``.
    """
    iso = iso.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", iso):
        raise FetchError(f"{iso!r} is not an ISO 3166-1 alpha-3 country code (e.g. MLI)")
    if not 0 <= int(level) <= 5:
        raise FetchError(f"admin level {level} is not one geoBoundaries publishes (0 to 5)")
    if product not in PRODUCT_FIELDS:
        raise FetchError(f"unknown product {product!r}; choose {', '.join(PRODUCT_FIELDS)}")
    if release not in RELEASES:
        raise FetchError(f"unknown release {release!r}; choose {', '.join(RELEASES)}")

    target = cached_path(iso, level, cache_dir, product)
    if target.exists() and not refresh:
        return target

    api_url = f"{api_base.rstrip('/')}/{release}/{iso}/ADM{int(level)}/"
    description = _describe(api_url, timeout)
    url_field, _ = PRODUCT_FIELDS[product]
    file_url = description.get(url_field)
    if not isinstance(file_url, str) or not file_url:
        raise FetchError(
            f"geoBoundaries has no {product} file for {iso} ADM{level} "
            f"(no '{url_field}' in the answer of {api_url})"
        )
    content = _get(file_url, timeout, what=f"the {product} file for {iso} ADM{level}")
    try:
        json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise FetchError(f"{file_url} did not return JSON; nothing was saved") from None

    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(target, content)
    meta = target.with_name(f"geoBoundaries-{iso}-ADM{int(level)}-metaData.json")
    _write_atomically(meta, json.dumps(description, indent=2, ensure_ascii=False).encode())
    return target


def _describe(api_url: str, timeout: float) -> dict[str, Any]:
    body = _get(api_url, timeout, what="the geoBoundaries API")
    try:
        answer = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise FetchError(f"the geoBoundaries API at {api_url} did not answer with JSON") from None
    if isinstance(answer, list) and len(answer) == 1:
        answer = answer[0]
    if not isinstance(answer, dict):
        raise FetchError(f"unexpected answer from the geoBoundaries API at {api_url}")
    return answer


def _get(url: str, timeout: float, what: str) -> bytes:
    if not url.lower().startswith(("http://", "https://")):
        raise FetchError(f"refusing to download {what} from {url!r}: not an http(s) address")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as error:
        hint = " (no such country or level?)" if error.code == 404 else ""
        raise FetchError(
            f"could not download {what}: the server answered {error.code} {error.reason}{hint} "
            f"({url})"
        ) from None
    except urllib.error.URLError as error:
        raise FetchError(
            f"could not download {what}: {_reason(error.reason)} ({url}); are you online? "
            "Without a network, give Sentinelle a boundary file you already have."
        ) from None
    except TimeoutError:
        raise FetchError(
            f"could not download {what}: no answer within {timeout:g} s ({url})"
        ) from None
    except OSError as error:
        raise FetchError(f"could not download {what}: {error} ({url})") from None


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, socket.gaierror):
        return "the server name could not be resolved"
    if isinstance(reason, TimeoutError):
        return "no answer in time"
    return str(reason)


def _write_atomically(path: Path, content: bytes) -> None:
    """Write through a temporary file, so an interrupted download never leaves half a file that
    the cache would later trust."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
