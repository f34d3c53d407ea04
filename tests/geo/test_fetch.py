"""Downloading boundaries from geoBoundaries, against a local stand-in for its API."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sentinelle.geo.fetch import FetchError, cached_path, fetch_geoboundaries
from sentinelle.readers.boundaries import read_boundaries

pytestmark = pytest.mark.network

TINY_TOPOLOGY = {
    "type": "Topology",
    "arcs": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
    "objects": {
        "MLI-ADM1": {
            "type": "GeometryCollection",
            "geometries": [
                {
                    "type": "Polygon",
                    "arcs": [[0]],
                    "properties": {"shapeName": "Gao", "shapeType": "ADM1"},
                }
            ],
        }
    },
}


@dataclass
class FakeGeoBoundaries:
    """A local HTTP server answering like the geoBoundaries API; counts requests per path."""

    routes: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base: str = ""

    def api(self, iso: str, level: int, **links: str) -> None:
        answer = {
            "boundaryID": f"{iso}-ADM{level}-1",
            "boundaryName": "Mali",
            "boundaryISO": iso,
            "boundaryType": f"ADM{level}",
            "boundaryLicense": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
            **{k: f"{self.base}{v}" if v.startswith("/") else v for k, v in links.items()},
        }
        self.routes[f"/gbOpen/{iso}/ADM{level}/"] = (200, json.dumps(answer).encode())


@pytest.fixture
def server() -> Iterator[FakeGeoBoundaries]:
    state = FakeGeoBoundaries()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            status, body = state.routes.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_download_then_cache(server: FakeGeoBoundaries, tmp_path: Path) -> None:
    server.api("MLI", 1, tjDownloadURL="/files/MLI_ADM1.topojson")
    server.routes["/files/MLI_ADM1.topojson"] = (200, json.dumps(TINY_TOPOLOGY).encode())
    cache = tmp_path / "cache"

    path = fetch_geoboundaries("mli", 1, cache, api_base=server.base, product="topojson")
    assert path == cached_path("MLI", 1, cache, "topojson")
    assert path.name == "geoBoundaries-MLI-ADM1.topojson"
    assert server.requests == ["/gbOpen/MLI/ADM1/", "/files/MLI_ADM1.topojson"]
    (unit,) = read_boundaries(path).units
    assert unit.name_fr == "Gao"
    meta = json.loads((cache / "geoBoundaries-MLI-ADM1-metaData.json").read_text())
    assert "CC BY 4.0" in meta["boundaryLicense"]

    again = fetch_geoboundaries("MLI", 1, cache, api_base=server.base, product="topojson")
    assert again == path
    assert len(server.requests) == 2  # the cached file was used, no request

    fetch_geoboundaries("MLI", 1, cache, api_base=server.base, product="topojson", refresh=True)
    assert len(server.requests) == 4
    assert not list(cache.glob("*.part"))


def test_cache_is_used_when_offline(server: FakeGeoBoundaries, tmp_path: Path) -> None:
    server.api("MLI", 1, simplifiedGeometryGeoJSON="/files/simple.geojson")
    simple = {"type": "FeatureCollection", "features": []}
    server.routes["/files/simple.geojson"] = (200, json.dumps(simple).encode())
    path = fetch_geoboundaries("MLI", 1, tmp_path, api_base=server.base)
    assert path.name == "geoBoundaries-MLI-ADM1_simplified.geojson"
    offline = f"http://127.0.0.1:{closed_port()}"
    assert fetch_geoboundaries("MLI", 1, tmp_path, api_base=offline) == path


def test_server_down_gives_a_clear_message(tmp_path: Path) -> None:
    offline = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(FetchError) as caught:
        fetch_geoboundaries("MLI", 2, tmp_path, api_base=offline, timeout=5)
    message = str(caught.value)
    assert message.startswith("could not download the geoBoundaries API: the connection was")
    assert "are you online?" in message and "Traceback" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert not list(tmp_path.iterdir())


def test_unknown_country_or_level(server: FakeGeoBoundaries, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"answered 404 .*no such country or level"):
        fetch_geoboundaries("ATL", 1, tmp_path, api_base=server.base)
    with pytest.raises(FetchError, match="not an ISO 3166-1 alpha-3"):
        fetch_geoboundaries("Mali", 1, tmp_path, api_base=server.base)
    with pytest.raises(FetchError, match="admin level 9"):
        fetch_geoboundaries("MLI", 9, tmp_path, api_base=server.base)
    assert server.requests == ["/gbOpen/ATL/ADM1/"]


def test_bad_answers(server: FakeGeoBoundaries, tmp_path: Path) -> None:
    server.api("MLI", 1, tjDownloadURL="/files/broken.topojson")
    with pytest.raises(FetchError, match=r"no geojson file for MLI ADM1.*gjDownloadURL"):
        fetch_geoboundaries("MLI", 1, tmp_path, api_base=server.base, product="geojson")
    server.routes["/files/broken.topojson"] = (200, b"<html>maintenance</html>")
    with pytest.raises(FetchError, match="did not return JSON; nothing was saved"):
        fetch_geoboundaries("MLI", 1, tmp_path, api_base=server.base, product="topojson")
    assert not list(tmp_path.iterdir())
    server.routes["/gbOpen/MLI/ADM2/"] = (200, b"oops")
    with pytest.raises(FetchError, match="did not answer with JSON"):
        fetch_geoboundaries("MLI", 2, tmp_path, api_base=server.base)
    server.api("MLI", 2, simplifiedGeometryGeoJSON="file:///etc/passwd")
    with pytest.raises(FetchError, match="not an http"):
        fetch_geoboundaries("MLI", 2, tmp_path, api_base=server.base)
    server.routes["/gbOpen/MLI/ADM3/"] = (500, b"")
    with pytest.raises(FetchError, match="answered 500"):
        fetch_geoboundaries("MLI", 3, tmp_path, api_base=server.base)


@pytest.mark.shared_data
def test_download_the_real_mali_cercles(
    server: FakeGeoBoundaries, shared_data: Path, tmp_path: Path
) -> None:
    real = shared_data / "boundaries" / "geoBoundaries-MLI-ADM2_simplified.topojson"
    server.api("MLI", 2, tjDownloadURL="/data/geoBoundaries-MLI-ADM2_simplified.topojson")
    server.routes["/data/geoBoundaries-MLI-ADM2_simplified.topojson"] = (200, real.read_bytes())
    path = fetch_geoboundaries("MLI", 2, tmp_path, api_base=server.base, product="topojson")
    assert path.read_bytes() == real.read_bytes()
    assert len(read_boundaries(path).units) == 50
    fetch_geoboundaries("MLI", 2, tmp_path, api_base=server.base, product="topojson")
    assert len(server.requests) == 2
