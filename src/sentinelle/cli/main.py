"""``sentinelle`` — the command line.

Every command is a thin shell over a service (``sentinelle.ingest``, ``sentinelle.panel``,
``sentinelle.summary``, ``sentinelle.demo``, ``sentinelle.geo``). Errors in the user's input
(a bad file, a bad database URL, a bad month) print one clear message and exit with status 2;
they never print a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

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
from sentinelle.readers.problems import FileRejected
from sentinelle.store.database import Store, StoreError, open_store

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
                target = report or options.settings.reports_dir / (
                    f"rejected-{result.import_id}.csv"
                )
                _write_problems(result, target)
                console.print(f"{t('rejected_report', options.language)} {target}")
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


def _write_problems(result: IngestReport, target: Path) -> None:
    from sentinelle.readers.problems import ProblemLog

    target.parent.mkdir(parents=True, exist_ok=True)
    ProblemLog(list(result.problems)).write_csv(target)


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
    from sentinelle.readers.problems import ProblemLog
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
            for problem in result.problems[:20]:
                console.print(f"  - {problem}", style="yellow")
            target = report or options.settings.reports_dir / f"rejected-{result.import_id}.csv"
            target.parent.mkdir(parents=True, exist_ok=True)
            ProblemLog(list(result.problems)).write_csv(target)
            console.print(f"{t('rejected_report', language)} {target}")


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
    from sentinelle.summary import summarise_events

    options: Options = ctx.obj
    with user_errors(options):
        url = database or f"sqlite:///{options.settings.home / 'demo.db'}"
        store = open_store(url)
        loaded = load_demo(store, seed=seed)
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

            demo_users = ensure_demo_users(store)
            console.print(f"[bold]{t('demo_sign_in', options.language)}[/] http://127.0.0.1:{port}")
            for username, role in demo_users:
                console.print(
                    f"  {username:<14} ({role})  {t('password', options.language)}: {DEMO_PASSWORD}"
                )
            _serve(Settings(database_url=url, home=options.settings.home), "127.0.0.1", port)


if __name__ == "__main__":  # pragma: no cover
    app()
