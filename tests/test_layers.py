"""Import-layering guard: a module may import its own layer and the layers below it.

Every ``.py`` file under ``src/sentinelle`` is parsed with :mod:`ast` (nothing is
imported or executed) and each ``import`` / ``from ... import`` of a ``sentinelle``
module is checked against the table below. Imports inside functions and under
``if TYPE_CHECKING:`` count too: a type-only dependency on a higher layer is
still a design smell, and moving the type down is the fix.

Layers, lowest first (a module's layer is that of the longest matching prefix):

====  ==========================================  ===========================================
 0    sentinelle (the package root), .domain,     pure vocabulary, value types, settings;
      .config                                     no I/O beyond package data
 1    .readers, .geo                              parsing source files, place names and
                                                  geometry (geo may use readers.problems)
 2    .store                                      the database (SQLAlchemy, migrations)
 3    .panel and any other module not listed      analysis on top of the store
 4    .ingest, .demo, .services, .jobs            orchestration: use cases end to end
 5    .cli, .web                                  user interfaces
====  ==========================================  ===========================================

Same-layer imports are allowed (``readers`` <-> ``geo``, ``ingest`` -> ``services``).
A new top-level subpackage lands in layer 3 unless it is added to ``LAYERS``:
add it there, in the right place, when it belongs elsewhere.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Dotted-name prefix -> layer (0 = lowest). Keep in step with the table above.
LAYERS: dict[str, int] = {
    "sentinelle": 0,
    "sentinelle.domain": 0,
    "sentinelle.config": 0,
    "sentinelle.readers": 1,
    "sentinelle.geo": 1,
    "sentinelle.store": 2,
    "sentinelle.panel": 3,
    "sentinelle.ingest": 4,
    "sentinelle.demo": 4,
    "sentinelle.services": 4,
    "sentinelle.jobs": 4,
    "sentinelle.cli": 5,
    "sentinelle.web": 5,
}

#: Layer of a ``sentinelle.<x>`` subpackage that ``LAYERS`` does not name.
DEFAULT_LAYER = 3

PACKAGE = "sentinelle"
SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE_DIR = SRC / PACKAGE


def layer_of(module: str) -> int:
    """Layer of a dotted ``sentinelle`` module name, by longest prefix in ``LAYERS``."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in LAYERS:
            # "sentinelle" itself only matches the root package, not unknown children.
            if prefix == PACKAGE and len(parts) > 1:
                return DEFAULT_LAYER
            return LAYERS[prefix]
    raise ValueError(f"not a {PACKAGE} module: {module}")


def module_name(path: Path, src: Path = SRC) -> str:
    """Dotted module name of a file under ``src`` (``pkg/__init__.py`` -> ``pkg``)."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass(frozen=True)
class Violation:
    module: str
    layer: int
    imported: str
    imported_layer: int
    lineno: int

    def __str__(self) -> str:
        return (
            f"{self.module} (layer {self.layer}) imports {self.imported} "
            f"(layer {self.imported_layer}) at line {self.lineno}"
        )


def _resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Absolute name for ``from <level dots><target> import ...`` inside ``module``."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(package):
        raise ValueError(f"relative import beyond top-level package in {module}")
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imported_modules(
    source: str, module: str, is_package: bool = False
) -> Iterator[tuple[str, int]]:
    """Yield ``(sentinelle module, line)`` for every import of ours in ``source``.

    ``from sentinelle import store`` yields ``sentinelle.store`` (the name may be a
    subpackage); ``from sentinelle.store import schema`` yields ``sentinelle.store.schema``
    (same layer as ``sentinelle.store`` either way).
    """
    tree = ast.parse(source, filename=module)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_relative(module, is_package, node.level, node.module)
            else:
                base = node.module or ""
            if base != PACKAGE and not base.startswith(PACKAGE + "."):
                continue
            for alias in node.names:
                if alias.name == "*":
                    yield base, node.lineno
                else:
                    yield f"{base}.{alias.name}", node.lineno


def check_source(source: str, module: str, is_package: bool = False) -> list[Violation]:
    """Layering violations in the source of ``module``."""
    own = layer_of(module)
    violations = []
    for imported, lineno in imported_modules(source, module, is_package):
        theirs = layer_of(imported)
        if theirs > own:
            violations.append(Violation(module, own, imported, theirs, lineno))
    return violations


def package_files() -> list[Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


def test_no_module_imports_a_higher_layer() -> None:
    files = package_files()
    # Guard against a vacuous pass (wrong path, empty package).
    assert any(module_name(p) == f"{PACKAGE}.domain" for p in files), files
    violations: list[Violation] = []
    for path in files:
        violations += check_source(
            path.read_text(encoding="utf-8"),
            module_name(path),
            is_package=path.name == "__init__.py",
        )
    assert not violations, "import layering violated:\n" + "\n".join(map(str, violations))


@pytest.mark.parametrize(
    ("module", "is_package", "source", "expected"),
    [
        # domain -> store: absolute, from-import, and a function-local import.
        (
            "sentinelle.domain.events",
            False,
            "from sentinelle.store import schema\n",
            ["sentinelle.store.schema"],
        ),
        (
            "sentinelle.domain.events",
            False,
            "import sentinelle.cli.main\n",
            ["sentinelle.cli.main"],
        ),
        (
            "sentinelle.domain.events",
            False,
            "def f() -> None:\n    from sentinelle import web\n",
            ["sentinelle.web"],
        ),
        # Relative imports are resolved: sentinelle.store.x -> ..ingest is layer 4.
        ("sentinelle.store.events", False, "from ..ingest import run\n", ["sentinelle.ingest.run"]),
        ("sentinelle.store", True, "from ..cli import app\n", ["sentinelle.cli.app"]),
        # TYPE_CHECKING imports count too.
        (
            "sentinelle.readers.tabular",
            False,
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from sentinelle.panel import Panel\n",
            ["sentinelle.panel.Panel"],
        ),
        # Unlisted subpackages are analysis (layer 3): store may not use them.
        (
            "sentinelle.store.events",
            False,
            "from sentinelle.forecast import model\n",
            ["sentinelle.forecast.model"],
        ),
        # Allowed: same layer, lower layers, third-party, and geo -> readers.problems.
        (
            "sentinelle.geo.names",
            False,
            "from sentinelle.readers.problems import Problem\nimport pandas\n",
            [],
        ),
        (
            "sentinelle.ingest.acled",
            False,
            "from sentinelle.services import x\nfrom sentinelle.store import schema\n"
            "from sentinelle.domain.events import EVENT_COLUMNS\nfrom . import common\n",
            [],
        ),
        ("sentinelle.cli.main", False, "from sentinelle.web import app\nimport sentinelle\n", []),
        ("sentinelle", True, "from sentinelle.domain import events\n", []),
    ],
)
def test_guard_catches_violations(
    module: str, is_package: bool, source: str, expected: list[str]
) -> None:
    found = [v.imported for v in check_source(source, module, is_package)]
    assert found == expected


def test_guard_reports_line_and_layers() -> None:
    source = "import os\n\nfrom sentinelle.web.app import serve\n"
    (violation,) = check_source(source, "sentinelle.domain.places")
    assert (violation.layer, violation.imported_layer, violation.lineno) == (0, 5, 3)
    assert "sentinelle.domain.places (layer 0) imports sentinelle.web.app.serve" in str(violation)


def test_layer_table() -> None:
    assert layer_of("sentinelle") == 0
    assert layer_of("sentinelle.domain.events") == 0
    assert layer_of("sentinelle.geo.names") == layer_of("sentinelle.readers") == 1
    assert layer_of("sentinelle.store.migrations.env") == 2
    assert layer_of("sentinelle.somethingnew") == DEFAULT_LAYER == 3
    assert layer_of("sentinelle.web") == 5
    with pytest.raises(ValueError):
        layer_of("pandas")
