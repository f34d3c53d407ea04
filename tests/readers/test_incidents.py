from __future__ import annotations

from pathlib import Path

from sentinelle.domain.events import EventFrame
from sentinelle.readers.incidents import IncidentReport, header_key

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "incidents"


def read(name: str) -> tuple[IncidentReport, EventFrame, list]:
    report = IncidentReport(FIXTURES / name)
    frames, problems = [], []
    for batch, batch_problems in report.batches():
        frames.append(batch)
        problems.extend(batch_problems)
    return report, EventFrame.concat(frames), problems


def test_french_headers_and_labels_are_understood() -> None:
    report, events, problems = read("mission_fr.csv")
    frame = events.frame.set_index("source_id")
    assert sorted(frame.index) == ["JOC-2018-001", "JOC-2018-002", "JOC-2018-003"]
    assert frame.loc["JOC-2018-001", "event_type"] == "Violence against civilians"
    assert frame.loc["JOC-2018-001", "civilian_targeting"]
    assert frame.loc["JOC-2018-003", "sub_event_type"] == "Remote explosive/landmine/IED"
    assert frame.loc["JOC-2018-002", "event_date"].strftime("%Y-%m-%d") == "2018-03-02"
    assert frame.loc["JOC-2018-002", "admin2"] == "Gao"  # no coordinates: placed by name later
    assert all(frame["source"] == "mission")
    rows = {p.row: p for p in problems}
    assert rows[5].column == "event_type" and rows[5].value == "Pillage"
    assert rows[6].column == "civilian_targeting" and rows[6].value == "peut-être"
    assert "cannot be placed" in rows[7].reason
    assert (report.stats.rows, report.stats.events, report.stats.rejected_rows) == (6, 3, 3)


def test_english_headers_work_too() -> None:
    _, events, problems = read("mission_en.csv")
    assert problems == []
    assert events.frame["sub_event_type"].tolist() == ["Abduction/forced disappearance"]


def test_header_matching_ignores_case_accents_and_spaces() -> None:
    assert header_key(" Précision Géo ") == "precision_geo"
    assert header_key("Type-Événement") == "type_evenement"
