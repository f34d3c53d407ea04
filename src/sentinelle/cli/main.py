"""``sentinelle`` — the command line.

Every command is a thin shell over a service (``sentinelle.ingest``, ``sentinelle.panel``,
``sentinelle.summary``, ``sentinelle.demo``, ``sentinelle.geo``). Errors in the user's input
(a bad file, a bad database URL, a bad month) print one clear message and exit with status 2;
they never print a traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from sentinelle.cli import render
from sentinelle.cli.messages import language_from_env, number, t
from sentinelle.config import Settings, settings_from_env
from sentinelle.domain.months import MonthError, parse_month_range
from sentinelle.domain.vocabulary import Language
from sentinelle.ingest import FILE_KINDS, FileKind, IngestReport, ingest_file
from sentinelle.readers.problems import FileRejected, Problem
from sentinelle.store.database import Store, StoreError, open_store

if TYPE_CHECKING:
    from sentinelle.planning.roads import Roads, Season, Speeds

app = typer.Typer(
    help="Sentinelle: protection of civilians in peace operations / protection des civils "
    "dans les opérations de paix.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)
T = TypeVar("T")


@dataclass
class Options:
    settings: Settings
    language: Language


class UserError(Exception):
    """An error in what the user asked for; printed without a traceback."""


@app.callback()
def main(
    ctx: typer.Context,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            envvar="SENTINELLE_DATABASE_URL",
            help="Store URL: sqlite:///path.db (default ./var/sentinelle.db) or "
            "postgresql+psycopg://user@host:port/db",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="fr or en (default: $SENTINELLE_LANG, else fr)"),
    ] = None,
) -> None:
    settings = settings_from_env()
    if database:
        settings = Settings(database_url=database, home=settings.home)
    language: Language = language_from_env()
    if lang is not None:
        if lang not in ("fr", "en"):
            _fail(f"--lang must be fr or en, not {lang!r}", "fr")
        language = "en" if lang == "en" else "fr"
    ctx.obj = Options(settings=settings, language=language)


def _fail(message: str, language: Language) -> None:
    errors.print(f"[bold red]{t('error', language)}:[/] {message}", highlight=False)
    raise typer.Exit(2)


@contextmanager
def user_errors(options: Options) -> Iterator[None]:
    """Turn user-input errors into one message and exit status 2."""
    try:
        yield
    except (FileRejected, StoreError, MonthError, UserError) as exc:
        _fail(str(exc), options.language)


def _open(options: Options) -> Store:
    return open_store(options.settings.database_url)


@contextmanager
def _progress(description: str) -> Iterator[Callable[[int, int | None], None]]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        yield update


@app.command()
def ingest(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="ACLED, UCDP GED or mission files")],
    kind: Annotated[
        str, typer.Option(help=f"File kind: {', '.join(FILE_KINDS)} (auto detects it)")
    ] = "auto",
    vintage: Annotated[
        str | None, typer.Option(help="Name of the export's vintage (default: the file name)")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write rejected rows here (default: var/reports/rejected-<id>.csv)"),
    ] = None,
) -> None:
    """Ingest conflict-event files: every row is inserted, updated, merged or rejected."""
    options: Options = ctx.obj
    with user_errors(options):
        if kind not in FILE_KINDS:
            raise UserError(f"--kind must be one of {', '.join(FILE_KINDS)}, not {kind!r}")
        store = _open(options)
        reports: list[IngestReport] = []
        failures = []
        for path in files:
            try:
                with _progress(path.name) as progress:
                    result = ingest_file(
                        store, path, kind=kind_of(kind), vintage=vintage, progress=progress
                    )
            except FileRejected as exc:
                failures.append(str(exc))
                continue
            reports.append(result)
            if result.problems:
                _report_rejected(options, result.problems, result.import_id, report)
        if reports:
            render.ingest_reports(console, reports, options.language)
        for message in failures:
            errors.print(f"[bold red]{t('error', options.language)}:[/] {message}")
        if failures:
            raise typer.Exit(2)


def kind_of(text: str) -> FileKind:
    for kind in FILE_KINDS:
        if kind == text:
            return kind
    raise UserError(f"unknown file kind {text!r}")


def _report_rejected(
    options: Options,
    problems: Sequence[Problem],
    import_id: int | None,
    report: Path | None,
    shown: int = 0,
) -> None:
    """List the first ``shown`` rejected rows, write them all to ``report`` (default
    ``var/reports/rejected-<import>.csv``) and say where."""
    from sentinelle.readers.problems import ProblemLog

    for problem in problems[:shown]:
        console.print(f"  - {problem}", style="yellow", highlight=False)
    target = report or options.settings.reports_dir / f"rejected-{import_id}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    ProblemLog(list(problems)).write_csv(target)
    console.print(f"{t('rejected_report', options.language)} {target}")


@app.command()
def status(ctx: typer.Context) -> None:
    """What the store holds: events by source, admin units, deployments, recent imports."""
    from sentinelle.summary import store_status

    options: Options = ctx.obj
    with user_errors(options):
        store = _open(options)
        with store.transaction() as connection:
            result = store_status(connection, store.url)
        render.store_status(console, result, options.language)


@app.command()
def summary(ctx: typer.Context) -> None:
    """Events in the store by region, type and month."""
    from sentinelle.summary import summarise_events

    options: Options = ctx.obj
    with user_errors(options):
        store = _open(options)
        with store.transaction() as connection:
            result = summarise_events(connection, options.language)
        render.event_summary(console, result, options.language)


@app.command()
def panel(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option(help="admin1, admin2 or priogrid")] = "admin2",
    period: Annotated[
        str | None, typer.Option(help="Months, e.g. 2016-01:2018-12 (default: all)")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option(help="Only these sources (acled, ucdp, mission, demo)")
    ] = None,
    geography: Annotated[
        str, typer.Option(help="as-placed, or pre2016 to count Ménaka's 2016 units in ML0704")
    ] = "as-placed",
    out: Annotated[
        Path | None, typer.Option(help="Write the panel to .csv or .parquet (default: print)")
    ] = None,
) -> None:
    """The analytical panel: unit × month counts with explicit zeros."""
    from sentinelle.panel import load_panel

    options: Options = ctx.obj
    with user_errors(options):
        if unit not in ("admin1", "admin2", "priogrid"):
            raise UserError(f"--unit must be admin1, admin2 or priogrid, not {unit!r}")
        if geography not in ("as-placed", "pre2016"):
            raise UserError(f"--geography must be as-placed or pre2016, not {geography!r}")
        first, last = parse_month_range(period) if period else (None, None)
        store = _open(options)
        with store.transaction() as connection:
            try:
                frame = load_panel(
                    connection,
                    unit,  # type: ignore[arg-type]
                    first,
                    last,
                    sources=source or None,
                    geography=geography,  # type: ignore[arg-type]
                )
            except ValueError as exc:
                raise UserError(str(exc)) from None
        if out is None:
            console.print(frame.head(20).to_string(index=False, max_cols=10))
            console.print(
                f"{number(len(frame), options.language)} × {frame.shape[1]}: "
                + ", ".join(f"{k}={v}" for k, v in frame.attrs.items() if v != "")
            )
            return
        if out.suffix == ".parquet":
            frame.assign(month=frame["month"].astype(str)).to_parquet(out, index=False)
        elif out.suffix == ".csv":
            frame.to_csv(out, index=False)
        else:
            raise UserError(f"--out must end in .csv or .parquet, not {out.name!r}")
        console.print(
            f"{t('panel_written', options.language)} {out} ({number(len(frame), options.language)})"
        )


@app.command()
def agreement(
    ctx: typer.Context,
    measure: Annotated[str, typer.Option(help="political_violence or events")] = (
        "political_violence"
    ),
    source: Annotated[str, typer.Option(help="Which stored aggregate")] = "acled-hdx",
    show: Annotated[int, typer.Option(help="How many differing unit-months to list")] = 15,
) -> None:
    """Compare the store's unit × month counts with a published ACLED aggregate."""
    from sentinelle.agreement import compare_with_aggregate

    options: Options = ctx.obj
    with user_errors(options):
        store = _open(options)
        with store.transaction() as connection:
            try:
                result = compare_with_aggregate(connection, source, measure)
            except ValueError as exc:
                raise UserError(str(exc)) from None
        language = options.language
        console.print(
            f"{t('agreement', language)}: {result.share:.1%} "
            f"({number(result.agreeing, language)} / {number(result.cells, language)} "
            f"{t('unit_months', language)}); "
            f"{t('events', language).lower()}: {number(result.ours, language)} "
            f"(Sentinelle) / {number(result.theirs, language)} ({source})"
        )
        console.print(result.note, style="dim")
        if show and len(result.differences):
            console.print(result.differences.head(show).to_string(index=False))


@app.command()
def assess(
    ctx: typer.Context,
    as_of: Annotated[str, typer.Option("--as-of", help="Month to assess, YYYY-MM")],
    unit: Annotated[str, typer.Option(help="admin2 (cercles) or admin1 (regions)")] = "admin2",
    source: Annotated[
        list[str] | None, typer.Option(help="Only these sources (acled, ucdp, mission, demo)")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Save it as a dated, citable assessment")
    ] = False,
    title: Annotated[str | None, typer.Option(help="Title of the saved assessment")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the matrix to .csv or .xlsx")] = None,
    top: Annotated[int, typer.Option(help="Rows to print")] = 20,
) -> None:
    """The threat matrix of a month: risk per (area, actor family, threat type)."""
    from sentinelle.domain.threat import scale, threat_types
    from sentinelle.threat.actors import label as family_label
    from sentinelle.threat.assess import AssessmentError, save_assessment
    from sentinelle.threat.assess import assess as compute

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        if unit not in ("admin1", "admin2"):
            raise UserError(f"--unit must be admin1 or admin2, not {unit!r}")
        store = _open(options)
        try:
            with store.reading() as connection:
                result = compute(connection, as_of, unit, sources=source or None)  # type: ignore[arg-type]
        except AssessmentError as exc:
            raise UserError(str(exc)) from None
        matrix = result.matrix
        risk = {c.code: c.label(language) for c in scale("risk")}
        table = Table(title=f"{t('threat_matrix', language)} {result.as_of}")
        for key in ("area", "actor_family", "threat_type", "likelihood", "severity", "risk",
                    "trend", "deaths_12m"):  # fmt: skip
            table.add_column(t(key, language))
        for row in matrix.head(top).itertuples(index=False):
            table.add_row(
                str(row.unit_name),
                family_label(str(row.actor_family), language),
                threat_types()[str(row.threat_type)].label(language),
                str(row.likelihood_class),
                str(row.severity_class),
                risk[str(row.risk_level)],
                str(row.trend),
                number(int(row.fatalities_12m), language),
            )
        console.print(table)
        console.print(f"{number(len(matrix), language)} {t('threats', language)}")
        if out is not None:
            if out.suffix == ".csv":
                matrix.to_csv(out, index=False)
            elif out.suffix == ".xlsx":
                matrix.assign(as_of=matrix["as_of"].astype(str)).to_excel(out, index=False)
            else:
                raise UserError(f"--out must end in .csv or .xlsx, not {out.name!r}")
            console.print(f"{t('panel_written', language)} {out}")
        if save:
            assessment_id = save_assessment(store, result, _actor(), title)
            console.print(
                f"{t('assessment_saved', language)}: Sentinelle assessment #{assessment_id} rev. 0"
            )


def _forecast_unit(unit: str) -> str:
    if unit not in ("admin1", "admin2", "priogrid"):
        raise UserError(f"--unit must be admin2, admin1 or priogrid, not {unit!r}")
    return unit


def _write_frame(frame: object, out: Path, what: str) -> None:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    table = frame.copy()
    for column in table.columns:
        if isinstance(table[column].dtype, pd.PeriodDtype):
            table[column] = table[column].astype(str)
    if out.suffix == ".csv":
        table.to_csv(out, index=False)
    elif out.suffix == ".xlsx":
        table.to_excel(out, index=False)
    else:
        raise UserError(f"{what} must end in .csv or .xlsx, not {out.name!r}")


def _load_forecast_data(store: Store, unit: str, last: str | None = None) -> object:

    from sentinelle.domain.months import parse_month
    from sentinelle.forecast.data import load_forecast_data

    month = None
    if last is not None:
        try:
            month = parse_month(last)
        except MonthError as exc:
            raise UserError(f"--as-of: {exc}") from None
    try:
        with store.reading() as connection:
            return load_forecast_data(connection, unit, last=month)  # type: ignore[arg-type]
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _models_option(text: str | None) -> list[str]:
    from sentinelle.forecast.models import MODELS

    if not text:
        return list(MODELS)
    models = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise UserError(f"--models: unknown {', '.join(unknown)}; expected {', '.join(MODELS)}")
    return models


@app.command()
def backtest(
    ctx: typer.Context,
    origins: Annotated[
        str,
        typer.Option(
            help="Origin months YYYY-MM:YYYY-MM (an origin is the first month "
            "the models do not see)"
        ),
    ],
    unit: Annotated[str, typer.Option(help="admin2 (cercles), admin1 or priogrid")] = "admin2",
    horizons: Annotated[str, typer.Option(help="Months ahead, e.g. 1,3,6 or 1-6")] = "1,3,6",
    models: Annotated[
        str | None,
        typer.Option(help="Comma-separated models (default: all baselines and learned models)"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Scores to .csv or .xlsx")] = None,
    predictions: Annotated[
        Path | None, typer.Option(help="Every forecast with what happened, to .csv or .xlsx")
    ] = None,
    reliability: Annotated[
        Path | None, typer.Option(help="Reliability curves to .csv or .xlsx")
    ] = None,
    samples: Annotated[int, typer.Option(help="Samples per fatality forecast")] = 200,
    top_k: Annotated[int, typer.Option("--top-k", help="Areas for recall among the top k")] = 10,
    save: Annotated[bool, typer.Option(help="Store the run (--no-save to skip)")] = True,
) -> None:
    """Rolling-origin backtest of VAC forecasts against baselines, scored by horizon."""
    from sentinelle.forecast.backtest import METRICS, parse_horizons, parse_origins
    from sentinelle.forecast.backtest import backtest as run_backtest
    from sentinelle.forecast.models import BASELINES

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        unit = _forecast_unit(unit)
        try:
            origin_months = parse_origins(origins)
            horizon_list = parse_horizons(horizons)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        model_list = _models_option(models)
        if samples < 10 or top_k < 1:
            raise UserError("--samples must be at least 10 and --top-k at least 1")
        for path in (out, predictions, reliability):
            if path is not None and path.suffix not in (".csv", ".xlsx"):
                raise UserError(f"{path.name!r}: outputs must end in .csv or .xlsx")
        store = _open(options)
        data = _load_forecast_data(store, unit)
        try:
            with _progress(t("backtesting", language)) as progress:
                run = run_backtest(
                    data,  # type: ignore[arg-type]
                    origin_months,
                    horizon_list,
                    model_list,
                    n_samples=samples,
                    top_k=top_k,
                    progress=progress,
                )
        except ValueError as exc:
            raise UserError(str(exc)) from None
        scores = run.scores.copy()
        scores.insert(
            1, "kind", ["baseline" if m in BASELINES else "learned" for m in scores["model"]]
        )
        scores["definition"] = scores["metric"].map(METRICS)
        shown = (
            "auroc",
            "average_precision",
            "brier",
            "brier_skill",
            "recall_at_k",
            "crps",
            "msle",
        )
        wide = scores.pivot_table(index=["horizon", "model"], columns="metric", values="value")
        table = Table(title=f"{t('backtest', language)} {origins} · {unit}")
        table.add_column(t("horizon", language))
        table.add_column(t("model", language))
        for metric in shown:
            table.add_column(metric, justify="right")
        for (horizon, model), row in wide.iterrows():
            table.add_row(
                str(horizon),
                model,
                *(f"{row.get(metric, float('nan')):.4f}" for metric in shown),
            )
        console.print(table)
        for metric in shown:
            console.print(f"[dim]{metric}: {METRICS[metric]}[/]", highlight=False)
        console.print(
            f"{number(len(run.predictions), language)} {t('forecasts', language)}, "
            f"{run.seconds:.1f} s"
        )
        if out is not None:
            _write_frame(scores, out, "--out")
            console.print(f"{t('written', language)} {out}")
        if predictions is not None:
            _write_frame(run.predictions, predictions, "--predictions")
            console.print(f"{t('written', language)} {predictions}")
        if reliability is not None:
            _write_frame(run.reliability, reliability, "--reliability")
            console.print(f"{t('written', language)} {reliability}")
        if save:
            run_id = _save_run(store, run)
            console.print(f"{t('run_saved', language)}: #{run_id}")


def _save_run(store: Store, run: object) -> int:
    import datetime as dt

    from sentinelle.store.forecasts import save_run

    with store.transaction() as connection:
        return save_run(connection, run, _actor(), dt.datetime.now(dt.UTC))


@app.command()
def forecast(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option(help="admin2 (cercles), admin1 or priogrid")] = "admin2",
    horizons: Annotated[str, typer.Option(help="Months ahead, e.g. 1-6")] = "1-6",
    model: Annotated[
        str, typer.Option(help="The model whose probabilities are published")
    ] = "boosting",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Forecast as if the data ended with this month "
            "(YYYY-MM; default: the store's last month)",
        ),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help="Refits on resampled areas for the uncertainty band (0: none)")
    ] = 10,
    out: Annotated[Path | None, typer.Option(help="Forecasts to .csv or .xlsx")] = None,
    top: Annotated[int, typer.Option(help="Areas to print")] = 15,
    save: Annotated[bool, typer.Option(help="Store the run (--no-save to skip)")] = True,
) -> None:
    """Forecast VAC for the months after the data: probability per area, with baselines."""
    from sentinelle.forecast.backtest import forecast as run_forecast
    from sentinelle.forecast.backtest import parse_horizons
    from sentinelle.forecast.models import LEARNED, MODELS

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        unit = _forecast_unit(unit)
        if model not in LEARNED:
            raise UserError(f"--model must be one of {', '.join(LEARNED)}, not {model!r}")
        if not 0 <= bootstrap <= 200:
            raise UserError("--bootstrap must be from 0 to 200")
        try:
            horizon_list = parse_horizons(horizons)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        if out is not None and out.suffix not in (".csv", ".xlsx"):
            raise UserError(f"--out must end in .csv or .xlsx, not {out.name!r}")
        store = _open(options)
        data = _load_forecast_data(store, unit, as_of)
        with _progress(t("forecasting", language)) as progress:
            run = run_forecast(
                data,  # type: ignore[arg-type]
                horizon_list,
                MODELS,
                primary=model,
                bootstrap=bootstrap,
                progress=progress,
            )
        names: dict[str, str] = {}
        if unit != "priogrid":
            from sentinelle.store import places

            with store.reading() as connection:
                names = {u.pcode: u.name(language) for u in places.load_units(connection, unit)}  # type: ignore[arg-type]
        first = min(horizon_list)
        frame = run.predictions
        mine = frame[(frame["model"] == model) & (frame["horizon"] == first)].set_index("unit")
        baseline = frame[(frame["model"] == "rolling12") & (frame["horizon"] == first)]
        baseline = baseline.set_index("unit")["probability"]
        target = mine["target_month"].iloc[0] if len(mine) else ""
        table = Table(title=f"{t('forecast_of', language)} {target} · {model}")
        for key in ("area", "probability", "band", "baseline", "fatalities_forecast"):
            table.add_column(t(key, language), justify="left" if key == "area" else "right")
        for code, row in mine.sort_values("probability", ascending=False).head(top).iterrows():
            band = (
                f"{row.probability_low:.2f}–{row.probability_high:.2f}"
                if row.probability_low == row.probability_low
                else "—"
            )
            table.add_row(
                names.get(str(code), str(code)),
                f"{row.probability:.2f}",
                band,
                f"{baseline.get(code, float('nan')):.2f}",
                f"{row.fatalities_mean:.1f} ({row.fatalities_q10:.0f}–{row.fatalities_q90:.0f})",
            )
        console.print(table)
        console.print(f"[dim]{t('forecast_note', language)}[/]", highlight=False)
        for note in data.notes:  # type: ignore[attr-defined]
            console.print(f"[dim]{note}[/]", highlight=False)
        if out is not None:
            _write_frame(frame, out, "--out")
            console.print(f"{t('written', language)} {out}")
        if save:
            run_id = _save_run(store, run)
            console.print(f"{t('run_saved', language)}: #{run_id}")


@dataclass(frozen=True)
class ReachOptions:
    """The reach options of ``align`` and ``plan``, checked: by road when ``roads`` is set."""

    hours: float
    season: Season
    roads: Roads | None = None
    speeds: Speeds | None = None


def _reach_options(
    force_protection: float,
    reach_km: float,
    roads: Path | None,
    hours: float | None,
    speeds: Path | None,
    season: str | None,
) -> ReachOptions:
    """Check the options shared by ``align`` and ``plan``; read the roads file when given."""
    from sentinelle.planning.roads import DEFAULT_REACH_HOURS, check_season, load_network

    if not 0 <= force_protection < 1:
        raise UserError(
            f"--force-protection must be at least 0 and below 1, not {force_protection}"
        )
    if not reach_km > 0:
        raise UserError(f"--reach-km must be positive, not {reach_km}")
    if roads is None and (hours is not None or speeds is not None or season is not None):
        raise UserError("--hours, --speeds and --season apply to reach by road: add --roads")
    if season not in (None, "dry", "rainy"):
        raise UserError(f"--season must be dry or rainy, not {season!r}")
    if hours is not None and not 0 < hours <= 72:
        raise UserError(f"--hours must be above 0 and at most 72, not {hours:g}")
    limit = DEFAULT_REACH_HOURS if hours is None else hours
    chosen = check_season(season or "dry")
    if roads is None:
        return ReachOptions(limit, chosen)
    network, table = load_network(roads, speeds)
    return ReachOptions(limit, chosen, network, table)


@app.command()
def align(
    ctx: typer.Context,
    years: Annotated[str, typer.Option(help="Years to align, e.g. 2014:2019")],
    reach_km: Annotated[
        float, typer.Option("--reach-km", help="Straight-line reach of a site, km")
    ] = 50.0,
    force_protection: Annotated[
        float,
        typer.Option("--force-protection", help="Share of troops protecting their base, [0, 1)"),
    ] = 0.8,
    risk: Annotated[
        str, typer.Option(help="events or fatalities (VAC): ranks and high-risk cercles")
    ] = "events",
    out: Annotated[Path | None, typer.Option(help="Write the table to .csv or .xlsx")] = None,
    maps: Annotated[
        Path | None,
        typer.Option("--maps", help="Write one SVG map per year (alignment-YYYY.svg) here"),
    ] = None,
    roads: Annotated[
        Path | None,
        typer.Option(
            "--roads", help="Road network (GeoJSON lines): reach by travel time, not distance"
        ),
    ] = None,
    hours: Annotated[
        float | None,
        typer.Option(help="With --roads: travel-time limit in hours (default 2)"),
    ] = None,
    speeds: Annotated[
        Path | None,
        typer.Option(help="With --roads: a road speeds CSV overriding the defaults"),
    ] = None,
    season: Annotated[
        str | None, typer.Option(help="With --roads: dry (default) or rainy speeds")
    ] = None,
) -> None:
    """Posture against risk per year: VAC within reach of the sites, and what is out of reach."""
    from sentinelle.planning.alignment import parse_years, yearly_results
    from sentinelle.planning.maps import alignment_maps, write_alignment_maps

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        if risk not in ("events", "fatalities"):
            raise UserError(f"--risk must be events or fatalities, not {risk!r}")
        if out is not None and out.suffix not in (".csv", ".xlsx"):
            raise UserError(f"--out must end in .csv or .xlsx, not {out.name!r}")
        try:
            year_list = parse_years(years)
        except ValueError as exc:
            raise UserError(f"--years: {exc}") from None
        reach = _reach_options(force_protection, reach_km, roads, hours, speeds, season)
        limit, chosen_season = reach.hours, reach.season
        network, speed_table = reach.roads, reach.speeds
        if maps is not None:
            if maps.exists() and not maps.is_dir():
                raise UserError(f"--maps must be a folder, but {maps} is a file")
            try:
                maps.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(
                    f"--maps: cannot create the folder {maps}: {exc.strerror}"
                ) from None
        store = _open(options)
        try:
            with store.reading() as connection:
                results = yearly_results(
                    connection,
                    year_list,
                    reach_km=reach_km,
                    force_protection=force_protection,
                    risk=risk,  # type: ignore[arg-type]
                    language=language,
                    roads=network,
                    speeds=speed_table,
                    season=chosen_season,
                    hours=limit,
                )
                svgs = alignment_maps(connection, results, language=language) if maps else {}
        except ValueError as exc:
            raise UserError(str(exc)) from None
        frame = results.frame()

        def share(value: float) -> str:
            return "—" if value != value else f"{value:.0%}"

        if network is None:
            how = f"{reach_km:g} km"
        else:
            how = t("by_road", language).format(
                hours=limit, season=t(f"season_{chosen_season}", language)
            )
        table_out = Table(title=f"{t('alignment_title', language)} · {how}")
        keys = ("year", "sites", "troops", "deployable", "areas_reached",
                "vac_events_within_reach", "vac_fatalities_within_reach", "rank_correlation",
                "high_risk_out_of_reach")  # fmt: skip
        for key in keys:
            table_out.add_column(
                t(key, language), justify="left" if key.startswith("high") else "right"
            )
        for row in frame.itertuples(index=False):
            table_out.add_row(
                str(row.year),
                number(int(row.sites), language),
                number(round(row.troops), language),
                number(round(row.deployable), language),
                number(int(row.areas_reached), language),
                f"{share(row.vac_events_within_reach)} / {number(row.vac_events, language)}",
                f"{share(row.vac_fatalities_within_reach)} / "
                f"{number(row.vac_fatalities, language)}",
                "—"
                if row.rank_correlation != row.rank_correlation
                else f"{row.rank_correlation:.2f}",
                str(row.high_risk_out_of_reach) or "—",
            )
        console.print(table_out)
        if network is None:
            note = t("alignment_note", language).format(force=force_protection)
        else:
            note = t("alignment_note_roads", language).format(
                force=force_protection,
                file=roads.name if roads is not None else "",
                lines=len(network.lines),
                skipped=network.skipped,
            )
        console.print(f"[dim]{note}[/]", highlight=False)
        if out is not None:
            _write_frame(frame, out, "--out")
            console.print(f"{t('written', language)} {out}")
        if maps is not None:
            try:
                written = write_alignment_maps(svgs, maps)
            except ValueError as exc:
                raise UserError(f"--maps: {exc}") from None
            console.print(
                f"{t('maps_written', language)} ({len(written)}): {maps}", highlight=False
            )


@app.command()
def plan(
    ctx: typer.Context,
    month: Annotated[str, typer.Option(help="Month of the posture, YYYY-MM (e.g. 2018-12)")],
    risk: Annotated[
        str,
        typer.Option(help="events or fatalities (VAC over the period), or forecast (latest run)"),
    ] = "events",
    period_months: Annotated[
        int, typer.Option("--period-months", help="Months of VAC up to --month")
    ] = 12,
    by_population: Annotated[
        bool,
        typer.Option(help="With --risk forecast: probability × population (else × 1)"),
    ] = True,
    units: Annotated[
        int | None, typer.Option(help="Mobile units K (default: deployable ÷ --unit-size)")
    ] = None,
    unit_size: Annotated[
        float, typer.Option("--unit-size", help="Troops per unit, to derive K")
    ] = 150.0,
    force_protection: Annotated[
        float,
        typer.Option("--force-protection", help="Share of troops protecting their base, [0, 1)"),
    ] = 0.8,
    reach_km: Annotated[
        float, typer.Option("--reach-km", help="Straight-line reach of a unit, km")
    ] = 50.0,
    minimum: Annotated[
        int, typer.Option(help="Units each existing site keeps (minimum presence)")
    ] = 0,
    temporary_bases: Annotated[
        int,
        typer.Option(
            "--temporary-bases", help="Most temporary bases opened at cercles' points (0: none)"
        ),
    ] = 0,
    close: Annotated[
        list[str] | None, typer.Option(help="What-if: close this site (repeatable)")
    ] = None,
    add_units: Annotated[
        int, typer.Option("--add-units", help="What-if: this many more units (or fewer)")
    ] = 0,
    hold_back: Annotated[
        float,
        typer.Option("--hold-back", help="What-if: share of K kept back to protect a base, [0, 1]"),
    ] = 0.0,
    rainy: Annotated[
        bool,
        typer.Option(help="What-if: rainy season (reach × 0.6; with --roads, rainy speeds)"),
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Write the units to .csv or .xlsx")] = None,
    roads: Annotated[
        Path | None,
        typer.Option(
            "--roads", help="Road network (GeoJSON lines): reach by travel time, not distance"
        ),
    ] = None,
    hours: Annotated[
        float | None,
        typer.Option(help="With --roads: travel-time limit in hours (default 2)"),
    ] = None,
    speeds: Annotated[
        Path | None,
        typer.Option(help="With --roads: a road speeds CSV overriding the defaults"),
    ] = None,
    season: Annotated[
        str | None,
        typer.Option(help="With --roads: dry (default) or rainy speeds (same as --rainy)"),
    ] = None,
    mobile_units: Annotated[
        bool,
        typer.Option(help="K from the stored units with mobile capacity, when there are any"),
    ] = True,
    save: Annotated[
        str | None,
        typer.Option(help="Keep the plan in the decision log under this title"),
    ] = None,
    assessment: Annotated[
        int | None,
        typer.Option(help="With --save: the threat assessment it rests on (default: the latest)"),
    ] = None,
) -> None:
    """Where to put K mobile units to cover the most risk, each unit explained."""
    from sentinelle.planning.plan import RAINY_REACH_FACTOR, RISK_SOURCES, posture_coverage
    from sentinelle.planning.plan import plan as make_plan

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        if risk not in RISK_SOURCES:
            raise UserError(f"--risk must be events, fatalities or forecast, not {risk!r}")
        if out is not None and out.suffix not in (".csv", ".xlsx"):
            raise UserError(f"--out must end in .csv or .xlsx, not {out.name!r}")
        if not 1 <= period_months <= 120:
            raise UserError(f"--period-months must be from 1 to 120, not {period_months}")
        if units is not None and units < 0:
            raise UserError(f"--units must be ≥ 0, not {units}")
        if not unit_size > 0:
            raise UserError(f"--unit-size must be positive, not {unit_size}")
        if minimum < 0 or temporary_bases < 0:
            raise UserError("--minimum and --temporary-bases must be ≥ 0")
        if not 0 <= hold_back <= 1:
            raise UserError(f"--hold-back must be between 0 and 1, not {hold_back}")
        if rainy and season == "dry":
            raise UserError("--rainy and --season dry contradict each other: choose one")
        if assessment is not None and save is None:
            raise UserError("--assessment applies to a saved plan: add --save TITLE")
        if save is not None and not save.strip():
            raise UserError("--save needs a title")
        reach = _reach_options(force_protection, reach_km, roads, hours, speeds, season)
        limit, chosen_season = reach.hours, "rainy" if rainy else reach.season
        road_options: dict[str, object] = {}
        if reach.roads is not None:
            road_options = {
                "roads": reach.roads, "speeds": reach.speeds, "season": chosen_season,
                "hours": limit,
            }  # fmt: skip
        store = _open(options)
        try:
            with store.reading() as connection:
                result = make_plan(
                    connection,
                    month,
                    risk=risk,
                    period_months=period_months,
                    by_population=by_population,
                    units=units,
                    unit_size=unit_size,
                    force_protection_share=force_protection,
                    reach_km=reach_km,
                    minimum=minimum,
                    temporary_bases=temporary_bases,
                    close=close or (),
                    extra_units=add_units,
                    hold_back=hold_back,
                    reach_factor=RAINY_REACH_FACTOR if rainy and roads is None else 1.0,
                    language=language,
                    mobile_units=mobile_units,
                    **road_options,  # type: ignore[arg-type]
                )
        except ValueError as exc:
            raise UserError(str(exc)) from None
        solved, named = result.plan, result.named

        def amount(value: float) -> str:
            whole = float(value).is_integer() or abs(value) >= 100
            return number(value, language) if whole else f"{value:.2f}"

        if roads is None:
            how = f"{named.reach_km:g} km"
        else:
            how = t("by_road", language).format(
                hours=limit, season=t(f"season_{chosen_season}", language)
            )
        console.print(
            f"[bold]{t('plan_title', language)}[/] · {month} · {risk} · {how}", highlight=False
        )
        console.print(
            f"{t('plan_covered', language)}: {amount(solved.objective)} / "
            f"{amount(solved.total_risk)} ({solved.share:.0%}) · "
            f"{t('plan_units', language)}: {named.problem.units}",
            highlight=False,
        )
        base = posture_coverage(named)
        base_share = base / solved.total_risk if solved.total_risk > 0 else 0.0
        console.print(
            f"{t('plan_posture', language)}: {amount(base)} ({base_share:.0%})", highlight=False
        )
        gap = "—" if solved.gap != solved.gap else f"{solved.gap:.2%}"
        console.print(
            f"{t('plan_status', language)}: {solved.status} · {t('plan_gap', language)}: {gap} · "
            f"{t('plan_seconds', language)} {solved.seconds:.2f} s",
            highlight=False,
        )
        table = Table()
        for key in ("plan_unit", "plan_where", "plan_covers", "plan_adds", "plan_next"):
            table.add_column(t(key, language), justify="right" if key == "plan_adds" else "left")
        for i, unit in enumerate(result.units(), start=1):
            where = unit.site
            if unit.temporary:
                where = f"{where} ({t('plan_temporary', language)})"
            if unit.required:
                where = f"{where} · {t('plan_required', language)}"
            covers = ", ".join(unit.covers[:6]) + (
                f" +{len(unit.covers) - 6}" if len(unit.covers) > 6 else ""
            )
            following = (
                f"{unit.next_site} (+{amount(unit.next_risk)})"
                if unit.next_site is not None
                else t("plan_none", language)
            )
            table.add_row(str(i), where, covers or "—", amount(unit.risk_added), following)
        console.print(table)
        for note in named.notes:
            console.print(f"[dim]{note}[/]", highlight=False)
        if roads is None:
            note = t("plan_note", language).format(reach=named.reach_km)
        else:
            note = t("plan_note_roads", language).format(
                hours=limit, season=t(f"season_{chosen_season}", language)
            )
        console.print(f"[dim]{note}[/]", highlight=False)
        if out is not None:
            _write_frame(result.frame(), out, "--out")
            console.print(f"{t('written', language)} {out}")
        if save is not None:
            from sentinelle.planning.decisions import save_plan

            try:
                plan_id = save_plan(
                    store, result, title=save, actor=_actor(), month=month,
                    assessment_id=assessment,
                )  # fmt: skip
            except ValueError as exc:
                raise UserError(str(exc)) from None
            console.print(t("plan_saved", language).format(id=plan_id), highlight=False)


geo = typer.Typer(help="Boundaries and places / Limites et lieux", no_args_is_help=True)
app.add_typer(geo, name="geo")


@geo.command("import")
def geo_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="GeoJSON, TopoJSON, GeoPackage or Shapefile")],
    level: Annotated[
        str | None, typer.Option(help="admin1 or admin2 (default: detected from the file)")
    ] = None,
    name_field: Annotated[str | None, typer.Option(help="Attribute holding the name")] = None,
    pcode_field: Annotated[str | None, typer.Option(help="Attribute holding the P-code")] = None,
    parent_field: Annotated[
        str | None, typer.Option(help="Attribute holding the parent's P-code or name")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a GeoPackage")] = None,
) -> None:
    """Import admin boundaries of one level (regions before cercles), then place every stored
    event again."""
    from sentinelle.ingest import import_boundaries

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        if level not in (None, "admin1", "admin2"):
            raise UserError(f"--level must be admin1 or admin2, not {level!r}")
        store = _open(options)
        with _progress(file.name) as progress:
            result = import_boundaries(
                store,
                file,
                level,  # type: ignore[arg-type]
                name_field=name_field,
                pcode_field=pcode_field,
                parent_field=parent_field,
                layer=layer,
                progress=progress,
            )
        console.print(
            f"{t('boundaries_imported', language)}: {result.units} {result.level} "
            f"({t('file', language).lower()} {file.name}, name: {result.name_field}, "
            f"P-code: {result.pcode_field or 'gazetteer'})"
        )
        for note in result.notes:
            console.print(f"  {note}", style="dim")
        if result.unmatched:
            console.print(f"{t('no_pcode', language)}:", style="yellow")
            for unit in result.unmatched:
                console.print(f"  - {unit}")
        for problem in result.problems[:20]:
            console.print(f"  - {problem}", style="yellow")
        if result.placement is not None and result.placement.events:
            console.print(f"{t('replaced_placement', language)}:")
            console.print(result.placement.summary(language))


@geo.command("fetch")
def geo_fetch(
    ctx: typer.Context,
    iso: Annotated[str, typer.Argument(help="ISO3 country code, e.g. MLI")],
    level: Annotated[int, typer.Option(help="Admin level: 1 regions, 2 cercles")] = 2,
    import_: Annotated[
        bool, typer.Option("--import/--no-import", help="Import the file once downloaded")
    ] = False,
    api_base: Annotated[
        str, typer.Option(help="geoBoundaries API address")
    ] = "https://www.geoboundaries.org/api/current",
    refresh: Annotated[bool, typer.Option(help="Download again even if cached")] = False,
) -> None:
    """Download geoBoundaries' open boundaries into the local cache (needs internet)."""
    from sentinelle.geo.fetch import FetchError, fetch_geoboundaries

    options: Options = ctx.obj
    with user_errors(options):
        try:
            path = fetch_geoboundaries(
                iso, level, options.settings.cache_dir, api_base=api_base, refresh=refresh
            )
        except FetchError as exc:
            raise UserError(str(exc)) from None
        console.print(f"{t('downloaded', options.language)} {path}")
    if import_:
        geo_import(ctx, path, f"admin{level}", None, None, None, None)


population_app = typer.Typer(
    help="Population figures per admin unit / Population par unité administrative",
    no_args_is_help=True,
)
app.add_typer(population_app, name="population")


@population_app.command("import")
def population_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="OCHA COD-PS table or the population template")],
    year: Annotated[
        int | None,
        typer.Option(
            help="Year of the figures when the file has no year column (default: "
            "a year in the file name)"
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write rejected rows here (default: var/reports/rejected-<id>.csv)"),
    ] = None,
) -> None:
    """Import population figures; they replace the stored figures of the same year and level."""
    from sentinelle.threat.population import ingest_population

    options: Options = ctx.obj
    language = options.language
    french = language == "fr"
    with user_errors(options):
        result = ingest_population(_open(options), file, year)
        plural = {"admin1": "régions" if french else "regions", "admin2": "cercles"}
        levels = ", ".join(f"{n} {plural[level]}" for level, n in result.units.items())
        totals = ", ".join(f"{y}: {number(round(v), language)}" for y, v in result.total.items())
        console.print(
            f"{'Population importée' if french else 'Population imported'}: {levels} "
            f"(total {totals}; {t('file', language).lower()} {file.name}, "
            f"import {result.import_id})"
        )
        if result.year_from != "column":
            name = "nom du fichier" if french else "file name"
            source = "--year" if result.year_from == "argument" else name
            console.print(f"  {'année' if french else 'year'}: {source}", style="dim")
        if result.problems:
            console.print(f"{t('rejected_rows', language)}: {result.rejected_rows}", style="yellow")
            _report_rejected(options, result.problems, result.import_id, report, shown=20)


deployments_app = typer.Typer(
    help="Mission deployments: bases, camps, temporary operating bases / Déploiements",
    no_args_is_help=True,
)
app.add_typer(deployments_app, name="deployments")


@deployments_app.command("import")
def deployments_import(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="Geo-PKO locations, RADPKO bases or the deployments template")
    ],
    report: Annotated[
        Path | None,
        typer.Option(help="Write rejected rows here (default: var/reports/rejected-<id>.csv)"),
    ] = None,
) -> None:
    """Import deployments; they replace those stored from a file of the same kind."""
    from sentinelle.deployments import ingest_deployments

    options: Options = ctx.obj
    language = options.language
    french = language == "fr"
    with user_errors(options):
        result = ingest_deployments(_open(options), file, _actor())
        span = f"{result.first or '?'} .. {result.last or ('en cours' if french else 'ongoing')}"
        console.print(
            f"{'Déploiements importés' if french else 'Deployments imported'}: {result.label} "
            f"({t('file', language).lower()} {file.name}, import {result.import_id})"
        )
        lines = [
            ("Lignes lues" if french else "Rows read", result.rows),
            ("Sites", result.sites),
            (
                "Sites × périodes" if french else "Site periods",
                f"{number(result.site_periods, language)} ({result.period})",
            ),
            ("Enregistrements lus" if french else "Records read", result.records),
            ("Lignes rejetées" if french else "Rejected rows", result.rejected_rows),
            ("Enregistrements stockés" if french else "Records stored", result.stored),
        ]
        for label, value in lines:
            shown = number(value, language) if isinstance(value, int) else value
            console.print(f"  {label}: {shown}")
        console.print(f"  {'période' if french else 'period'}: {span}", style="dim")
        if result.replaced:
            console.print(
                f"  {'remplacent' if french else 'replacing'} {result.replaced} ({result.format})",
                style="dim",
            )
        if result.problems:
            _report_rejected(options, result.problems, result.import_id, report, shown=20)


@deployments_app.command("list")
def deployments_list(
    ctx: typer.Context,
    mission: Annotated[str | None, typer.Option(help="Only this mission, e.g. MINUSMA")] = None,
) -> None:
    """The stored deployments: mission, name, kind, start, end, troops."""
    from sentinelle.deployments import stored_deployments
    from sentinelle.domain.vocabulary import deployment_kinds

    options: Options = ctx.obj
    language = options.language
    french = language == "fr"
    with user_errors(options):
        found = stored_deployments(_open(options), mission)
        if not found:
            console.print(
                "Aucun déploiement en base : lancez `sentinelle deployments import FICHIER`."
                if french
                else "No deployments stored: run `sentinelle deployments import FILE`."
            )
            return
        kinds = deployment_kinds()
        headers = (
            ("Mission", "Nom", "Type", "Début", "Fin", "Troupes", "Source")
            if french
            else ("Mission", "Name", "Kind", "Start", "End", "Troops", "Source")
        )
        table = Table(*headers, title=t("deployments", language))
        for column in table.columns[3:6]:
            column.no_wrap = True
        for d in found:
            kind = kinds[d.kind].label_fr if french else kinds[d.kind].label_en
            table.add_row(
                d.mission,
                d.name,
                kind,
                d.start.isoformat(),
                d.end.isoformat() if d.end else ("en cours" if french else "ongoing"),
                "" if d.troops is None else number(round(d.troops), language),
                d.source or "",
            )
        console.print(table)


units_app = typer.Typer(
    help="Units with mobile capacity: quick reaction forces, companies, helicopter-borne units "
    "/ Unités à capacité mobile",
    no_args_is_help=True,
)
app.add_typer(units_app, name="units")


@units_app.command("import")
def units_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The units template (CSV or XLSX)")],
    report: Annotated[
        Path | None,
        typer.Option(help="Write rejected rows here (default: var/reports/rejected-<id>.csv)"),
    ] = None,
) -> None:
    """Import units with mobile capacity; they replace those stored from the template for the
    same missions."""
    from sentinelle.units import ingest_units

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        with _progress(file.name):
            result = ingest_units(_open(options), file, _actor())
        console.print(
            f"{t('units_imported', language)}: {', '.join(result.missions)} "
            f"({t('file', language).lower()} {file.name}, import {result.import_id})"
        )
        lines = [
            (t("rows", language), result.rows),
            (t("units_read", language), result.records),
            (t("units_mobile_read", language), result.mobile),
            (t("rejected_rows", language), result.rejected_rows),
            (t("units_stored", language), result.stored),
        ]
        for label, value in lines:
            console.print(f"  {label}: {number(value, language)}")
        span = f"{result.first or '?'} .. {result.last or t('units_ongoing', language)}"
        console.print(f"  {t('units_period', language)}: {span}", style="dim")
        if result.replaced:
            replacing = t("units_replacing", language).format(n=result.replaced)
            console.print(f"  {replacing} {', '.join(result.missions)}", style="dim")
        if result.problems:
            _report_rejected(options, result.problems, result.import_id, report, shown=20)


@units_app.command("list")
def units_list(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option(help="Only the units available in this month (YYYY-MM)")
    ] = None,
    mission: Annotated[str | None, typer.Option(help="Only this mission, e.g. MINUSMA")] = None,
) -> None:
    """The stored units with mobile capacity: mission, name, kind, home site, troops, mobile,
    period."""
    from sentinelle.domain.months import parse_month
    from sentinelle.domain.vocabulary import unit_kinds
    from sentinelle.planning.units import mobile_capacity, mobile_units_in
    from sentinelle.units import stored_units

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        period = None if month is None else parse_month(month)
        store = _open(options)
        found = stored_units(store, period, mission)
        if not found:
            console.print(
                t("units_none_in", language).format(month=period)
                if period is not None
                else t("units_none", language)
            )
            return
        kinds = unit_kinds()
        columns = ("unit_name", "unit_kind", "unit_home", "troops", "unit_mobile", "unit_start")
        headers = [t(k, language) for k in (*columns, "unit_end", "source")]
        title = t("mobile_units", language) + ("" if period is None else f" · {period}")
        table = Table("Mission", *headers, title=title)
        for column in table.columns[6:8]:
            column.no_wrap = True
        for u in found:
            table.add_row(
                u.mission,
                u.name,
                kinds[u.kind].label(language) if u.kind in kinds else u.kind,
                u.home_site or "",
                number(u.troops, language),
                t("unit_yes" if u.mobile else "unit_no", language),
                u.start.isoformat(),
                u.end.isoformat() if u.end else t("units_ongoing", language),
                u.source or "",
            )
        console.print(table)
        if period is not None:
            with store.reading() as connection:
                count, troops = mobile_capacity(mobile_units_in(connection, period, mission))
            console.print(
                t("units_capacity", language).format(count=count, troops=number(troops, language))
            )


alerts_app = typer.Typer(
    help="Early-warning alerts and responses / Alertes précoces et réponses",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("figures")
def alerts_figures(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(help="Months received, YYYY-MM:YYYY-MM (default: every alert up to now)"),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            help="Break down by admin1_pcode, admin2_pcode, channel, threat_type, priority, "
            "responding_unit or urgency"
        ),
    ] = None,
    freq: Annotated[str, typer.Option(help="Periods: W, M, Q, Y or all")] = "M",
    out: Annotated[Path | None, typer.Option(help="Write the table to .csv or .xlsx")] = None,
) -> None:
    """Response rate and times to alerts, with the definitions used."""
    import datetime as dt

    from sentinelle.alerts.figures import figures
    from sentinelle.domain.alerts import measures

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        start = None
        cutoff = dt.datetime.now(dt.UTC)
        if period is not None:
            first, last = parse_month_range(period)
            start = first.start_time.tz_localize("UTC").to_pydatetime()
            end = (last + 1).start_time.tz_localize("UTC").to_pydatetime()
            cutoff = min(cutoff, end - dt.timedelta(microseconds=1))
        breakdown = [by] if by else []
        frequency = None if freq == "all" else freq
        if out is not None and out.suffix not in (".csv", ".xlsx"):
            raise UserError(f"--out must end in .csv or .xlsx, not {out.name!r}")
        store = _open(options)
        try:
            with store.reading() as connection:
                table, totals = figures(connection, cutoff, breakdown, frequency, start)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        title = (
            f"{t('response_figures', language)} · {t('cutoff', language)} "
            f"{cutoff:%Y-%m-%d %H:%M} UTC"
        )
        shown = Table(title=title)
        keys = [c for c in ("period", *breakdown) if c in table.columns]
        for key in keys:
            shown.add_column(key)
        columns = ("alerts", "requiring_response", "responded", "response_rate",
                   "decision_median_h", "on_site_median_h", "pending")  # fmt: skip
        for column in columns:
            shown.add_column(t(column, language), justify="right")

        def cell(value: object) -> str:
            if isinstance(value, float):
                return "—" if value != value else f"{value:.2f}"
            return str(value)

        for row in table.itertuples(index=False):
            record_ = row._asdict()
            shown.add_row(*(cell(record_[k]) for k in keys), *(cell(record_[c]) for c in columns))
        shown.add_row(*(["Σ"] + [""] * (len(keys) - 1)), *(cell(totals[c]) for c in columns))
        console.print(shown)
        for measure in measures().values():
            text = f"{measure.label(language)}: {measure.definition(language)}"
            console.print(f"[dim]{text}[/]", highlight=False)
        if out is not None:
            frame = table.assign(**{k: table[k].astype(str) for k in keys})
            if out.suffix == ".csv":
                frame.to_csv(out, index=False)
            else:
                frame.to_excel(out, index=False)
            console.print(f"{t('written', language)} {out}")


@alerts_app.command("import")
def alerts_import(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="An early-warning log in the alert template (CSV or XLSX)")
    ],
    timezone: Annotated[
        str,
        typer.Option(help="Time zone of times written without one, e.g. UTC or Africa/Bamako"),
    ] = "UTC",
    report: Annotated[
        Path | None,
        typer.Option(help="Write rejected rows here (default: var/reports/rejected-<id>.csv)"),
    ] = None,
) -> None:
    """Import an existing alert log: each row is replayed through the alert lifecycle; rows
    already imported (same reference) are left as they are."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from sentinelle.alerts.intake import import_alerts
    from sentinelle.protection import ProtectionError, cipher_from_env

    options: Options = ctx.obj
    language = options.language
    french = language == "fr"
    with user_errors(options):
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(f"--timezone: unknown time zone {timezone!r}") from None
        try:
            cipher = cipher_from_env(options.settings.home)
        except ProtectionError as exc:
            raise UserError(str(exc)) from None
        result = import_alerts(_open(options), file, cipher, _actor(), zone)
        console.print(
            f"{'Alertes importées' if french else 'Alerts imported'} "
            f"({t('file', language).lower()} {file.name}, import {result.import_id})"
        )
        lines = [
            ("Lignes lues" if french else "Rows read", result.rows),
            ("Importées" if french else "Imported", result.imported),
            ("Déjà importées" if french else "Already imported", result.already_imported),
            ("Lignes rejetées" if french else "Rejected rows", result.rejected_rows),
        ]
        for label, value in lines:
            console.print(f"  {label}: {number(value, language)}")
        if result.merged:
            merged = "fusionnées comme doublons" if french else "merged as duplicates"
            console.print(f"  ({number(result.merged, language)} {merged})", style="dim")
        if result.problems:
            _report_rejected(options, result.problems, result.import_id, report, shown=20)


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import os

    import uvicorn

    from sentinelle.web.app import create_app

    if workers > 1:
        # each worker process builds its own app from the environment
        os.environ["SENTINELLE_DATABASE_URL"] = settings.database_url
        os.environ["SENTINELLE_HOME"] = str(settings.home)
        uvicorn.run(
            "sentinelle.web.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
        return
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL stores)")] = 1,
) -> None:
    """Start the web application on the store."""
    options: Options = ctx.obj
    with user_errors(options):
        _open(options).dispose()  # clear message now if the store cannot be opened
        _serve(options.settings, host, port, workers)


users_app = typer.Typer(help="Users, roles and API tokens / Utilisateurs", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _password(from_stdin: bool) -> str:
    import sys

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("Password / mot de passe", hide_input=True, confirmation_prompt=True)
    return value


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Sign-in name (lower case)")],
    role: Annotated[str, typer.Option(help="viewer, analyst, adviser or admin")] = "viewer",
    name: Annotated[str | None, typer.Option(help="Name shown in the app")] = None,
    language: Annotated[str | None, typer.Option(help="fr or en (default: the browser's)")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Create a user."""
    from sentinelle import accounts

    options: Options = ctx.obj
    with user_errors(options):
        store = _open(options)
        try:
            user = accounts.create_user(
                store,
                username,
                _password(password_stdin),
                role,
                _actor(),
                display_name=name,
                language=language,
            )
        except accounts.AccountError as exc:
            raise UserError(str(exc)) from None
        console.print(f"{user.username} ({user.role})")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List users and their roles."""
    from sentinelle import accounts

    options: Options = ctx.obj
    with user_errors(options):
        for user in accounts.list_users(_open(options)):
            state = "" if user.active else " (disabled)"
            console.print(f"{user.username:<24} {user.role:<8} {user.display_name or ''}{state}")


@users_app.command("set")
def users_set(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    role: Annotated[str | None, typer.Option(help="New role")] = None,
    active: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Allow or stop sign-in")
    ] = None,
    password: Annotated[bool, typer.Option("--password", help="Set a new password")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Change a user's role, password or whether they may sign in (audited)."""
    from sentinelle import accounts

    options: Options = ctx.obj
    with user_errors(options):
        new_password = _password(password_stdin) if (password or password_stdin) else None
        try:
            user = accounts.update_user(
                _open(options), username, _actor(), role=role, active=active, password=new_password
            )
        except accounts.AccountError as exc:
            raise UserError(str(exc)) from None
        console.print(f"{user.username} ({user.role}{'' if user.active else ', disabled'})")


@users_app.command("token")
def users_token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="What script uses the token")],
) -> None:
    """Create an API token for a user's scripts; it is printed once."""
    from sentinelle import accounts

    options: Options = ctx.obj
    with user_errors(options):
        try:
            plain, token = accounts.create_token(_open(options), username, name, _actor())
        except accounts.AccountError as exc:
            raise UserError(str(exc)) from None
        console.print(f"token {token.id} ({token.name}): {plain}")


@users_app.command("revoke")
def users_revoke(ctx: typer.Context, token_id: Annotated[int, typer.Argument()]) -> None:
    """Revoke an API token."""
    from sentinelle import accounts

    options: Options = ctx.obj
    with user_errors(options):
        try:
            accounts.revoke_token(_open(options), token_id, _actor())
        except accounts.AccountError as exc:
            raise UserError(str(exc)) from None
        console.print(f"token {token_id} revoked")


audit_app = typer.Typer(help="The audit log / le journal d'audit", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Recompute the audit log's hash chain; exit 1 if it was tampered with."""
    from sentinelle.store import audit

    options: Options = ctx.obj
    with user_errors(options):
        with _open(options).reading() as connection:
            result = audit.verify(connection)
        if result.ok:
            console.print(f"audit log intact: {number(result.entries, options.language)} entries")
            return
        where = f" at entry {result.first_bad_id}" if result.first_bad_id else ""
        errors.print(f"[bold red]audit log broken{where}:[/] {result.problem}")
        raise typer.Exit(1)


@audit_app.command("show")
def audit_show(
    ctx: typer.Context, last: Annotated[int, typer.Option(help="How many entries")] = 20
) -> None:
    """The newest audit entries."""
    from sentinelle.store import audit

    options: Options = ctx.obj
    with user_errors(options):
        with _open(options).reading() as connection:
            found = audit.entries(connection, limit=last)
        for stored in found:
            e = stored.entry
            console.print(
                f"{stored.id:>6} {e.at:%Y-%m-%d %H:%M:%S} {e.actor:<16} {e.action:<14} "
                f"{e.record_type} {e.record_id or ''} {e.detail or ''}"
            )


decisions_app = typer.Typer(
    help="The decision log: plans, decisions, outcomes / le journal des décisions",
    no_args_is_help=True,
)
app.add_typer(decisions_app, name="decisions")


def _when(text: str | None, what: str) -> dt.datetime:
    """An ISO date-time (UTC unless it names its offset); now when not given."""
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{what} must read YYYY-MM-DD HH:MM (UTC), not {text!r}") from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


@decisions_app.command("list")
def decisions_list(
    ctx: typer.Context, last: Annotated[int, typer.Option(help="How many plans")] = 50
) -> None:
    """Saved plans, newest first, with their latest decision and stale-assessment flags."""
    from sentinelle.domain.vocabulary import plan_decisions
    from sentinelle.planning.decisions import decision_log

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        if last < 1:
            raise UserError(f"--last must be at least 1, not {last}")
        with _open(options).reading() as connection:
            chains = decision_log(connection, limit=last)
        if not chains:
            console.print(t("decisions_none", language))
            return
        table = Table(title=t("decisions_title", language))
        for key in ("plan", "month", "plan_assessment", "plan_covered", "decision", "outcome"):
            table.add_column(t(key, language))
        choices = plan_decisions()
        for found in chains:
            plan = found.plan
            assessment = (
                f"#{found.assessment.id} ({found.assessment.as_of:%Y-%m})"
                if found.assessment is not None
                else "—"
            )
            latest = found.latest
            if latest is None:
                decided = t("decisions_pending", language)
            else:
                choice = choices[latest.decision["choice"]].label(language)
                decided = f"{choice} · {latest.decision['option']}"
                if latest.stale:
                    decided += f" · [bold red]{t('decisions_stale', language)}[/]"
            outcome = "—"
            if latest is not None and latest.outcomes:
                measures = latest.outcomes[-1]["measures"]
                share = measures.get("events_share_covered")
                outcome = f"{measures['first_month']}–{measures['last_month']}" + (
                    f" · {share:.0%}" if share is not None else ""
                )
            table.add_row(
                f"#{plan['id']} {plan['title']}",
                f"{plan['month']:%Y-%m}",
                assessment,
                f"{plan['result']['share']:.0%}",
                decided,
                outcome,
            )
        console.print(table)


@decisions_app.command("show")
def decisions_show(ctx: typer.Context, plan_id: Annotated[int, typer.Argument()]) -> None:
    """One plan's chain: threat assessment → plan → decisions → outcomes."""
    from sentinelle.domain.vocabulary import plan_decisions
    from sentinelle.planning.decisions import DecisionError, chain

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        try:
            with _open(options).reading() as connection:
                found = chain(connection, plan_id)
        except DecisionError as exc:
            raise UserError(str(exc)) from None
        plan = found.plan
        result = plan["result"]
        if found.assessment is not None:
            a = found.assessment
            console.print(
                f"[bold]{t('chain_threat', language)}[/] #{a.id} rev. "
                f"{plan['assessment_revision']} · {a.as_of:%Y-%m} · {a.created_at:%Y-%m-%d}",
                highlight=False,
            )
        else:
            console.print(
                f"[bold]{t('chain_threat', language)}[/] {t('chain_no_assessment', language)}"
            )
        if found.forecast_run is not None:
            run = found.forecast_run
            console.print(
                f"[bold]{t('chain_forecast', language)}[/] #{run.id} ({run.primary}) · "
                f"{run.created_at:%Y-%m-%d}",
                highlight=False,
            )
        gap = "—" if result["gap"] is None else f"{result['gap']:.2%}"
        console.print(
            f"[bold]{t('chain_plan', language)}[/] #{plan['id']} {plan['title']} · "
            f"{plan['month']:%Y-%m} · {plan['risk_source']} · {plan['created_by']} · "
            f"{plan['created_at']:%Y-%m-%d %H:%M}",
            highlight=False,
        )
        table = Table()
        for key in ("option", "plan_covered", "plan_units", "plan_gap"):
            table.add_column(t(key, language))
        for option in plan["options"]:
            option_gap = "—" if option["gap"] is None else f"{option['gap']:.2%}"
            table.add_row(
                option["label"], f"{option['share']:.0%}", str(option["units"]), option_gap
            )
        console.print(table)
        console.print(f"{t('plan_gap', language)}: {gap}", highlight=False)
        choices = plan_decisions()
        if not found.decisions:
            console.print(f"[bold]{t('decision', language)}[/] {t('decisions_pending', language)}")
        for logged in found.decisions:
            d = logged.decision
            console.print(
                f"[bold]{t('decision', language)}[/] #{d['id']} "
                f"{choices[d['choice']].label(language)} · {d['option']} · {d['decided_by']} · "
                f"{d['decided_at']:%Y-%m-%d %H:%M} — {d['rationale']}",
                highlight=False,
            )
            for reason in logged.stale:
                console.print(f"  [bold red]{t('decisions_stale', language)}:[/] {reason}")
            for outcome in logged.outcomes:
                m = outcome["measures"]
                share = m.get("events_share_covered")
                console.print(
                    f"  [bold]{t('outcome', language)}[/] #{outcome['id']} "
                    f"{m['first_month']}–{m['last_month']}: {outcome['summary']} · VAC "
                    f"{number(m['vac_events'], language)}, "
                    f"{t('plan_covered', language).lower()} "
                    f"{number(m['vac_events_covered'], language)}"
                    + (f" ({share:.0%})" if share is not None else ""),
                    highlight=False,
                )


@decisions_app.command("decide")
def decisions_decide(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument()],
    choice: Annotated[
        str, typer.Option(help="adopted, adopted_with_changes, rejected or deferred")
    ],
    decided_by: Annotated[str, typer.Option("--by", help="Who decided (name or post)")],
    why: Annotated[str, typer.Option(help="The reason for the decision")],
    option: Annotated[
        str, typer.Option(help="The option chosen (a label of the plan's options)")
    ] = "recommended",
    at: Annotated[
        str | None, typer.Option(help="When it was decided, YYYY-MM-DD HH:MM UTC (default: now)")
    ] = None,
) -> None:
    """Record a decision on a saved plan."""
    from sentinelle.planning.decisions import DecisionError, record_decision

    options: Options = ctx.obj
    with user_errors(options):
        try:
            decision_id = record_decision(
                _open(options),
                plan_id,
                choice=choice,
                option=option,
                decided_by=decided_by,
                decided_at=_when(at, "--at"),
                rationale=why,
                actor=_actor(),
            )
        except DecisionError as exc:
            raise UserError(str(exc)) from None
        console.print(f"{t('decision', options.language)} #{decision_id} · plan #{plan_id}")


@decisions_app.command("outcome")
def decisions_outcome(
    ctx: typer.Context,
    decision_id: Annotated[int, typer.Argument()],
    first: Annotated[str, typer.Option("--from", help="First month observed, YYYY-MM")],
    last: Annotated[str, typer.Option("--to", help="Last month observed, YYYY-MM")],
    summary: Annotated[str, typer.Option(help="What happened, in a few words")],
) -> None:
    """Record the outcome of a decision: realised VAC in and out of the plan's coverage."""
    from sentinelle.planning.decisions import record_outcome

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        try:
            store = _open(options)
            outcome_id = record_outcome(
                store,
                decision_id,
                first_month=first,
                last_month=last,
                summary=summary,
                actor=_actor(),
            )
        except ValueError as exc:
            raise UserError(str(exc)) from None
        console.print(f"{t('outcome', language)} #{outcome_id} · {t('decision', language)} "
                      f"#{decision_id}")  # fmt: skip


harm_app = typer.Typer(
    help="The civilian harm register / le registre des dommages causés aux civils",
    no_args_is_help=True,
)
app.add_typer(harm_app, name="harm")


@contextmanager
def _harm_errors() -> Iterator[None]:
    """The register's refusals and key problems as user errors (one message, no traceback)."""
    from sentinelle.harm.register import HarmError
    from sentinelle.protection import ProtectionError

    try:
        yield
    except (HarmError, ProtectionError) as exc:
        raise UserError(str(exc)) from None


def _harm_range(low: object, high: object) -> str:
    return str(low) if low == high else f"{low}–{high}"


@harm_app.command("list")
def harm_list(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option(help="Only incidents of this month, YYYY-MM")] = None,
) -> None:
    """Incidents, newest first (no personal data)."""
    from sentinelle.domain.harm import categories, confidence_grades, forces, vocabulary
    from sentinelle.harm.register import list_incidents
    from sentinelle.harm.report import parse_report_month

    options: Options = ctx.obj
    language = options.language
    with user_errors(options), _harm_errors():
        first, last = parse_report_month(month) if month is not None else (None, None)
        with _open(options).reading() as connection:
            frame = list_incidents(connection, first, last)
        if frame.empty:
            none = t("harm_none_in", language).format(month=month) if month else None
            console.print(none or t("harm_none", language))
            return
        table = Table(title=t("harm_incidents", language))
        for key in ("harm_ref", "harm_date", "harm_place", "harm_force", "harm_category",
                    "harm_killed", "harm_injured", "harm_confidence", "harm_investigation",
                    "harm_victims"):  # fmt: skip
            table.add_column(t(key, language))
        states = vocabulary("investigation")
        for row in frame.itertuples(index=False):
            table.add_row(
                f"#{row.id} {row.reference or ''}".strip(),
                f"{row.occurred_at:%Y-%m-%d}",
                row.place or "—",
                forces()[row.force].label(language),
                categories()[row.category].label(language),
                _harm_range(row.killed_min, row.killed_max),
                _harm_range(row.injured_min, row.injured_max),
                confidence_grades()[row.confidence].label(language),
                states[row.investigation].label(language),
                str(row.victims),
            )
        console.print(table)


def _audit_personal_view(options: Options, incident_id: int) -> None:
    from sentinelle.accounts import record

    with _open(options).transaction() as connection:
        record(connection, _actor(), "view", "harm_incident", incident_id,
               detail="personal data shown (sentinelle harm show --personal)")  # fmt: skip


@harm_app.command("show")
def harm_show(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(help="The incident's number (harm list)")],
    personal: Annotated[
        bool,
        typer.Option("--personal", help="Show victims' and sources' names (audited)"),
    ] = False,
) -> None:
    """One incident: its fields, victims, sources, amends, timeline and measures. Names are
    redacted unless --personal (which is recorded in the audit log)."""
    from sentinelle.domain.harm import activities, categories, confidence_grades, forces
    from sentinelle.domain.harm import vocabulary as words
    from sentinelle.harm.register import get_incident
    from sentinelle.protection import Cipher, cipher_from_env

    options: Options = ctx.obj
    language = options.language
    with user_errors(options), _harm_errors():
        # without --personal nothing is decrypted: a throwaway key reads no name
        cipher = cipher_from_env(options.settings.home) if personal else Cipher.generate()
        found = get_incident(_open(options), incident_id, cipher, personal=personal)
        if found is None:
            raise UserError(t("harm_no_such", language).format(id=incident_id))
        if personal:
            _audit_personal_view(options, incident_id)

        def label(terms: object, code: str | None) -> str:
            if code is None:
                return "—"
            term = terms.get(code) if isinstance(terms, dict) else None
            return term.label(language) if term is not None else code

        title = f"#{found['id']} {found['reference'] or ''}".strip()
        console.print(f"[bold]{title}[/] · v{found['version']}", highlight=False)
        fields = [
            ("harm_date", f"{found['occurred_at']:%Y-%m-%d %H:%M} UTC ({found['time_precision']})"),
            ("harm_place", found["place"] or "—"),
            ("harm_force", label(forces(), found["force"])),
            ("harm_unit", found["unit"] or "—"),
            ("harm_activity", label(activities(), found["activity"])),
            ("harm_category", label(categories(), found["category"])),
            ("harm_killed", _harm_range(found["killed_min"], found["killed_max"])),
            ("harm_injured", _harm_range(found["injured_min"], found["injured_max"])),
            ("harm_confidence", label(confidence_grades(), found["confidence"])),
            ("harm_investigation", label(words("investigation"), found["investigation"])),
            ("harm_description", found["description"] or "—"),
            ("harm_findings", found["findings"] or "—"),
            ("harm_lessons", found["lessons"] or "—"),
        ]
        for key, value in fields:
            console.print(f"  {t(key, language)}: {value}", highlight=False, markup=False)
        console.print(f"[bold]{t('harm_victims', language)}[/] ({len(found['victims'])})")
        for v in found["victims"]:
            age = (
                str(v["age"]) if v["age"] is not None else label(words("age_group"), v["age_group"])
            )
            console.print(
                f"  {v['name'] or '—'} · {label(words('harm'), v['harm'])} · "
                f"{label(words('sex'), v['sex'])} · {age} · "
                f"{label(words('civilian_status'), v['civilian_status'])} · "
                f"{label(words('cause'), v['cause'])}",
                highlight=False,
                markup=False,
            )
        console.print(f"[bold]{t('harm_sources', language)}[/] ({len(found['sources'])})")
        for s in found["sources"]:
            console.print(
                f"  {label(words('source_kind'), s['kind'])} · "
                f"{label(words('reliability'), s['reliability'])} · {s['name'] or '—'}",
                highlight=False,
                markup=False,
            )
        console.print(f"[bold]{t('harm_amends', language)}[/] ({len(found['amends'])})")
        for a in found["amends"]:
            amount = f" · {a['amount']:,.0f} {a['currency']}" if a["amount"] is not None else ""
            answered = f" ({a['responded_on']})" if a["responded_on"] else ""
            console.print(
                f"  #{a['id']} {label(words('amends'), a['kind'])} · {a['offered_on']}{amount}"
                f" · {label(words('amends_response'), a['response'])}{answered}",
                highlight=False,
                markup=False,
            )
        console.print(f"[bold]{t('harm_timeline', language)}[/]")
        for step in found["steps"]:
            console.print(
                f"  {step['at']:%Y-%m-%d %H:%M} v{step['version']} {step['action']} "
                f"({step['actor']})",
                highlight=False,
                markup=False,
            )
        if found["measures"]:
            console.print(f"[bold]{t('harm_measures', language)}[/]")
            for m in found["measures"]:
                status = label(words("measure_status"), m["status"])
                console.print(
                    f"  #{m['id']} {m['title']} · {status}", highlight=False, markup=False
                )
        note = "harm_personal_note" if personal else "harm_redacted_note"
        console.print(t(note, language), style="dim")


@harm_app.command("export")
def harm_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="The incidents' CSV; victims go beside it")],
    personal: Annotated[
        bool, typer.Option("--personal", help="Include victims' names (audited)")
    ] = False,
) -> None:
    """Export incidents to OUT.csv and their victims to OUT-victims.csv; victims' names are
    redacted unless --personal. Every export is recorded in the audit log."""
    from sentinelle.harm.register import export_incidents
    from sentinelle.protection import Cipher, cipher_from_env

    options: Options = ctx.obj
    language = options.language
    with user_errors(options), _harm_errors():
        if out.suffix.lower() != ".csv":
            raise UserError(f"OUT must end in .csv, not {out.name!r}")
        if not out.parent.is_dir():
            raise UserError(f"no such folder: {out.parent}")
        cipher = cipher_from_env(options.settings.home) if personal else Cipher.generate()
        incidents, victims = export_incidents(_open(options), cipher, _actor(), personal=personal)
        victims_out = out.with_name(f"{out.stem}-victims.csv")
        victims["age"] = victims["age"].astype("Int64")  # whole years, not 9.0
        incidents.to_csv(out, index=False)
        victims.to_csv(victims_out, index=False)
        console.print(
            t("harm_exported", language).format(
                incidents=number(len(incidents), language), out=out,
                victims=number(len(victims), language), victims_out=victims_out,
            ),
            highlight=False,
        )  # fmt: skip
        note = "harm_export_personal" if personal else "harm_export_redacted"
        console.print(t(note, language), style="dim")


@harm_app.command("report")
def harm_report(
    ctx: typer.Context,
    month: Annotated[str, typer.Option(help="The month reported on, YYYY-MM")],
    out: Annotated[Path, typer.Option(help="report.html or report.pdf")],
    public: Annotated[
        bool, typer.Option("--public", help="Suppress counts of 1 or 2 (for publication)")
    ] = False,
) -> None:
    """The monthly civilian harm report (no personal data), as HTML or PDF, in the language
    of --lang."""
    from sentinelle.harm.report import monthly_report, report_pdf

    options: Options = ctx.obj
    language = options.language
    with user_errors(options), _harm_errors():
        suffix = out.suffix.lower()
        if suffix not in (".html", ".pdf"):
            raise UserError(f"--out must end in .html or .pdf, not {out.name!r}")
        if not out.parent.is_dir():
            raise UserError(f"no such folder: {out.parent}")
        html = monthly_report(_open(options), month, language, public=public)
        if suffix == ".pdf":
            out.write_bytes(report_pdf(html))
        else:
            out.write_text(html, encoding="utf-8")
        console.print(t("harm_report_written", language).format(out=out), highlight=False)


def _harm_day(text: str | None, what: str) -> object:
    """A date bound: YYYY-MM-DD, or YYYY-MM (that month's first or last day)."""
    import pandas as pd

    from sentinelle.domain.months import parse_month

    if text is None:
        return None
    value = text.strip()
    if len(value) == 7:
        try:
            return parse_month(value)
        except MonthError:
            pass
    else:
        try:
            return pd.Timestamp(dt.date.fromisoformat(value))
        except ValueError:
            pass
    raise UserError(f"{what}: {text!r} — expected YYYY-MM-DD or YYYY-MM")


@harm_app.command("screen")
def harm_screen(
    ctx: typer.Context,
    first: Annotated[
        str | None, typer.Option("--from", help="First event date, YYYY-MM-DD or YYYY-MM")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last event date, YYYY-MM-DD or YYYY-MM")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write every candidate to .csv or .xlsx")] = None,
    shown: Annotated[int, typer.Option("--show", help="How many to print")] = 30,
) -> None:
    """The ACLED screen: stored events in which a force is an actor and civilians were
    harmed — candidates for the register, for a person to review."""
    from rich.markup import escape

    from sentinelle.harm.screen import candidates

    options: Options = ctx.obj
    language = options.language
    with user_errors(options), _harm_errors():
        if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
            raise UserError(f"--out must end in .csv or .xlsx, not {out.name!r}")
        if out is not None and not out.parent.is_dir():
            raise UserError(f"no such folder: {out.parent}")
        start, end = _harm_day(first, "--from"), _harm_day(last, "--to")
        try:
            with _open(options).reading() as connection:
                frame = candidates(connection, start, end)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        console.print(
            t("harm_candidates", language).format(n=number(len(frame), language)), highlight=False
        )
        if not frame.empty:
            table = Table()
            for column in ("date", "force", "role", "sub_event_type", "fatalities", "admin2",
                           "suggested_category", "reason"):  # fmt: skip
                table.add_column(column)
            for row in frame.head(max(shown, 0)).itertuples(index=False):
                r = row._asdict()
                r["date"] = f"{r['date']:%Y-%m-%d}"
                table.add_row(*(escape(str(r[c])) for c in (
                    "date", "force", "role", "sub_event_type", "fatalities", "admin2",
                    "suggested_category", "reason")))  # fmt: skip
            console.print(table)
        if out is not None:
            if out.suffix.lower() == ".csv":
                frame.to_csv(out, index=False)
            else:
                frame.to_excel(out, index=False)
            console.print(f"{t('written', language)} {out}", highlight=False)


@harm_app.command("measures")
def harm_measures(ctx: typer.Context) -> None:
    """The mitigation measures tracker: overdue measures first, then by due date."""
    from rich.markup import escape

    from sentinelle.domain.harm import vocabulary
    from sentinelle.harm.register import list_measures

    options: Options = ctx.obj
    language = options.language
    with user_errors(options), _harm_errors():
        with _open(options).reading() as connection:
            measures = list_measures(connection)
        if not measures:
            console.print(t("harm_measures_none", language))
            return
        table = Table(title=t("harm_measures", language))
        for key in ("harm_measure", "harm_owner", "harm_due", "harm_status", "harm_linked"):
            table.add_column(t(key, language))
        statuses = vocabulary("measure_status")
        for m in measures:
            status = statuses[m.status].label(language)
            if m.overdue:
                late = t("harm_overdue", language).format(n=number(m.days_overdue, language))
                status = f"[bold red]{status} — {late}[/]"
            table.add_row(
                escape(f"#{m.id} {m.title}"),
                escape(m.owner),
                m.due_date.isoformat(),
                status,
                ", ".join(f"#{i}" for i in m.incidents) or "—",
            )
        console.print(table)


HARM_BY = ("category", "force", "unit", "activity")
HARM_PERIODS = {"m": "M", "q": "Q", "y": "Y", "none": None}


def _harm_month(text: str | None, option: str, language: Language) -> object:
    """A month option (YYYY-MM) as a monthly period, None when not given."""
    from sentinelle.domain.months import parse_month

    if text is None:
        return None
    try:
        return parse_month(text)
    except MonthError:
        raise UserError(t("harm_bad_month", language).format(option=option, value=text)) from None


def _harm_km(value: float, option: str, language: Language) -> float:
    if not (value > 0 and value != float("inf")):  # NaN fails too
        raise UserError(t("harm_bad_km", language).format(option=option, value=value))
    return value


def _harm_sums(row: dict[str, object], language: Language) -> list[str]:
    return [
        number(int(row["incidents"]), language),  # type: ignore[call-overload]
        _harm_range(row["killed_min"], row["killed_max"]),
        _harm_range(row["injured_min"], row["injured_max"]),
    ]


def _harm_ratio(value: float) -> str:
    if value != value:  # NaN: nothing before nor after
        return "—"
    return "∞" if value == float("inf") else f"{value:.2f}"


def _harm_p(value: float) -> str:
    return "<0.001" if value < 0.001 else f"{value:.3f}"


@harm_app.command("patterns")
def harm_patterns(
    ctx: typer.Context,
    by: Annotated[
        str | None,
        typer.Option("--by", help="category, force, unit or activity (default category)"),
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="M (month), Q (quarter), Y or none (default Q)")
    ] = None,
    bases: Annotated[
        bool,
        typer.Option(
            "--bases",
            help="Per site (stored deployments): incidents within --radius-km while it was held",
        ),
    ] = False,
    radius_km: Annotated[
        float, typer.Option("--radius-km", help="Around a site, km (--bases, --before-after)")
    ] = 10.0,
    routes: Annotated[
        Path | None,
        typer.Option(
            "--routes", help="Per route of this GeoJSON file of lines: incidents within --buffer-km"
        ),
    ] = None,
    buffer_km: Annotated[float, typer.Option("--buffer-km", help="Around a route, km")] = 5.0,
    before_after: Annotated[
        bool,
        typer.Option(
            "--before-after",
            help="Around each site opening and closing: incidents "
            "and ACLED violence against civilians before and after",
        ),
    ] = False,
    months: Annotated[
        int, typer.Option("--months", help="Length of the windows (--before-after)")
    ] = 6,
    first: Annotated[
        str | None,
        typer.Option("--from", help="First month, YYYY-MM (--before-after: of the changes)"),
    ] = None,
    last: Annotated[
        str | None,
        typer.Option("--to", help="Last month, YYYY-MM (--before-after: of the changes)"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the table to .csv or .xlsx")] = None,
) -> None:
    """Patterns of civilian harm: incidents, killed and injured by category, force, unit or
    activity and period (default); near the sites (--bases); along routes (--routes); or
    before and after each site opened or closed (--before-after). No personal data."""
    import pandas as pd
    from rich.markup import escape

    from sentinelle.domain.harm import activities, categories, forces
    from sentinelle.harm import patterns
    from sentinelle.harm.register import list_incidents
    from sentinelle.store import events as event_store
    from sentinelle.store.deployments import load_deployments
    from sentinelle.threat.actors import is_vac

    options: Options = ctx.obj
    language = options.language
    with user_errors(options), _harm_errors():
        modes = [
            name
            for name, on in (
                ("--bases", bases),
                ("--routes", routes is not None),
                ("--before-after", before_after),
            )
            if on
        ]
        if len(modes) > 1:
            raise UserError(t("harm_one_mode", language))
        for option, value in (("--by", by), ("--period", period)):
            if modes and value is not None:
                raise UserError(
                    t("harm_mode_option", language).format(option=option, mode=modes[0])
                )
        dimension = (by or "category").strip().lower()
        if dimension not in HARM_BY:
            raise UserError(
                t("harm_bad_choice", language).format(
                    option="--by", choices=", ".join(HARM_BY), value=by
                )
            )
        if (period or "q").strip().lower() not in HARM_PERIODS:
            raise UserError(
                t("harm_bad_choice", language).format(
                    option="--period", choices="M, Q, Y, none", value=period
                )
            )
        every = HARM_PERIODS[(period or "q").strip().lower()]
        radius = _harm_km(radius_km, "--radius-km", language)
        buffer = _harm_km(buffer_km, "--buffer-km", language)
        if months < 1:
            raise UserError(t("harm_bad_months", language).format(value=months))
        start, end = _harm_month(first, "--from", language), _harm_month(last, "--to", language)
        if start is not None and end is not None and end < start:  # type: ignore[operator]
            raise UserError(t("harm_bad_range", language).format(first=first, last=last))
        first_day = start.start_time.date() if start is not None else None  # type: ignore[attr-defined]
        last_day = end.end_time.date() if end is not None else None  # type: ignore[attr-defined]
        if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
            raise UserError(t("harm_bad_out", language).format(name=out.name))
        if out is not None and not out.parent.is_dir():
            raise UserError(t("harm_no_folder", language).format(folder=out.parent))
        lines = None
        if routes is not None:
            try:
                lines = patterns.read_routes(routes)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise UserError(
                    t("harm_unreadable", language).format(file=routes, reason=reason)
                ) from None
            if lines.skipped:
                errors.print(
                    t("harm_routes_skipped", language).format(
                        file=routes, n=lines.skipped, total=lines.features
                    ),
                    highlight=False,
                )
                for problem in lines.problems:
                    errors.print(f"  {problem}", highlight=False, markup=False)
        with _open(options).reading() as connection:
            if before_after:  # every incident: the windows reach outside the changes' period
                incidents = list_incidents(connection)
            else:
                incidents = list_incidents(connection, first_day, last_day)
            sites = None
            if bases or before_after:
                sites = patterns.sites_of(load_deployments(connection))
                if sites.empty:
                    raise UserError(t("harm_no_sites", language))
            vac = None
            if before_after:
                stored = event_store.load_events(
                    connection,
                    columns=(
                        "event_date",
                        "event_type",
                        "civilian_targeting",
                        "latitude",
                        "longitude",
                    ),
                )
                vac = stored[is_vac(stored)].reset_index(drop=True)

        def label(terms: dict[str, object] | None, code: object) -> str:
            if code is None or code is pd.NA or (isinstance(code, float) and code != code):
                return "—"
            term = terms.get(str(code)) if terms is not None else None
            return term.label(language) if term is not None else str(code)  # type: ignore[attr-defined]

        table = Table()
        cells: list[list[str]] = []
        note = None
        if bases:
            frame = patterns.near_bases(incidents, sites, radius)
            table.title = t("harm_near_bases", language).format(km=f"{radius:g}")
            heads = ["harm_site", "harm_held", "harm_count", "harm_killed", "harm_injured"]
            for row in frame.to_dict("records"):
                held = f"{row['start_date'] or '…'} – {row['end_date'] or '…'}"
                cells.append([str(row["site"]), held, *_harm_sums(row, language)])
        elif lines is not None:
            frame = patterns.along_routes(incidents, lines, buffer)
            table.title = t("harm_along_routes", language).format(km=f"{buffer:g}")
            heads = [
                "harm_route",
                "harm_length_km",
                "harm_count",
                "harm_killed",
                "harm_injured",
                "harm_per_100km",
            ]
            for row in frame.to_dict("records"):
                cells.append(
                    [
                        str(row["route"]),
                        f"{row['length_km']:.1f}",
                        *_harm_sums(row, language),
                        f"{row['incidents_per_100km']:.2f}",
                    ]
                )
        elif before_after:
            assert sites is not None and vac is not None
            parts = [
                patterns.before_after(
                    incidents,
                    site,
                    months,
                    change=change,
                    radius_km=radius,
                    vac_events=vac if not vac.empty else None,
                )
                for site in sites.to_dict("records")
                for change in ("opening", "closing")
                if site["start_date" if change == "opening" else "end_date"] is not None
            ]
            frame = pd.concat(parts, ignore_index=True)
            if first_day is not None:
                frame = frame[frame["pivot"] >= pd.Timestamp(first_day)]
            if last_day is not None:
                frame = frame[frame["pivot"] <= pd.Timestamp(last_day)]
            frame = frame.reset_index(drop=True)
            spans = {"harm_incidents": incidents["occurred_at"], "acled_vac": vac["event_date"]}
            covered, described = [], []
            for series, times in spans.items():
                if times.empty:
                    continue
                low = pd.Timestamp(times.min()).tz_localize(None).normalize()
                high = pd.Timestamp(times.max()).tz_localize(None).normalize()
                described.append(
                    f"{t('harm_series_' + series, language)} {low:%Y-%m-%d} – {high:%Y-%m-%d}"
                )
                covered.append((series, low, high))
            frame["covered"] = [
                any(
                    s == row["series"] and low <= row["before_start"] and row["after_end"] <= high
                    for s, low, high in covered
                )
                for row in frame.to_dict("records")
            ]
            table.title = t("harm_before_after", language).format(km=f"{radius:g}", months=months)
            heads = [
                "harm_site",
                "harm_change",
                "harm_date",
                "harm_series",
                "harm_before",
                "harm_after",
                "harm_rate_ratio",
                "harm_p_value",
                "harm_covered",
            ]
            for row in frame.to_dict("records"):
                cells.append(
                    [
                        str(row["site"]),
                        t(f"harm_{row['change']}", language),
                        f"{row['pivot']:%Y-%m-%d}",
                        t(f"harm_series_{row['series']}", language),
                        number(row["before"], language),
                        number(row["after"], language),
                        _harm_ratio(row["rate_ratio"]),
                        _harm_p(row["p_value"]),
                        t("unit_yes" if row["covered"] else "unit_no", language),
                    ]
                )
            note = t("harm_before_after_note", language).format(spans="; ".join(described))
            if frame.empty:
                note = t("harm_no_changes", language)
        else:
            frame = patterns.by_dimension(incidents, dimension, every)  # type: ignore[arg-type]
            terms = {"category": categories(), "force": forces(), "activity": activities()}
            table.title = f"{t('harm_incidents', language)} — {t('harm_' + dimension, language)}"
            heads = ["harm_period"] if every else []
            heads += [f"harm_{dimension}", "harm_count", "harm_killed", "harm_injured"]
            for row in frame.to_dict("records"):
                value = label(terms.get(dimension), row[dimension])  # type: ignore[arg-type]
                head = [str(row["period"])] if every else []
                cells.append([*head, value, *_harm_sums(row, language)])
            if every:
                frame["period"] = frame["period"].astype(str)
        for key in heads:
            right = key not in (
                "harm_period",
                "harm_site",
                "harm_held",
                "harm_route",
                "harm_change",
                "harm_date",
                "harm_series",
                f"harm_{dimension}",
            )
            table.add_column(t(key, language), justify="right" if right else "left")
        for row_cells in cells:
            table.add_row(*(escape(c) for c in row_cells))
        console.print(table)
        if note is not None:
            console.print(note, style="dim", highlight=False, markup=False)
        if out is not None:
            if out.suffix.lower() == ".csv":
                frame.to_csv(out, index=False)
            else:
                frame.to_excel(out, index=False)
            console.print(f"{t('written', language)} {out}", highlight=False)


survey_app = typer.Typer(
    help="Population surveys: SPSS files (Afrobarometer), KoboToolbox/ODK exports / Enquêtes",
    no_args_is_help=True,
)
app.add_typer(survey_app, name="survey")


@survey_app.command("import")
def survey_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="SPSS .sav file or Kobo/ODK export (CSV, XLSX)")],
    form: Annotated[
        Path | None, typer.Option("--form", help="The XLSForm of a Kobo/ODK export (.xlsx)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Survey name (default: file name)")] = None,
    round_: Annotated[
        str | None, typer.Option("--round", help="Round, e.g. 7 (default: from the file name)")
    ] = None,
    country: Annotated[str | None, typer.Option(help="Country, e.g. Mali")] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write rejected answers here (default: var/reports/rejected-<id>.csv)"),
    ] = None,
) -> None:
    """Import a survey file: answers, labels, value labels, missing codes and weights."""
    from sentinelle.surveys.importer import import_survey

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        with _progress(file.name):
            result = import_survey(
                _open(options), file, form, name, round_, country, actor=_actor()
            )
        console.print(
            f"{t('survey_imported', language)}: {result.name} "
            f"({t('file', language).lower()} {file.name}, survey {result.survey_id}, "
            f"import {result.import_id})",
            highlight=False,
        )
        start, end = result.fieldwork
        lines = [
            (t("format", language), result.format),
            (t("survey_round", language), result.round or "?"),
            (t("survey_respondents", language), number(result.respondents, language)),
            (t("survey_variables", language), number(result.variables, language)),
            (t("survey_weight", language), result.weight or t("survey_no_weight", language)),
            (t("survey_fieldwork", language), f"{start or '?'} .. {end or '?'}"),
            (t("survey_rejected_values", language), number(len(result.problems), language)),
        ]
        for label, value in lines:
            console.print(f"  {label}: {value}", highlight=False)
        if result.problems:
            _report_rejected(options, result.problems, result.import_id, report, shown=20)


@survey_app.command("list")
def survey_list(ctx: typer.Context) -> None:
    """The stored surveys: name, round, fieldwork, respondents, weight, file."""
    from sentinelle.surveys.importer import stored_surveys

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        found = stored_surveys(_open(options))
        if not found:
            console.print(t("survey_none", language))
            return
        table = Table(
            "#",
            t("survey_name", language),
            t("survey_round", language),
            t("survey_fieldwork", language),
            t("survey_respondents", language),
            t("survey_weight", language),
            t("format", language),
            t("file", language),
            title=t("surveys", language),
        )
        for s in found:
            table.add_row(
                str(s.id),
                s.name,
                s.round or "",
                f"{s.fieldwork_start or '?'} .. {s.fieldwork_end or '?'}",
                number(s.respondents, language),
                s.design.weight or "",
                s.format,
                s.source_file,
            )
        console.print(table)


@survey_app.command("estimate")
def survey_estimate(
    ctx: typer.Context,
    indicator: Annotated[
        str, typer.Option(help="An indicator of surveys/data/indicators.csv")
    ] = "felt_unsafe_walking",
    by: Annotated[
        str, typer.Option(help="region, sex, age_group or urban_rural (with the national row)")
    ] = "region",
    min_n: Annotated[
        int, typer.Option("--min-n", help="Fewer valid answers than this: estimate suppressed")
    ] = 30,
    out: Annotated[Path | None, typer.Option(help="Write the table to .csv or .xlsx")] = None,
) -> None:
    """Weighted share of an indicator per stored survey round, with 95% intervals."""
    from sentinelle.store.surveys import list_surveys, load_survey
    from sentinelle.surveys.estimates import GROUP_KINDS, estimate_rounds
    from sentinelle.surveys.indicators import IndicatorError, default_indicators

    options: Options = ctx.obj
    language = options.language
    with user_errors(options):
        indicators = default_indicators()
        if indicator not in indicators:
            raise UserError(
                f"--indicator must be one of {', '.join(indicators)}, not {indicator!r}"
            )
        if by not in GROUP_KINDS or by == "national":
            raise UserError(f"--by must be region, sex, age_group or urban_rural, not {by!r}")
        if not 1 <= min_n <= 10_000:
            raise UserError(f"--min-n must be from 1 to 10,000, not {min_n}")
        if out is not None and out.suffix not in (".csv", ".xlsx"):
            raise UserError(f"--out must end in .csv or .xlsx, not {out.name!r}")
        with _open(options).reading() as connection:
            stored = list_surveys(connection)
            if not stored:
                raise UserError("no survey stored: sentinelle survey import FILE")
            surveys = {(s.round or s.name): load_survey(connection, s.id) for s in stored}
            dates = {(s.round or s.name): s.fieldwork_start for s in stored if s.fieldwork_start}
        try:
            frame = estimate_rounds(
                surveys,
                indicator,
                dates,
                by=("national", by),
                min_n=min_n,
            )
        except (IndicatorError, ValueError) as exc:
            raise UserError(str(exc)) from None
        table = Table(title=f"{indicator} · {by}")
        for key in ("survey_round", "survey_group", "survey_n", "survey_share"):
            table.add_column(t(key, language), justify="right" if key != "survey_group" else "left")
        for row in frame.itertuples(index=False):
            if not row.covered:
                share = t("survey_not_covered", language)
            elif row.share != row.share:
                share = t("survey_too_few", language)
            else:
                share = f"{row.share:.1%} [{row.lower:.1%}–{row.upper:.1%}]"
            table.add_row(str(row.round), str(row.group), number(int(row.n), language), share)
        console.print(table)
        asked = sorted(frame["round"].astype(str).unique())
        skipped = sorted(set(surveys) - set(asked))
        if skipped:
            console.print(
                f"[dim]{t('survey_not_asked', language)}: {', '.join(skipped)}[/]", highlight=False
            )
        if out is not None:
            _write_frame(frame, out, "--out")
            console.print(f"{t('written', language)} {out}")


@app.command()
def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Seed of the fictional scenario")] = 2013,
    database: Annotated[
        str | None,
        typer.Option(
            help="Store for the demo (default: sqlite:///var/demo.db, apart from real data)"
        ),
    ] = None,
    serve_app: Annotated[
        bool, typer.Option("--serve", help="Then start the web application on the demo")
    ] = False,
    port: Annotated[int, typer.Option(help="Port of the web application")] = 8000,
) -> None:
    """Load the built-in fictional training scenario and print its summary."""
    from sentinelle.demo.load import load_demo_with_population as load_demo
    from sentinelle.protection import cipher_from_env
    from sentinelle.summary import summarise_events

    options: Options = ctx.obj
    with user_errors(options):
        url = database or f"sqlite:///{options.settings.home / 'demo.db'}"
        store = open_store(url)
        # reporters' names of the demo alerts are encrypted with this installation's key, the
        # one the web application served below reads them with
        loaded = load_demo(store, seed=seed, cipher=cipher_from_env(options.settings.home))
        scenario = loaded.scenario
        label = scenario.label_fr if options.language == "fr" else scenario.label_en
        console.print(f"[bold]{label}[/]")
        console.print(
            f"{t('demo_loaded', options.language)} {store.url}: "
            f"{number(len(scenario.events), options.language)} "
            f"{t('events', options.language).lower()}, "
            f"{len(scenario.units)} {t('units', options.language).lower()}, "
            f"{len(scenario.deployments)} {t('deployments', options.language).lower()}"
        )
        with store.transaction() as connection:
            result = summarise_events(connection, options.language, sources=["demo"])
        render.event_summary(console, result, options.language)
        console.print(t("demo_hint", options.language).format(url=url), style="dim")
        if serve_app:
            from sentinelle.demo.load import DEMO_PASSWORD, ensure_demo_users
            from sentinelle.forecast.runs import has_current_runs, save_latest_runs

            if not has_current_runs(store):
                with _progress(t("forecasting", options.language)) as progress:
                    tested, live = save_latest_runs(store, "demo", progress=progress)
                console.print(f"{t('demo_forecasts', options.language)}: #{tested}, #{live}")

            demo_users = ensure_demo_users(store)
            console.print(f"[bold]{t('demo_sign_in', options.language)}[/] http://127.0.0.1:{port}")
            for username, role in demo_users:
                console.print(
                    f"  {username:<14} ({role})  {t('password', options.language)}: {DEMO_PASSWORD}"
                )
            _serve(Settings(database_url=url, home=options.settings.home), "127.0.0.1", port)


if __name__ == "__main__":  # pragma: no cover
    app()
