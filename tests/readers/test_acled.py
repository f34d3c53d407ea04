from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sentinelle.domain.events import EventFrame
from sentinelle.domain.vocabulary import event_types, sub_event_types
from sentinelle.readers.acled import AcledExport
from sentinelle.readers.problems import FileRejected, Problem
from sentinelle.readers.tabular import write_xlsx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "acled"


def read_all(path: Path, **options: object) -> tuple[AcledExport, pd.DataFrame, list[Problem]]:
    export = AcledExport(path, **options)  # type: ignore[arg-type]
    frames, problems = [], []
    for batch, batch_problems in export.batches():
        frames.append(batch)
        problems.extend(batch_problems)
    return export, EventFrame.concat(frames).frame, problems


def test_reads_the_three_date_styles_and_ignores_the_stray_index_column() -> None:
    export, events, problems = read_all(FIXTURES / "dyadic_small.csv")
    assert problems == []
    assert export.ignored_columns == [""]
    assert events["event_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2018-03-01",
        "2018-03-01",
        "2019-02-22",
        "2018-04-10",
    ]
    assert events["source_id"].tolist() == ["TST1", "TST2", "TST3", "TST4"]
    assert events["actor2"].isna().tolist() == [False, False, False, True]
    assert events["disorder_type"].iloc[0] == "Political violence"
    assert export.stats.balanced


def test_bad_rows_are_reported_precisely_and_good_rows_kept() -> None:
    export, events, problems = read_all(FIXTURES / "bad_rows.csv")
    assert sorted(events["source_id"]) == ["BAD1", "BAD8"]
    stats = export.stats
    assert (stats.rows, stats.events, stats.duplicate_rows, stats.rejected_rows) == (13, 2, 1, 10)
    assert stats.balanced
    by_row = {}
    for p in problems:
        by_row.setdefault(p.row, []).append(p)
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 12, 13, 14]
    assert by_row[3][0].column == "event_date" and "missing" in by_row[3][0].reason
    assert by_row[4][0].column == "longitude" and by_row[4][0].value == "190.0"
    assert "outside Mali" in by_row[5][0].reason
    assert by_row[6][0].column == "event_type" and by_row[6][0].value == "Massacre"
    assert by_row[7][0].column == "fatalities" and by_row[7][0].value == "-4"
    assert "rows 8, 9 with different content" in by_row[8][0].reason
    assert by_row[12][0].value == "31 Febuary 2018" and "not a date" in by_row[12][0].reason
    assert by_row[13][0].column == "sub_event_type" and by_row[13][0].value == "Ambush"
    assert by_row[14][0].value == "two"
    assert all(p.file.endswith("bad_rows.csv") for p in problems)


def test_a_file_that_is_not_an_acled_export_is_refused_whole(tmp_path: Path) -> None:
    other = tmp_path / "population.csv"
    other.write_text("admin2Name_fr,admin2Pcode,T_TL\nMopti,ML0506,368477\n", encoding="utf-8")
    with pytest.raises(FileRejected) as caught:
        AcledExport(other)
    assert "population.csv" in str(caught.value)
    assert "missing column(s) event_id_cnty" in str(caught.value)

    binary = tmp_path / "export.csv"
    binary.write_bytes(b"%PDF-1.7\n\x00\x01binary")
    with pytest.raises(FileRejected, match="PDF"):
        AcledExport(binary)

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(FileRejected, match="empty"):
        AcledExport(empty)


def test_rows_with_the_wrong_number_of_fields_keep_exact_row_numbers(tmp_path: Path) -> None:
    lines = (FIXTURES / "dyadic_small.csv").read_text(encoding="utf-8").splitlines()
    broken = [*lines[:2], "9,9,466,TST9,9,2018-01-01,truncated", *lines[2:]]
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(broken) + "\n", encoding="utf-8")
    export, events, problems = read_all(path)
    assert len(events) == 4
    assert [(p.row, "fields" in p.reason) for p in problems] == [(3, True)]
    assert export.stats.balanced and export.stats.rejected_rows == 1


def test_xlsx_gives_the_same_events_as_csv(tmp_path: Path) -> None:
    source = FIXTURES / "dyadic_small.csv"
    workbook = tmp_path / "export.xlsx"
    write_xlsx(pd.read_csv(source, dtype=str, keep_default_na=False), workbook)
    _, from_csv, _ = read_all(source)
    export, from_xlsx, problems = read_all(workbook)
    assert problems == []
    assert "XLSX" in export.variant
    columns = ["source_id", "event_date", "event_type", "fatalities", "latitude", "notes"]
    pd.testing.assert_frame_equal(from_csv[columns], from_xlsx[columns])


@pytest.mark.shared_data
def test_real_dyadic_export_every_row_an_event(shared_data: Path) -> None:
    export, events, problems = read_all(shared_data / "acled/acled_mali_1997-2018_api_export.csv")
    assert problems == []
    assert len(events) == 2456 == export.stats.rows
    assert events["source_id"].is_unique
    pairs = set(sub_event_types())
    assert (
        all(zip(events["event_type"], events["sub_event_type"], strict=True))
        and set(zip(events["event_type"], events["sub_event_type"], strict=True)) <= pairs
    )


@pytest.mark.shared_data
def test_real_monadic_export_merges_back_to_one_event_per_id(shared_data: Path) -> None:
    path = shared_data / "acled/acled_mali_2017-2018_monadic_export.csv"
    raw = pd.read_csv(path)
    export, events, problems = read_all(path, chunk_rows=97)  # groups straddle chunk borders
    assert problems == []
    assert len(events) == raw["event_id_cnty"].nunique() == 1224
    assert export.stats.rows == len(raw) == 2327
    assert export.stats.merged_rows + export.stats.events == len(raw)
    # the first row of an event is actor1, the second actor2
    first = raw.groupby("event_id_cnty").nth(0).set_index("event_id_cnty")
    second = raw.groupby("event_id_cnty").nth(1).set_index("event_id_cnty")
    merged = events.set_index("source_id")
    assert (merged.loc[first.index, "actor1"] == first["actor1"]).all()
    assert (merged.loc[second.index, "actor2"] == second["actor1"]).all()
    single = first.index.difference(second.index)
    assert merged.loc[single, "actor2"].isna().all()


@pytest.mark.shared_data
def test_real_pre2019_export_maps_every_event_to_the_current_taxonomy(shared_data: Path) -> None:
    path = shared_data / "acled/acled_mali_2017-2018_pre2019_taxonomy_export.csv"
    export, events, problems = read_all(path)
    assert problems == []
    assert len(events) == 1227 == export.stats.mapped_pre2019
    assert events["event_type"].isin(list(event_types())).all()
    assert events["original_event_type"].notna().all()
    pairs = set(sub_event_types())
    assert set(zip(events["event_type"], events["sub_event_type"], strict=True)) <= pairs
    remote = events[events["original_event_type"] == "Remote violence"]
    assert (remote["event_type"] == "Explosions/Remote violence").all()
    assert remote["sub_event_type"].nunique() > 1  # refined from the notes


@pytest.mark.shared_data
def test_chunk_size_does_not_change_the_result(shared_data: Path) -> None:
    path = shared_data / "acled/acled_mali_1997-2018_api_export.csv"
    _, whole, _ = read_all(path)
    _, chunked, _ = read_all(path, chunk_rows=100)
    pd.testing.assert_frame_equal(whole, chunked)


def test_newer_columns_are_used_when_present() -> None:
    _, events, problems = read_all(FIXTURES / "newer_columns.csv")
    assert problems == []
    frame = events.set_index("source_id")
    assert frame.loc["NEW1", "civilian_targeting"]
    assert not frame.loc["NEW2", "civilian_targeting"]
    assert frame.loc["NEW2", "tags"] == "crowd size=no report"
    assert (frame["disorder_type"] == "Political violence").all()
    # without the column, civilian targeting is unknown rather than false
    _, older, _ = read_all(FIXTURES / "dyadic_small.csv")
    assert older["civilian_targeting"].isna().all()
