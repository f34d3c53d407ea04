"""Importing units with mobile capacity into the store (SQLite and PostgreSQL): the import log,
the audit entry, replacing a mission's units, and nothing written for a refused file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from sentinelle.domain.units import UnitRecord
from sentinelle.readers.problems import FileRejected
from sentinelle.store import audit, imports
from sentinelle.store.database import Store
from sentinelle.store.schema import mobile_units
from sentinelle.store.units import insert_units, load_units
from sentinelle.units import KIND, ingest_units, stored_units

D = dt.date
HEADER = "mission,name,kind,home_site,troops,mobile,start_date,end_date"
TEMPLATE = (
    f"{HEADER}\n"
    "MINUSMA,QRF East,quick_reaction_force,Camp A,150,yes,2018-01-01,2018-12-31\n"
    "MINUSMA,Company Alpha,infantry_company,Camp B,120,no,2017-06-01,\n"
    "MINUSMA,Heli Detachment,aviation,,80,,2019-01-01,\n"
    "MINUSMA,Coy Bad,fortress,,100,,2018-01-01,\n"
    "MINUSCA,QRF Bangui,qrf,Bangui,200,oui,2018-01-01,\n"
)


def write(tmp_path: Path, text: str, name: str = "units.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count_units(store: Store) -> int:
    with store.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(mobile_units)).scalar())


def test_import_stores_units_with_the_import_log_and_an_audit_entry(
    store: Store, tmp_path: Path
) -> None:
    result = ingest_units(store, write(tmp_path, TEMPLATE), actor="tester")
    assert (result.rows, result.records, result.stored, result.replaced) == (5, 4, 4, 0)
    assert (result.rejected_rows, result.mobile) == (1, 3)
    assert result.missions == ["MINUSCA", "MINUSMA"]
    with store.reading() as connection:
        stored = load_units(connection)
        logged = imports.get_import(connection, result.import_id)
        problems = imports.load_problems(connection, result.import_id)
        entries = audit.entries(connection, record_type="import")
        intact = audit.verify(connection)
    assert stored == [
        UnitRecord("MINUSCA", "QRF Bangui", "quick_reaction_force", 200, D(2018, 1, 1), None,
                   "Bangui", True, "template"),
        UnitRecord("MINUSMA", "Company Alpha", "infantry_company", 120, D(2017, 6, 1), None,
                   "Camp B", False, "template"),
        UnitRecord("MINUSMA", "Heli Detachment", "aviation", 80, D(2019, 1, 1), None, None,
                   True, "template"),
        UnitRecord("MINUSMA", "QRF East", "quick_reaction_force", 150, D(2018, 1, 1),
                   D(2018, 12, 31), "Camp A", True, "template"),
    ]  # fmt: skip
    assert logged is not None and logged.kind == KIND == "units" and logged.status == "done"
    assert logged.vintage == "2017-2019"
    assert logged.counts["stored"] == 4 and logged.counts["rejected_rows"] == 1
    assert [(p.row, p.column, p.value) for p in problems] == [(5, "kind", "fortress")]
    assert len(entries) == 1 and entries[0].entry.actor == "tester"
    assert entries[0].entry.record_id == str(result.import_id)
    assert entries[0].entry.after is not None and entries[0].entry.after["stored"] == 4
    assert intact.ok


def test_a_file_replaces_the_template_units_of_its_missions_only(
    store: Store, tmp_path: Path
) -> None:
    ingest_units(store, write(tmp_path, TEMPLATE))
    with store.transaction() as connection:  # e.g. the demo's units: another source
        insert_units(
            connection,
            [UnitRecord("MINUSMA", "Demo QRF", "quick_reaction_force", 100, D(2016, 1, 1))],
            "demo",
        )
    again = write(
        tmp_path,
        f"{HEADER}\nminusma,QRF East,qrf,Camp C,160,yes,2018-01-01,\n",
        "again.csv",
    )
    result = ingest_units(store, again)
    assert (result.stored, result.replaced) == (1, 3)  # MINUSMA's three template units
    found = stored_units(store)
    assert [(u.mission, u.name, u.source) for u in found] == [
        ("MINUSCA", "QRF Bangui", "template"),  # another mission: left alone
        ("MINUSMA", "Demo QRF", "demo"),  # another source: left alone
        ("minusma", "QRF East", "template"),
    ]
    assert found[2].troops == 160 and found[2].home_site == "Camp C"
    repeat = ingest_units(store, again)  # replaces, never adds
    assert (repeat.stored, repeat.replaced) == (1, 1) and count_units(store) == 3


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("mission,unit,troops\nMINUSMA,QRF,150\n", "not a mobile units file"),
        (f"{HEADER}\nMINUSMA,QRF,fortress,,150,,2018-01-01,\n", "no usable row: "),
    ],
)
def test_a_refused_file_writes_no_unit_only_a_failed_import(
    store: Store, tmp_path: Path, text: str, reason: str
) -> None:
    ingest_units(store, write(tmp_path, TEMPLATE))
    before = count_units(store)
    with pytest.raises(FileRejected, match=reason):
        ingest_units(store, write(tmp_path, text, "bad.csv"), actor="tester")
    assert count_units(store) == before == 4
    with store.reading() as connection:
        (last, first) = imports.list_imports(connection, limit=2)
        entries = audit.entries(connection, record_type="import")
    assert (last.kind, last.status) == (KIND, "failed") and reason in (last.message or "")
    assert first.status == "done"
    refused = [e for e in entries if e.entry.record_id == str(last.id)]
    assert len(refused) == 1 and refused[0].entry.actor == "tester"
    assert refused[0].entry.after == {"kind": KIND, "file": str(tmp_path / "bad.csv"),
                                      "status": "failed"}  # fmt: skip


def test_load_units_keeps_those_whose_period_overlaps_the_month(
    store: Store, tmp_path: Path
) -> None:
    ingest_units(store, write(tmp_path, TEMPLATE))

    def names(month: str | pd.Period | None, mission: str | None = None) -> list[str]:
        with store.reading() as connection:
            return [u.name for u in load_units(connection, month, mission)]

    assert names("2017-05") == []
    assert names("2017-06") == ["Company Alpha"]
    assert names("2018-12") == ["QRF Bangui", "Company Alpha", "QRF East"]
    assert names(pd.Period("2019-01", "M")) == ["QRF Bangui", "Company Alpha", "Heli Detachment"]
    assert names("2018-12", mission="minusma") == ["Company Alpha", "QRF East"]
    assert len(names(None)) == 4
