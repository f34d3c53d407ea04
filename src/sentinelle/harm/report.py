"""The monthly civilian harm report: one self-contained HTML page (and its PDF).

:func:`monthly_report` sums up a month and the twelve months that end with it: incidents, killed
and injured (as min–max ranges) by harm category, force and activity; confidence grades;
investigations; amends offered and their answers; the mitigation measures with the overdue ones
highlighted; and a short list of the month's incidents. It never shows personal data: no
victim's or source's name or contact, no amends recipient, and no free text (descriptions and
findings may name people), only coded fields, places and counts.

The **public** variant (``public=True``) applies :func:`~sentinelle.harm.register.public_summary`'s
rule to every count: 1 or 2 is shown as "<3" (and, if a column has only one such cell, its
smallest other cell as "x" so the total does not give it away); killed and injured are then the
minimum of each range, as in the public summary.

The page holds its own style sheet: no external CSS, script, font or image, so it can be mailed
or archived as is. :func:`report_pdf` renders it with WeasyPrint, which is not allowed to fetch
anything (only ``data:`` URLs would be read, and the page has none).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import pandas as pd
from sqlalchemy import select

from sentinelle.accounts import now as clock
from sentinelle.domain.harm import activities, categories, confidence_grades, forces, vocabulary
from sentinelle.domain.vocabulary import Language, Term
from sentinelle.harm.register import (
    SMALL_COUNT,
    HarmError,
    list_incidents,
    list_measures,
    public_summary,
    suppressed,
)
from sentinelle.store.database import Store
from sentinelle.store.schema import harm_amends, harm_incidents, measure_incidents

__all__ = ["monthly_report", "parse_report_month", "report_pdf"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
}  # fmt: skip

WORDS: dict[str, tuple[str, str]] = {
    # key: (English, French)
    "title": ("Civilian harm — monthly report", "Dommages causés aux civils — rapport mensuel"),
    "internal": (
        "Internal report: no personal data (no names of victims or sources, no free text). "
        "Not for publication as is: small counts are shown.",
        "Rapport interne : aucune donnée personnelle (ni noms de victimes ou de sources, ni "
        "texte libre). À ne pas publier en l'état : les petits nombres y figurent.",
    ),
    "public": (
        "Public version: counts of 1 or 2 are shown as “<{n}”; “x” hides one more count where "
        "it would reveal a hidden one. Killed and injured are the lower bound of each range.",
        "Version publique : les nombres de 1 ou 2 sont notés « <{n} » ; « x » masque un nombre de "
        "plus là où il révélerait un nombre masqué. Tués et blessés : borne basse de chaque "
        "fourchette.",
    ),
    "generated": ("Generated on {day} (UTC)", "Établi le {day} (UTC)"),
    "ranges": (
        "Killed and injured are ranges: the lowest and highest figures the sources support.",
        "Tués et blessés sont des fourchettes : le plus bas et le plus haut des chiffres que "
        "les sources permettent.",
    ),
    "key_figures": ("Key figures", "Chiffres clés"),
    "month": ("Month", "Mois"),
    "year": ("12 months", "12 mois"),
    "year_long": ("12 months to {month}", "12 mois jusqu'à {month}"),
    "incidents": ("Incidents", "Incidents"),
    "killed": ("Killed", "Tués"),
    "injured": ("Injured", "Blessés"),
    "by_category": ("By harm category", "Par catégorie de dommage"),
    "by_force": ("By force", "Par force"),
    "by_activity": ("By activity of the force", "Par activité de la force"),
    "category": ("Category", "Catégorie"),
    "force": ("Force", "Force"),
    "activity": ("Activity", "Activité"),
    "confidence": ("Confidence", "Degré de confiance"),
    "confidence_note": (
        "Incidents by how sure we are that the force caused the harm.",
        "Incidents selon le degré de certitude que la force a causé le dommage.",
    ),
    "investigation": ("Investigations", "Enquêtes"),
    "investigation_note": (
        "Incidents by where their investigation stands today.",
        "Incidents selon l'état actuel de leur enquête.",
    ),
    "status": ("Status", "État"),
    "amends": ("Amends", "Réparations"),
    "amends_note": (
        "Amends offered for the incidents of the period, and the answers received.",
        "Réparations proposées pour les incidents de la période, et réponses reçues.",
    ),
    "offered": ("Offered", "Proposées"),
    "measures": ("Mitigation measures", "Mesures d'atténuation"),
    "measures_note": (
        "Measures decided after incidents up to the end of the month; overdue as of {day}: "
        "due before that day and not done.",
        "Mesures décidées après des incidents survenus jusqu'à la fin du mois ; en retard au "
        "{day} : échéance dépassée et non réalisées.",
    ),
    "measure": ("Measure", "Mesure"),
    "kind": ("Kind", "Type"),
    "owner": ("Owner", "Responsable"),
    "due": ("Due", "Échéance"),
    "motivated_by": ("After incidents", "Après les incidents"),
    "overdue": ("overdue by {n} days", "en retard de {n} jours"),
    "done_on": ("done on {day}", "réalisée le {day}"),
    "not_done_by": ("not done by {day}", "non réalisée au {day}"),
    "no_measures": ("No measure recorded.", "Aucune mesure enregistrée."),
    "incidents_of_month": ("Incidents of the month", "Incidents du mois"),
    "no_incidents": ("No incident recorded this month.", "Aucun incident enregistré ce mois-ci."),
    "reference": ("Reference", "Référence"),
    "date": ("Date", "Date"),
    "place": ("Place", "Lieu"),
    "unit": ("Unit", "Unité"),
    "total": ("Total", "Total"),
    "none": ("—", "—"),
}


def _w(key: str, language: Language, **values: object) -> str:
    en, fr = WORDS[key]
    text = fr if language == "fr" else en
    return text.format(**values) if values else text


def parse_report_month(month: str) -> tuple[dt.date, dt.date]:
    """``"2018-06"`` → (first day, last day); anything else is a :class:`HarmError`."""
    match = _MONTH.match(month.strip()) if isinstance(month, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1990:
        raise HarmError(f"month: {month!r} — expected YYYY-MM (1990 or later), e.g. 2018-06")
    first = dt.date(int(match.group(1)), int(match.group(2)), 1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _months_back(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_name(first: dt.date, language: Language) -> str:
    return f"{MONTHS[language][first.month - 1]} {first.year}"


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _table(
    table_id: str,
    header: Sequence[str],
    rows: Iterable[tuple[str, Sequence[str]]],
    row_classes: dict[str, str] | None = None,
    numeric: bool = True,
    groups: Sequence[tuple[str, int]] = (),
) -> str:
    """An HTML table; each row is (code, cells) and carries ``data-code`` for readers and tests.
    The first column is text; with ``numeric`` the others are numbers (right-aligned)."""

    def klass(i: int) -> str:
        return ' class="n"' if numeric and i else ""

    heads = "".join(f"<th{klass(i)}>{escape(h)}</th>" for i, h in enumerate(header))
    if groups:
        top = "".join(
            f'<th colspan="{span}" class="group">{escape(label)}</th>' for label, span in groups
        )
        heads = f"{top}</tr><tr>{heads}"
    body = []
    for code, cells in rows:
        css = (row_classes or {}).get(code)
        tds = "".join(f"<td{klass(i)}>{escape(str(c))}</td>" for i, c in enumerate(cells))
        row_class = f' class="{css}"' if css else ""
        body.append(f'<tr data-code="{escape(code)}"{row_class}>{tds}</tr>')
    table_class = "" if numeric else ' class="list"'
    return (
        f'<table id="{table_id}"{table_class}><thead><tr>{heads}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _label(terms: dict[str, Any], code: str, language: Language) -> str:
    term: Term | None = terms.get(code)
    return term.label(language) if term is not None else code


def _breakdown(
    month: pd.DataFrame,
    year: pd.DataFrame,
    by: str,
    terms: dict[str, Any],
    language: Language,
) -> list[tuple[str, list[str]]]:
    """Internal breakdown: per code, incidents, killed and injured (min–max) in the month and
    in the 12 months."""

    def sums(frame: pd.DataFrame) -> dict[str, tuple[int, int, int, int, int]]:
        keyed = frame.assign(key=frame[by].fillna("other"))
        out = {}
        for key, group in keyed.groupby("key"):
            out[str(key)] = (
                len(group),
                int(group["killed_min"].sum()),
                int(group["killed_max"].sum()),
                int(group["injured_min"].sum()),
                int(group["injured_max"].sum()),
            )
        return out

    in_month, in_year = sums(month), sums(year)
    order = [c for c in terms if c in in_year] + sorted(set(in_year) - set(terms))
    rows = []
    for code in order:
        m = in_month.get(code, (0, 0, 0, 0, 0))
        y = in_year[code]
        rows.append(
            (
                code,
                [
                    _label(terms, code, language),
                    str(m[0]), _range(m[1], m[2]), _range(m[3], m[4]),
                    str(y[0]), _range(y[1], y[2]), _range(y[3], y[4]),
                ],
            )
        )  # fmt: skip
    return rows


def _public_breakdown(
    connection: Any,
    first: dt.date,
    last: dt.date,
    year_first: dt.date,
    by: str,
    terms: dict[str, Any],
    language: Language,
) -> list[tuple[str, list[str]]]:
    """Public breakdown: :func:`public_summary` for the month and for the 12 months."""
    month = public_summary(connection, first, last, by=by).set_index(by)
    year = public_summary(connection, year_first, last, by=by).set_index(by)
    order = [c for c in terms if c in year.index] + sorted(set(year.index) - set(terms))
    rows = []
    for code in order:
        m = (
            [str(v) for v in month.loc[code, ["incidents", "killed", "injured"]]]
            if code in month.index
            else ["0", "0", "0"]
        )
        y = [str(v) for v in year.loc[code, ["incidents", "killed", "injured"]]]
        rows.append((code, [_label(terms, code, language), *m, *y]))
    return rows


def _counts(
    codes: Sequence[str],
    month: Sequence[str],
    year: Sequence[str],
    terms: dict[str, Any],
    language: Language,
    public: bool,
) -> list[tuple[str, list[str]]]:
    """Rows of code → (count in the month, count in the 12 months), suppressed if public."""
    in_month = [sum(1 for v in month if v == c) for c in codes]
    in_year = [sum(1 for v in year if v == c) for c in codes]
    m = suppressed(in_month) if public else [str(v) for v in in_month]
    y = suppressed(in_year) if public else [str(v) for v in in_year]
    return [(code, [_label(terms, code, language), m[i], y[i]]) for i, code in enumerate(codes)]


STYLE = """
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt;
       color: #1b1b1b; margin: 0 auto; max-width: 60em; }
h1 { font-size: 17pt; margin: 0 0 .2em; color: #0b3d63; }
h2 { font-size: 12pt; margin: 1.4em 0 .4em; color: #0b3d63; border-bottom: 1px solid #9db3c6; }
p.note { color: #555; font-size: 8.5pt; margin: .2em 0 .5em; }
p.banner { background: #eef3f7; border-left: 4px solid #0b3d63; padding: .4em .6em; }
p.banner.public { background: #eef7ee; border-left-color: #2f6b2f; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 .6em; page-break-inside: auto; }
th, td { border: 1px solid #c8d3dc; padding: .25em .4em; text-align: left;
         vertical-align: top; }
th { background: #e4ecf2; font-weight: bold; }
td.n, th.n { text-align: right; }
td.n { white-space: nowrap; }
th.group { text-align: center; }
table.list { table-layout: fixed; font-size: 8pt; }
table.list td { overflow-wrap: break-word; }
tr { page-break-inside: avoid; }
tr.overdue td { background: #fde3e1; }
tr.overdue td:first-child { border-left: 4px solid #b3261e; font-weight: bold; }
span.overdue { color: #b3261e; font-weight: bold; }
dl { font-size: 8.5pt; color: #444; margin: .2em 0; }
dt { font-weight: bold; float: left; clear: left; width: 8em; }
dd { margin: 0 0 .2em 8.5em; }
"""


def monthly_report(
    store: Store,
    month: str,
    language: Language = "fr",
    public: bool = False,
    today: dt.date | None = None,
) -> str:
    """The report for ``month`` (``YYYY-MM``) in ``language``, as one self-contained HTML page.
    ``today`` (default: now, UTC) bounds the date measures are judged overdue at."""
    language = "en" if language == "en" else "fr"
    first, last = parse_report_month(month)
    year_first = _months_back(first, 11)
    day = today or clock().date()
    as_of = min(last, day)
    with store.reading() as connection:
        year = list_incidents(connection, year_first, last)
        start = pd.Timestamp(first, tz="UTC")
        in_month = year[year["occurred_at"] >= start].sort_values(["occurred_at", "id"])
        ids = [int(i) for i in year["id"]]
        amends = pd.DataFrame(
            connection.execute(
                select(harm_amends.c.incident_id, harm_amends.c.response).where(
                    harm_amends.c.incident_id.in_(ids)
                )
            ).all(),
            columns=["incident_id", "response"],
        )
        measures = list_measures(connection, today=as_of)
        occurred = {
            int(r[0]): r[1].date() if isinstance(r[1], dt.datetime) else r[1]
            for r in connection.execute(select(harm_incidents.c.id, harm_incidents.c.occurred_at))
        }
        references = {
            int(r[0]): r[1] or f"#{r[0]}"
            for r in connection.execute(select(harm_incidents.c.id, harm_incidents.c.reference))
        }
        linked = {int(r[0]) for r in connection.execute(select(measure_incidents.c.measure_id))}
        breakdowns: dict[str, list[tuple[str, list[str]]]] = {}
        if public:
            breakdowns = {
                by: _public_breakdown(connection, first, last, year_first, by, terms, language)
                for by, terms in (
                    ("category", categories()),
                    ("force", forces()),
                    ("activity", activities()),
                )
            }
    if not public:
        breakdowns = {
            by: _breakdown(in_month, year, by, terms, language)
            for by, terms in (
                ("category", categories()),
                ("force", forces()),
                ("activity", activities()),
            )
        }

    name = _month_name(first, language)
    parts: list[str] = []
    add = parts.append
    lang = "fr" if language == "fr" else "en"
    add(f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">')
    add(f"<title>{escape(_w('title', language))} · {escape(name)}</title>")
    add(f"<style>{STYLE}</style></head><body>")
    add(f"<h1>{escape(_w('title', language))}</h1>")
    add(f'<p class="period"><strong>{escape(name)}</strong> · '
        f"{escape(_w('year_long', language, month=name))}</p>")  # fmt: skip
    banner = _w("public", language, n=SMALL_COUNT) if public else _w("internal", language)
    add(f'<p class="banner{" public" if public else ""}">{escape(banner)}</p>')
    generated = _w("generated", language, day=clock().date().isoformat())
    add(f'<p class="note">{escape(generated)}. {escape(_w("ranges", language))}</p>')

    # key figures
    add(f"<h2>{escape(_w('key_figures', language))}</h2>")
    header = ["", _w("month", language), _w("year", language)]
    if public:
        values = [
            [len(in_month), len(year)],
            [int(in_month["killed_min"].sum()), int(year["killed_min"].sum())],
            [int(in_month["injured_min"].sum()), int(year["injured_min"].sum())],
        ]
        cells = [[_small(v) for v in row] for row in values]
    else:
        cells = [
            [str(len(in_month)), str(len(year))],
            [
                _range(int(in_month["killed_min"].sum()), int(in_month["killed_max"].sum())),
                _range(int(year["killed_min"].sum()), int(year["killed_max"].sum())),
            ],
            [
                _range(int(in_month["injured_min"].sum()), int(in_month["injured_max"].sum())),
                _range(int(year["injured_min"].sum()), int(year["injured_max"].sum())),
            ],
        ]
    add(_table("key-figures", header, [
        ("incidents", [_w("incidents", language), *cells[0]]),
        ("killed", [_w("killed", language), *cells[1]]),
        ("injured", [_w("injured", language), *cells[2]]),
    ]))  # fmt: skip

    # breakdowns
    for by, title in (("category", "by_category"), ("force", "by_force"),
                      ("activity", "by_activity")):  # fmt: skip
        add(f"<h2>{escape(_w(title, language))}</h2>")
        month_word, year_word = _w("month", language), _w("year", language)
        counted = [_w("incidents", language), _w("killed", language), _w("injured", language)]
        header = [_w(by, language), *counted, *counted]
        groups = [("", 1), (month_word, 3), (year_word, 3)]
        rows = breakdowns[by]
        add(
            _table(f"by-{by}", header, rows, groups=groups)
            if rows
            else f"<p>{_w('none', language)}</p>"
        )

    # confidence
    add(f"<h2>{escape(_w('confidence', language))}</h2>")
    add(f'<p class="note">{escape(_w("confidence_note", language))}</p>')
    grades = confidence_grades()
    add(_table("confidence", [_w("confidence", language), _w("month", language),
                              _w("year", language)],
               _counts(list(grades), list(in_month["confidence"]), list(year["confidence"]),
                       grades, language, public)))  # fmt: skip
    add("<dl>" + "".join(
        f"<dt>{escape(g.label(language))}</dt><dd>"
        f"{escape(g.definition_fr if language == 'fr' else g.definition_en)}</dd>"
        for g in grades.values()
    ) + "</dl>")  # fmt: skip

    # investigations
    add(f"<h2>{escape(_w('investigation', language))}</h2>")
    add(f'<p class="note">{escape(_w("investigation_note", language))}</p>')
    states = vocabulary("investigation")
    add(_table("investigation", [_w("status", language), _w("month", language),
                                 _w("year", language)],
               _counts(list(states), list(in_month["investigation"]),
                       list(year["investigation"]), states, language, public)))  # fmt: skip

    # amends
    add(f"<h2>{escape(_w('amends', language))}</h2>")
    add(f'<p class="note">{escape(_w("amends_note", language))}</p>')
    month_ids = {int(i) for i in in_month["id"]}
    month_amends = amends[amends["incident_id"].isin(month_ids)]
    answers = vocabulary("amends_response")
    offered_terms = {"offered": Term("offered", WORDS["offered"][0], WORDS["offered"][1])}
    amends_rows = _counts(
        ["offered"],
        ["offered"] * len(month_amends),
        ["offered"] * len(amends),
        offered_terms,
        language,
        public,
    )
    amends_rows += _counts(list(answers), list(month_amends["response"]),
                           list(amends["response"]), answers, language, public)  # fmt: skip
    add(_table("amends", ["", _w("month", language), _w("year", language)], amends_rows))

    # mitigation measures
    add(f"<h2>{escape(_w('measures', language))}</h2>")
    add(f'<p class="note">{escape(_w("measures_note", language, day=as_of.isoformat()))}</p>')
    shown_measures = [
        m for m in measures
        if m.id not in linked or any(occurred.get(i, last) <= last for i in m.incidents)
    ]  # fmt: skip
    kinds, statuses = vocabulary("measure_kind"), vocabulary("measure_status")
    measure_rows: list[tuple[str, list[str]]] = []
    classes: dict[str, str] = {}
    for m in sorted(shown_measures, key=lambda m: (not _late(m, as_of), m.due_date, m.id)):
        late = _late(m, as_of)
        status = _label(statuses, m.status, language)
        if m.status == "done" and m.done_on is not None:
            status = _w("done_on", language, day=m.done_on.isoformat())
            if m.done_on > as_of:
                status = f"{_w('not_done_by', language, day=as_of.isoformat())} ({status})"
        if late:
            status += f" — {_w('overdue', language, n=late)}"
            classes[str(m.id)] = "overdue"
        measure_rows.append((str(m.id), [
            m.title, _label(kinds, m.kind, language), m.owner, m.due_date.isoformat(), status,
            ", ".join(references.get(i, f"#{i}") for i in m.incidents
                      if occurred.get(i, last) <= last),
        ]))  # fmt: skip
    if measure_rows:
        add(_table("measures", [_w("measure", language), _w("kind", language),
                                _w("owner", language), _w("due", language),
                                _w("status", language), _w("motivated_by", language)],
                   measure_rows, classes, numeric=False))  # fmt: skip
    else:
        add(f"<p>{escape(_w('no_measures', language))}</p>")

    # the month's incidents
    add(f"<h2>{escape(_w('incidents_of_month', language))}</h2>")
    if in_month.empty:
        add(f"<p>{escape(_w('no_incidents', language))}</p>")
    else:
        grades_terms = confidence_grades()
        rows_out: list[tuple[str, list[str]]] = []
        for row in in_month.itertuples(index=False):
            r = row._asdict()
            if public:
                killed, injured = _small(r["killed_min"]), _small(r["injured_min"])
            else:
                killed = _range(int(r["killed_min"]), int(r["killed_max"]))
                injured = _range(int(r["injured_min"]), int(r["injured_max"]))
            line = [
                r["reference"] or f"#{r['id']}",
                r["occurred_at"].strftime("%Y-%m-%d"),
                r["place"] or "—",
                _label(forces(), r["force"], language),
                _label(activities(), r["activity"], language) if r["activity"] else "—",
                _label(categories(), r["category"], language),
                killed,
                injured,
                _label(grades_terms, r["confidence"], language),
                _label(states, r["investigation"], language),
            ]
            rows_out.append((str(r["id"]), line))
        header = [_w(k, language) for k in ("reference", "date", "place", "force", "activity",
                                            "category", "killed", "injured", "confidence",
                                            "status")]  # fmt: skip
        add(_table("month-incidents", header, rows_out, numeric=False))
    add("</body></html>\n")
    return "\n".join(parts)


def _small(value: int) -> str:
    """One count on its own, as the public report shows it."""
    return f"<{SMALL_COUNT}" if 0 < value < SMALL_COUNT else str(int(value))


def _late(measure: Any, as_of: dt.date) -> int:
    """Days a measure was overdue on ``as_of`` (0 if not): due before it and not done by it."""
    if measure.status == "dropped":
        return 0
    if measure.status == "done" and measure.done_on is not None and measure.done_on <= as_of:
        return 0
    return max((as_of - measure.due_date).days, 0)


def report_pdf(html: str) -> bytes:
    """The report as PDF (A4). WeasyPrint may not fetch anything: any URL other than a
    ``data:`` one is refused, so nothing leaves the machine and nothing outside is read."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class Offline(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("data:"):
                raise ValueError(f"the report may not fetch {url!r}")
            return super().fetch(url, headers)

    pdf: bytes = HTML(string=html, url_fetcher=Offline(), base_url=None).write_pdf()
    return pdf
