"""The data page in a real browser: the upload form's script sends the file, shows progress,
follows the job and shows its summary, with no request leaving 127.0.0.1 and no script error."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import Visit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_upload_with_progress_then_the_summary_and_the_rejected_rows(visit: Visit) -> None:
    page = visit.page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # type: ignore[attr-defined]
    page.on(  # type: ignore[attr-defined]
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    visit.sign_in("demo-analyst")
    page.goto(f"{visit.base}/data?lang=en")  # type: ignore[attr-defined]
    page.set_input_files("input[name=file]", str(FIXTURES / "acled" / "bad_rows.csv"))  # type: ignore[attr-defined]
    page.select_option("select[name=kind]", "events")  # type: ignore[attr-defined]
    page.click("form[data-upload] button[type=submit]")  # type: ignore[attr-defined]
    summary = page.wait_for_selector(".job-summary[data-status=done]")  # type: ignore[attr-defined]
    assert "/data/upload" not in page.url and "/data/jobs/" not in page.url  # stayed: script
    text = summary.inner_text()
    assert "bad_rows.csv was imported" in text and "10" in text
    page.wait_for_selector("#imports a:has-text('bad_rows.csv')")  # type: ignore[attr-defined]
    visit.screenshot("data-upload-done")
    page.click(".job-summary a")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "/data/imports/" in page.url  # type: ignore[attr-defined]
    assert "31 Febuary 2018" in page.inner_text("main")  # type: ignore[attr-defined]
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("a[download]")  # type: ignore[attr-defined]
    saved = Path(download.value.path())
    assert saved.read_text(encoding="utf-8").startswith("file,row,column,value,reason")
    assert not errors, errors


def test_a_refused_file_shows_the_reason_in_place(visit: Visit, tmp_path: Path) -> None:
    page = visit.page
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4")
    visit.sign_in("demo-analyst")
    page.goto(f"{visit.base}/data?lang=en")  # type: ignore[attr-defined]
    page.set_input_files("input[name=file]", str(notes))  # type: ignore[attr-defined]
    page.click("form[data-upload] button[type=submit]")  # type: ignore[attr-defined]
    alert = page.wait_for_selector("#upload-status [role=alert]")  # type: ignore[attr-defined]
    assert ".pdf is not accepted" in alert.inner_text()
    assert page.is_enabled("form[data-upload] button[type=submit]")  # type: ignore[attr-defined]
