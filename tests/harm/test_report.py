"""The monthly civilian harm report: figures a reader can check, no personal data, a public
variant with small counts suppressed, and a PDF that renders without fetching anything."""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from sentinelle.harm.register import (
    AmendsIn,
    HarmError,
    IncidentIn,
    MeasureIn,
    SourceIn,
    VictimIn,
    add_amends,
    answer_amends,
    create_incident,
    create_measure,
    get_incident,
)
from sentinelle.harm.report import monthly_report, report_pdf
from sentinelle.protection import Cipher
from sentinelle.store.database import Store

VICTIM = "Aïssata Traoré-TEST"
SOURCE = "Moussa Diallo-TEST"
MONTH = "2018-06"
# (day, force, category, activity, killed min–max, injured min–max, confidence, investigation)
INCIDENTS: list[tuple[str, str, str, str | None, int, int, int, int, str, str]] = [
    ("2018-06-02", "minusma", "traffic_accident", "convoy", 1, 1, 0, 1, "confirmed", "concluded"),
    ("2018-06-11", "minusma", "attack_on_force", "convoy", 2, 4, 5, 7, "confirmed", "under_way"),
    ("2018-06-20", "fama", "detention", "detention", 0, 0, 0, 0, "likely", "not_started"),
    ("2018-06-30", "g5_sahel", "crossfire", "patrol", 3, 3, 1, 2, "contested", "under_way"),
    ("2018-06-15", "france", "crossfire", None, 0, 1, 2, 2, "likely", "not_started"),
    # the 11 months before
    ("2018-05-31", "minusma", "crossfire", "patrol", 1, 2, 0, 0, "likely", "concluded"),
    ("2017-07-01", "fama", "property", "patrol", 0, 0, 0, 0, "unlikely", "closed"),
    ("2018-01-15", "minusma", "indirect_fire", "base_defence", 0, 0, 3, 3, "likely", "under_way"),
    # outside the 12 months
    ("2017-06-30", "minusma", "traffic_accident", "convoy", 4, 4, 4, 4, "confirmed", "concluded"),
    ("2018-07-01", "fama", "reprisal", None, 6, 6, 0, 0, "likely", "not_started"),
]


@pytest.fixture
def cipher() -> Cipher:
    return Cipher.generate()


@pytest.fixture
def register(store: Store, cipher: Cipher) -> Store:
    """The incidents above, each with a named victim and source; amends on two of them; two
    measures, one overdue at the end of the month."""
    ids = []
    for i, (day, force, category, activity, k0, k1, i0, i1, grade, state) in enumerate(INCIDENTS):
        moment = dt.datetime.fromisoformat(day).replace(hour=23, minute=30, tzinfo=dt.UTC)
        incident = IncidentIn(
            occurred_at=moment, force=force, category=category, activity=activity,
            killed_min=k0, killed_max=k1, injured_min=i0, injured_max=i1, confidence=grade,
            investigation=state, reference=f"T-{i:02d}", place="Gao",
            description=f"Notes naming {VICTIM}",  # free text never reaches the report
            findings=f"Heard from {SOURCE}",
        )  # fmt: skip
        victim = VictimIn(harm="killed", name=VICTIM, note=SOURCE)
        source = SourceIn(kind="witness", name=SOURCE, contact="+223 00 00 00 00")
        ids.append(create_incident(store, incident, "officer", cipher, [victim], [source]))
    # amends: accepted for the first incident of June, pending for the second, declined for
    # the one of May (12 months only)
    for index, answer in ((0, "accepted"), (1, None), (5, "declined")):
        offer = AmendsIn(kind="apology", offered_on=dt.date(2018, 7, 2), recipient=VICTIM)
        version = add_amends(store, ids[index], 1, offer, "officer", cipher)
        if answer is not None:
            found = get_incident(store, ids[index], cipher)
            assert found is not None
            answer_amends(store, ids[index], version, found["amends"][0]["id"], answer,
                          dt.date(2018, 7, 9), "officer")  # fmt: skip
    create_measure(store, MeasureIn("Convoy speed rule", "speed_rules", "J3",
                                    dt.date(2018, 6, 10)), [ids[0]], "officer")  # fmt: skip
    create_measure(store, MeasureIn("Camp buffer", "camp_buffer", "Sector North",
                                    dt.date(2018, 9, 1)), [ids[3]], "officer")  # fmt: skip
    create_measure(store, MeasureIn("Detention register", "detention_safeguards", "HR",
                                    dt.date(2018, 5, 1), status="done",
                                    done_on=dt.date(2018, 4, 20)), [ids[2]], "officer")  # fmt: skip
    # decided after an incident of July: not in June's report
    create_measure(store, MeasureIn("Later measure", "training", "J7", dt.date(2018, 12, 1)),
                   [ids[9]], "officer")  # fmt: skip
    return store


def expected(first: str, last: str) -> dict[str, Any]:
    rows = [r for r in INCIDENTS if first <= r[0] <= last]
    return {
        "incidents": len(rows),
        "killed": (sum(r[4] for r in rows), sum(r[5] for r in rows)),
        "injured": (sum(r[6] for r in rows), sum(r[7] for r in rows)),
        "category": Counter(r[2] for r in rows),
        "force": Counter(r[1] for r in rows),
        "activity": Counter(r[3] or "other" for r in rows),
        "confidence": Counter(r[8] for r in rows),
        "investigation": Counter(r[9] for r in rows),
        "killed_by_category": {
            c: (sum(r[4] for r in rows if r[2] == c), sum(r[5] for r in rows if r[2] == c))
            for c in {r[2] for r in rows}
        },
    }


def span(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}–{pair[1]}"


def cells(page: Any, table: str, code: str) -> list[str]:
    found = page.xpath(f'//table[@id="{table}"]//tr[@data-code="{code}"]/td')
    assert found, f"no row {code!r} in table {table!r}"
    return [td.text_content().strip() for td in found]


def codes(page: Any, table: str) -> list[str]:
    return [str(c) for c in page.xpath(f'//table[@id="{table}"]/tbody/tr/@data-code')]


def test_the_report_shows_the_months_figures_and_never_a_name(register: Store) -> None:
    report = monthly_report(register, MONTH, "en", today=dt.date(2025, 1, 1))
    page = lxml_html.fromstring(report)
    month = expected("2018-06-01", "2018-06-30")
    year = expected("2017-07-01", "2018-06-30")
    assert month["incidents"] == 5 and year["incidents"] == 8  # the fixture is what we think
    assert cells(page, "key-figures", "incidents")[1:] == ["5", "8"]
    assert cells(page, "key-figures", "killed")[1:] == [span(month["killed"]), span(year["killed"])]
    assert cells(page, "key-figures", "injured")[1:] == [
        span(month["injured"]), span(year["injured"])
    ]  # fmt: skip
    for by in ("category", "force", "activity"):
        assert set(codes(page, f"by-{by}")) == set(year[by])
        for code, count in year[by].items():
            row = cells(page, f"by-{by}", code)
            assert row[1] == str(month[by].get(code, 0)) and row[4] == str(count), (by, code)
    for code, pair in year["killed_by_category"].items():
        row = cells(page, "by-category", code)
        assert row[5] == span(pair)
        assert row[2] == span(month["killed_by_category"].get(code, (0, 0)))
    for table in ("confidence", "investigation"):
        for code in codes(page, table):
            row = cells(page, table, code)
            assert row[1:] == [str(month[table].get(code, 0)), str(year[table].get(code, 0))]
    assert cells(page, "amends", "offered")[1:] == ["2", "3"]
    assert cells(page, "amends", "accepted")[1:] == ["1", "1"]
    assert cells(page, "amends", "pending")[1:] == ["1", "1"]
    assert cells(page, "amends", "declined")[1:] == ["0", "1"]
    # measures: overdue as of the month's end, highlighted and first; later ones left out
    rows = page.xpath('//table[@id="measures"]/tbody/tr')
    titles = [r.xpath("./td")[0].text_content() for r in rows]
    assert titles == ["Convoy speed rule", "Detention register", "Camp buffer"]
    assert rows[0].get("class") == "overdue" and "overdue by 20 days" in rows[0].text_content()
    assert rows[1].get("class") is None and rows[2].get("class") is None
    # the month's incidents, in order, and nothing personal or free text anywhere
    listed = page.xpath('//table[@id="month-incidents"]/tbody/tr/td[1]')
    assert [td.text_content() for td in listed] == ["T-00", "T-01", "T-04", "T-02", "T-03"]
    for name in (VICTIM, SOURCE, "Aïssata", "Diallo", "+223", "Notes naming", "Heard from"):
        assert name not in report
    # self-contained: nothing to fetch
    lowered = report.lower()
    for marker in ("http:", "https:", "<script", "<link", "url(", "@import", "src="):
        assert marker not in lowered


def test_the_public_report_suppresses_small_counts(register: Store) -> None:
    report = monthly_report(register, MONTH, "fr", public=True)
    page = lxml_html.fromstring(report)
    assert page.get("lang") == "fr" and "Version publique" in report
    assert cells(page, "key-figures", "incidents")[1:] == ["5", "8"]
    assert cells(page, "key-figures", "killed")[1:] == ["6", "7"]  # lower bounds
    # crossfire in June: 2 incidents → "<3"; detention: 1; traffic accidents: 1
    assert cells(page, "by-category", "crossfire")[1] == "<3"
    assert cells(page, "by-category", "detention")[1] == "<3"
    assert cells(page, "by-force", "minusma")[1] == "<3"
    assert cells(page, "confidence", "confirmed")[1] == "<3"
    assert cells(page, "amends", "accepted")[1:] == ["<3", "<3"]
    shown = [c for row in codes(page, "by-category") for c in cells(page, "by-category", row)[1:]]
    assert "1" not in shown and "2" not in shown
    month_rows = page.xpath('//table[@id="month-incidents"]/tbody/tr')
    killed = [r.xpath("./td")[6].text_content() for r in month_rows]
    assert killed == ["<3", "<3", "0", "0", "3"]
    assert VICTIM not in report and SOURCE not in report


def test_an_empty_month_and_a_bad_month(store: Store) -> None:
    report = monthly_report(store, "2016-02", "fr")
    assert "Aucun incident enregistré ce mois-ci." in report and "Aucune mesure" in report
    for bad in ("2016-13", "16-02", "2016-2", "", "1980-01"):
        with pytest.raises(HarmError, match="month"):
            monthly_report(store, bad, "en")


def png_of_first_page(pdf: bytes, scale: float = 1.0) -> tuple[bytes, Any]:
    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), image


def test_the_pdf_renders_and_a_page_converts_to_png(register: Store, tmp_path: Path) -> None:
    pdf = report_pdf(monthly_report(register, MONTH, "en"))
    assert pdf.startswith(b"%PDF-")
    png, image = png_of_first_page(pdf)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "page.png").write_bytes(png)
    # A4 is 595 × 842 points: one pixel per point at scale 1
    assert abs(image.width - 595) <= 1 and abs(image.height - 842) <= 1
    grey = image.convert("L")
    dark = sum(grey.histogram()[:128])
    assert 0.01 < dark / (image.width * image.height) < 0.5  # text and rules, not blank
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 10  # several colours: headings, shading, text


def test_the_pdf_fetches_nothing_but_data_urls(tmp_path: Path) -> None:
    from PIL import Image

    pdfium = pytest.importorskip("pypdfium2")
    picture = tmp_path / "dot.png"
    Image.new("RGB", (20, 20), (200, 0, 0)).save(picture)
    inline = base64.b64encode(picture.read_bytes()).decode("ascii")

    def images(source: str) -> int:
        document = pdfium.PdfDocument(report_pdf(f"<html><body><p>x</p>{source}</body></html>"))
        try:
            return sum(1 for _ in document[0].get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE]))
        finally:
            document.close()

    assert images(f'<img src="data:image/png;base64,{inline}">') == 1
    assert images(f'<img src="{picture.as_uri()}">') == 0
    assert images('<img src="http://127.0.0.1:9/dot.png">') == 0
