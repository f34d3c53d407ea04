"""Reading the demo's packaged CSV tables (``sentinelle/demo/data``)."""

from __future__ import annotations

import csv
from importlib import resources


def data_rows(name: str) -> list[dict[str, str]]:
    """Rows of ``demo/data/<name>`` as dicts; lines starting with ``#`` are comments."""
    text = resources.files("sentinelle.demo").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines))
