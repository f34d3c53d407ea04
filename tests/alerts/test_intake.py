"""Importing an existing early-warning log: rows replayed through the lifecycle, bad rows
reported precisely, good rows kept, re-imports idempotent, French headers and labels, one
transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from sentinelle.alerts import intake
from sentinelle.alerts.intake import import_alerts, parse_time
from sentinelle.alerts.register import get_alert, timeline
from sentinelle.demo import demo_units
from sentinelle.protection import PREFIX, Cipher
from sentinelle.readers.problems import FileRejected
from sentinelle.readers.tabular import write_xlsx
from sentinelle.store import audit, imports, places
from sentinelle.store.database import Store
from sentinelle.store.schema import alert_steps, alerts

DOCS = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"
HEADER = (
    "reference,channel,received_at,reporter_name,reporter_contact,place,admin2_pcode,latitude,"
    "longitude,threat_type,urgency,description,verified_at,verification,assessed_at,"
    "response_required,priority,decided_at,decision,decision_reason,responding_unit,"
    "dispatched_at,on_site_at,closed_at,outcome,killed,injured,duplicate_of"
)
GOOD = [
    # row 2: a whole response, closed on site
    "EW-001,community_alert_network,2018-03-01 08:10,Awa Traoré,+223 00 11 22 33,Bankass,"
    "ML0502,,,vac_attack,high,armed men seen,2018-03-01 09:00,confirmed,2018-03-01 09:30,yes,"
    "high,2018-03-01 10:00,patrol,,Company B,2018-03-01 11:00,2018-03-01 15:00,"
    "2018-03-02 10:00,prevented,0,1,",
    # row 3: just received (an SMS), placed by its coordinates
    "EW-002,SMS,2018-03-02T08:10:00Z,,,Koro,,14.07,-3.08,,,,,,,,,,,,,,,,,,,",
    # row 4: false, closed once verified
    "EW-003,media,2018-03-05 08:10,,,,,,,other,low,,2018-03-05 09:00,false,,,,,,,,,,"
    "2018-03-05 10:00,,,,",
    # row 5: no response, with its reason
    "EW-004,partner,2018-03-06 08:10,,,,,,,,,,2018-03-06 09:00,confirmed,2018-03-06 10:00,"
    "yes,low,2018-03-06 11:00,none,Road impassable,,,,2018-03-06 12:00,unknown,,,",
    # row 6: a repeat of EW-001, merged into it
    "EW-005,community_liaison,2018-03-01 08:40,,,Bankass,ML0502,,,vac_attack,,,"
    "2018-03-01 09:10,confirmed,,,,,,,,,,,,,,EW-001",
]
BAD = [
    # row 7: a step dated before receipt
    "EW-006,patrol,2018-03-03 08:10,,,Koro,ML0504,,,,,,2018-03-03 07:00,confirmed,,,,,,,,,,,,,,",
    # row 8: dispatched without a decision (a skipped step)
    "EW-007,patrol,2018-03-04 08:10,,,,,,,,,,2018-03-04 09:00,confirmed,2018-03-04 10:00,yes,"
    "medium,,,,,2018-03-04 12:00,,,,,,",
    # row 9: no response without a reason
    "EW-008,partner,2018-03-06 08:10,,,,,,,,,,2018-03-06 09:00,confirmed,2018-03-06 10:00,"
    "yes,low,2018-03-06 11:00,none,,,,,2018-03-06 12:00,unknown,,,",
    # row 10: the same reference as row 2
    "EW-001,partner,2018-03-01 08:40,,,,,,,,,,,,,,,,,,,,,,,,,",
    # row 11: an unreadable time, an unknown channel and latitude without longitude
    "EW-009,pigeon,2018-13-01 08:40,,,,,95,,,,,,,,,,,,,,,,,,,,",
    # row 12: a cercle the store does not hold
    "EW-010,media,2018-03-07 08:10,,,,ML9999,,,,,,,,,,,,,,,,,,,,,",
    # row 13: verification and injured given without their times, injured not a whole number
    "EW-011,media,2018-03-07 08:10,,,,,,,,,,,confirmed,,,,,,,,,,,,,2.5,",
    # row 14: a repeat of an alert that is nowhere
    "EW-012,media,2018-03-07 08:10,,,,,,,,,,,,,,,,,,,,,,,,,EW-404",
]


@pytest.fixture
def units_store(store: Store) -> Store:
    with store.transaction() as connection:
        places.replace_units(connection, list(demo_units()))
    return store


@pytest.fixture
def cipher() -> Cipher:
    return Cipher.generate()


def write_log(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def stored(store: Store) -> dict[str, dict[str, Any]]:
    with store.reading() as connection:
        rows = connection.execute(select(alerts)).mappings().all()
    return {str(r["source_message_id"]).removeprefix("csv:"): dict(r) for r in rows}


def test_good_rows_are_replayed_and_bad_rows_reported_precisely(
    units_store: Store, cipher: Cipher, tmp_path: Path
) -> None:
    path = write_log(tmp_path / "log.csv", GOOD + BAD)
    result = import_alerts(units_store, path, cipher, actor="importer")
    assert (result.rows, result.imported, result.already_imported, result.rejected_rows) == (
        13, 5, 0, 8,
    )  # fmt: skip
    assert result.merged == 1
    found = {(p.row, p.column): p for p in result.problems}
    expected = {
        (7, "verified_at"): ("2018-03-03 07:00", "is before the alert's last step"),
        (8, "dispatched_at"): ("2018-03-04 12:00", "cannot dispatch an alert that is assessed"),
        (9, "decision_reason"): (None, "decision_reason is required"),
        (10, "reference"): ("EW-001", "the same reference as row 2"),
        (11, "received_at"): ("2018-13-01 08:40", "not a date and time; expected"),
        (11, "channel"): ("pigeon", "unknown channel; expected one of community_alert_network"),
        (11, "latitude, longitude"): (None, "only one given"),
        (11, "latitude"): ("95", "expected −90 to 90"),
        (12, "admin2_pcode"): ("ML9999", "not a cercle in the store"),
        (13, "verified_at"): (None, "missing; expected the time of the verification"),
        (13, "injured"): ("2.5", "not a whole number"),
        (13, "closed_at"): (None, "missing; expected the time of the closing (injured given)"),
        (14, "duplicate_of"): ("EW-404", "no alert with reference 'EW-404'"),
    }
    assert set(found) == set(expected)
    for key, (value, reason) in expected.items():
        problem = found[key]
        assert problem.file == str(path)
        assert problem.value == value, key
        assert reason in problem.reason, (key, problem.reason)
    # the good rows, as the register holds them
    kept = stored(units_store)
    assert set(kept) == {"EW-001", "EW-002", "EW-003", "EW-004", "EW-005"}
    first = kept["EW-001"]
    assert (first["state"], first["decision"], first["outcome"], first["closed_from"]) == (
        "closed", "patrol", "prevented", "on_site",
    )  # fmt: skip
    assert (first["killed"], first["injured"], first["source"]) == (0, 1, "csv")
    assert str(first["reporter_name"]).startswith(PREFIX)
    shown = get_alert(units_store, int(first["id"]), cipher, personal=True)
    assert shown is not None and shown["reporter_name"] == "Awa Traoré"
    assert shown["on_site_at"] == dt.datetime(2018, 3, 1, 15, tzinfo=dt.UTC)
    steps = timeline(units_store, int(first["id"]))
    assert [s["action"] for s in steps] == [
        "receive", "verify", "assess", "decide", "dispatch", "arrive", "close",
    ]  # fmt: skip
    assert steps[3]["at"] == dt.datetime(2018, 3, 1, 10, tzinfo=dt.UTC)
    assert {s["actor"] for s in steps} == {"importer"}
    sms = kept["EW-002"]
    assert (sms["channel"], sms["state"], sms["admin2_pcode"]) == (
        "community_alert_network", "received", "ML0505",
    )  # fmt: skip
    assert (kept["EW-003"]["state"], kept["EW-003"]["closed_from"]) == ("closed", "verified")
    assert kept["EW-004"]["decision_reason"] == "Road impassable"
    assert (kept["EW-005"]["state"], kept["EW-005"]["merged_into"]) == ("merged", first["id"])
    with units_store.reading() as connection:
        assert imports.count_problems(connection, result.import_id) == len(result.problems)
        record = imports.get_import(connection, result.import_id)
        assert record is not None and record.kind == "alerts" and record.status == "done"
        assert record.counts["imported"] == 5
        assert audit.verify(connection).ok
        # nothing of a rejected row remains: no alert, no step
        step_alerts = connection.execute(select(alert_steps.c.alert_id).distinct()).scalars()
        assert set(step_alerts) == {int(r["id"]) for r in kept.values()}


def test_a_second_import_adds_only_new_rows(
    units_store: Store, cipher: Cipher, tmp_path: Path
) -> None:
    path = write_log(tmp_path / "log.csv", GOOD)
    first = import_alerts(units_store, path, cipher)
    again = import_alerts(units_store, path, cipher)
    assert (first.imported, first.already_imported) == (5, 0)
    assert (again.imported, again.already_imported, again.rejected_rows) == (0, 5, 0)
    longer = write_log(
        tmp_path / "longer.csv",
        [*GOOD, "EW-100,authorities,2018-04-01 10:00,,,,ML0502,,,,,,,,,,,,,,,,,,,,,EW-001"],
    )
    grown = import_alerts(units_store, longer, cipher)
    assert (grown.imported, grown.already_imported, grown.merged) == (1, 5, 1)
    with units_store.reading() as connection:
        assert connection.execute(select(func.count()).select_from(alerts)).scalar() == 6
        assert audit.verify(connection).ok


def test_french_headers_labels_and_day_first_times_in_xlsx(
    units_store: Store, cipher: Cipher, tmp_path: Path
) -> None:
    frame = pd.DataFrame(
        {
            "Référence": ["RAC-18-01", "RAC-18-02"],
            "Canal": ["Réseau d'alerte communautaire (appel ou SMS)", "Autorités"],
            "Reçue le": ["01/03/2018 08:10", "02/03/2018 10:00"],
            "Nom informateur": ["Moussa Keïta", None],
            "Pcode cercle": ["ML0502", "ML0504"],
            "Type menace": ["Attaques contre des civils", "Enlèvements et disparitions forcées"],
            "Population menacée": ["Personnes déplacées", "Voyageurs sur une route"],
            "Urgence": ["Haute", "moyenne"],
            "Vérifiée le": ["01/03/2018 09:00", "02/03/2018 11:00"],
            "Vérification": ["Confirmée", "Non confirmée"],
            "Évaluée le": ["01/03/2018 09:30", "02/03/2018 12:00"],
            "Réponse requise": ["oui", "oui"],
            "Priorité": ["Haute", "Basse"],
            "Décidée le": ["01/03/2018 10:00", "03/03/2018 09:00"],
            "Décision": ["Patrouille", "Renvoi aux autorités nationales"],
            "Unité intervenante": ["Compagnie B", None],
            "Déployée le": ["01/03/2018 11:00", None],
            "Sur place le": ["01/03/2018 15:00", None],
            "Clôturée le": ["02/03/2018 10:00", "05/03/2018 10:00"],
            "Issue": ["Violence empêchée", "Inconnue"],
            "Tués": ["0", None],
            "Blessés": [None, None],
        }
    )
    path = tmp_path / "journal.xlsx"
    write_xlsx(frame, path)
    result = import_alerts(units_store, path, cipher)
    assert (result.imported, result.rejected_rows) == (2, 0), result.problems
    kept = stored(units_store)
    one, two = kept["RAC-18-01"], kept["RAC-18-02"]
    assert (one["channel"], one["threat_type"], one["threatened_population"]) == (
        "community_alert_network", "vac_attack", "displaced",
    )  # fmt: skip
    assert (one["urgency"], one["verification"], one["priority"], one["decision"]) == (
        "high", "confirmed", "high", "patrol",
    )  # fmt: skip
    assert (one["outcome"], one["responding_unit"], one["state"]) == (
        "prevented", "Compagnie B", "closed",
    )  # fmt: skip
    assert (two["channel"], two["decision"], two["closed_from"], two["priority"]) == (
        "authorities", "referral_authorities", "decided", "low",
    )  # fmt: skip
    shown = get_alert(units_store, int(one["id"]), cipher)
    assert shown is not None
    assert shown["received_at"] == dt.datetime(2018, 3, 1, 8, 10, tzinfo=dt.UTC)


def test_french_labels_that_are_wrong_are_reported_with_the_french_header(
    units_store: Store, cipher: Cipher, tmp_path: Path
) -> None:
    path = write_log(
        tmp_path / "journal.csv",
        ["A1,Patrouille,01/03/2018 08:10,Très haute", "A2,Patrouille,,Haute"],
        header="référence,canal,reçue le,urgence",
    )
    result = import_alerts(units_store, path, cipher)
    assert (result.imported, result.rejected_rows) == (0, 2)
    first, second = result.problems
    assert (first.row, first.column, first.value) == (2, "urgence", "Très haute")
    assert first.reason.startswith("unknown urgency; expected one of high, medium, low")
    assert (second.row, second.column) == (3, "reçue le")
    assert second.reason.startswith("missing; expected a date and time")


def test_nothing_is_written_when_the_store_fails(
    units_store: Store, cipher: Cipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_log(tmp_path / "log.csv", GOOD + BAD)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(intake.imports, "finish_import", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        import_alerts(units_store, path, cipher)
    with units_store.reading() as connection:
        for table in ("alerts", "alert_steps", "imports", "rejected_rows", "audit_log"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_a_file_that_is_not_an_alert_log_is_refused_and_logged(
    units_store: Store, cipher: Cipher, tmp_path: Path
) -> None:
    path = write_log(tmp_path / "events.csv", ["1,2018-03-01"], header="event_id,date")
    with pytest.raises(FileRejected, match=r"missing column.*reference / reference.*canal"):
        import_alerts(units_store, path, cipher)
    with units_store.reading() as connection:
        (record,) = imports.list_imports(connection)
        assert (record.kind, record.status) == ("alerts", "failed")
        assert connection.execute(select(func.count()).select_from(alerts)).scalar() == 0


def test_times_without_a_zone_are_read_in_the_zone_given(
    units_store: Store, cipher: Cipher, tmp_path: Path
) -> None:
    path = write_log(tmp_path / "log.csv", ["T1,media,2018-03-01 08:10"],
                     header="reference,channel,received_at")  # fmt: skip
    import_alerts(units_store, path, cipher, zone=ZoneInfo("Africa/Lagos"))  # UTC+1
    assert stored(units_store)["T1"]["received_at"] in (
        dt.datetime(2018, 3, 1, 7, 10),  # SQLite: naive UTC
        dt.datetime(2018, 3, 1, 7, 10, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2018-03-01 14:05", dt.datetime(2018, 3, 1, 14, 5, tzinfo=dt.UTC)),
        ("2018-03-01T14:05:30Z", dt.datetime(2018, 3, 1, 14, 5, 30, tzinfo=dt.UTC)),
        ("2018-03-01T15:05+01:00", dt.datetime(2018, 3, 1, 14, 5, tzinfo=dt.UTC)),
        ("01/03/2018 14:05", dt.datetime(2018, 3, 1, 14, 5, tzinfo=dt.UTC)),
        ("01-03-2018", dt.datetime(2018, 3, 1, tzinfo=dt.UTC)),
        ("2018-03-01", dt.datetime(2018, 3, 1, tzinfo=dt.UTC)),
        ("03/31/2018 14:05", None),  # month first is not read
        ("yesterday", None),
    ],
)
def test_times_are_iso_or_day_first(written: str, expected: dt.datetime | None) -> None:
    assert parse_time(written) == expected


def _docs_section() -> str:
    body = DOCS.read_text(encoding="utf-8")
    start = body.index("## Importing an existing log")
    end = body.find("\n## ", start + 1)
    return body[start : end if end != -1 else len(body)]


def test_the_documented_examples_import_cleanly(
    units_store: Store, cipher: Cipher, tmp_path: Path
) -> None:
    section = _docs_section()
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    table = [line for line in lines if line.startswith(("| reference |", "| EW-"))]
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table]
    header, rows = cells[0], cells[1:]
    path = tmp_path / "docs.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    result = import_alerts(units_store, path, cipher)
    assert (result.imported, result.rejected_rows) == (len(rows), 0), result.problems
    french = re.search(r"```csv\n(.*?)```", section, re.S)
    assert french is not None
    french_path = tmp_path / "docs_fr.csv"
    french_path.write_text(french.group(1).replace("EW-2018-001", "FR-001"), encoding="utf-8")
    result = import_alerts(units_store, french_path, cipher)
    assert (result.imported, result.rejected_rows) == (1, 0), result.problems
    # every template header of the module is documented
    for english, french_header in intake.HEADERS.values():
        assert f"`{english}`" in section and f"`{french_header}`" in section
