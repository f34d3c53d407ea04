"""Rendering service results in the terminal (rich tables)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from sentinelle.cli.messages import number, t
from sentinelle.domain.vocabulary import Language
from sentinelle.ingest import IngestReport
from sentinelle.summary import EventSummary, StoreStatus

REPORT_FIELDS = (
    "rows",
    "inserted",
    "updated",
    "unchanged",
    "older",
    "merged_rows",
    "duplicate_rows",
    "rejected_rows",
)


def ingest_reports(console: Console, reports: list[IngestReport], language: Language) -> None:
    """One column per file, one row per count, so that long file names stay readable."""
    table = Table(show_lines=False)
    table.add_column("")
    for report in reports:
        table.add_column(Path(report.file).name, justify="right", overflow="fold")
    if len(reports) > 1:
        table.add_column(t("total", language), justify="right", style="bold")
    table.add_row(
        t("format", language), *(r.variant for r in reports), *([""] * (len(reports) > 1))
    )
    deletions = any(r.kind == "acled-deletions" for r in reports)
    fields = [*REPORT_FIELDS, *(["deleted", "not_in_store"] if deletions else [])]
    for name in fields:
        values = [getattr(r, name) for r in reports]
        total = [number(sum(values), language)] if len(reports) > 1 else []
        table.add_row(t(name, language), *(number(v, language) for v in values), *total)
    console.print(table)
    for report in reports:
        name = Path(report.file).name
        if report.placement:
            parts = ", ".join(f"{k}: {v:,}" for k, v in report.placement.items() if v)
            console.print(f"{name} — {t('placement', language)}: {parts}")
        if report.unmatched_names:
            listed = ", ".join(f"{k} ({v})" for k, v in list(report.unmatched_names.items())[:15])
            console.print(f"{name} — {t('unmatched', language)}: {listed}")
        if report.ignored_columns:
            listed = ", ".join(repr(c) for c in report.ignored_columns)
            console.print(f"{name} — {t('ignored_columns', language)}: {listed}", style="dim")


def event_summary(console: Console, summary: EventSummary, language: Language) -> None:
    regions = Table(title=t("events_by_region", language))
    regions.add_column(t("region", language))
    for key in ("events", "vac", "fatalities"):
        regions.add_column(t(key, language), justify="right")
    for row in summary.by_region.itertuples(index=False):
        regions.add_row(
            str(row.region),
            number(row.events, language),
            number(row.vac_events, language),
            number(row.fatalities, language),
        )
    regions.add_row(
        t("total", language),
        number(summary.total, language),
        number(int(summary.by_region["vac_events"].sum()), language),
        number(summary.fatalities, language),
        style="bold",
    )
    console.print(regions)

    types = Table(title=t("events_by_type", language))
    types.add_column(t("event_type", language))
    types.add_column(t("events", language), justify="right")
    types.add_column(t("fatalities", language), justify="right")
    for row in summary.by_type.itertuples(index=False):
        types.add_row(
            str(row.label), number(row.events, language), number(row.fatalities, language)
        )
    console.print(types)

    if summary.by_month.empty:
        return
    months = Table(title=t("events_by_month", language))
    months.add_column(t("month", language))
    months.add_column(t("events", language), justify="right")
    months.add_column(t("vac", language), justify="right")
    months.add_column(t("fatalities", language), justify="right")
    months.add_column("")
    peak = max(int(summary.by_month["events"].max()), 1)
    for row in summary.by_month.itertuples(index=False):
        bar = "█" * round(20 * row.events / peak)
        months.add_row(
            str(row.month),
            number(row.events, language),
            number(row.vac_events, language),
            number(row.fatalities, language),
            bar,
        )
    console.print(months)


def store_status(console: Console, status: StoreStatus, language: Language) -> None:
    console.print(f"{t('store', language)}: {status.url}")
    if status.events_by_source.empty and not status.units_by_level:
        console.print(t("empty_store", language))
    events = Table(title=t("events", language))
    for key in ("source", "events", "first", "last"):
        events.add_column(t(key, language))
    for row in status.events_by_source.itertuples(index=False):
        events.add_row(str(row.source), number(row.events, language), str(row.first), str(row.last))
    console.print(events)
    units = Table(title=t("units", language))
    units.add_column(t("level", language))
    units.add_column("N", justify="right")
    for level, count in sorted(status.units_by_level.items()):
        units.add_row(level, str(count))
    console.print(units)
    console.print(f"{t('deployments', language)}: {status.deployments}")
    recent = Table(title=t("imports", language))
    for key in ("when", "format", "file", "status", "events", "rejected_rows"):
        recent.add_column(t(key, language))
    for record in status.recent_imports:
        recent.add_row(
            record.started_at.strftime("%Y-%m-%d %H:%M"),
            record.kind,
            Path(record.file_name).name,
            record.status if not record.message else f"{record.status}: {record.message}",
            str(record.counts.get("events", "")),
            str(record.counts.get("rejected_rows", "")),
        )
    console.print(recent)
