"""Threat actors: who commits violence against civilians, where, how much, with what trend, and
against whom.

**Actor families.** ACLED names hundreds of actors ("JNIM: Group for Support of Islam and
Muslims", "Dozo Militia", "Military Forces of Mali (2013-2020)"...). For a threat picture they are
grouped into a few *families* with French and English labels (``threat/data/
actor_family_names.csv``): JNIM and affiliates; Islamic State Sahel; other or unattributed jihadist
groups; Dan Na Ambassagou, Dozo and Dogon/Bambara militias; Fulani (Peul) militias; other communal
militias; Malian state forces; foreign forces; the mission (MINUSMA); signatory armed groups and
other northern movements; unidentified armed groups; civilians; protesters and rioters; other.

The mapping is data, not code: ``threat/data/actor_families.csv`` lists rules
``pattern_type, pattern, family, priority, note``:

* ``exact`` — the whole name, ignoring case and repeated spaces;
* ``prefix`` — the name starts with the pattern, followed by the end of the name or a character
  that is not a letter or digit (``JNIM`` matches "JNIM: Group..." but ``ADC`` does not match
  "ADCX");
* ``regex`` — a Python regular expression searched anywhere in the name, ignoring case (anchor
  it with ``^`` to match the start).

The rule with the **lowest priority number** wins; on a tie ``exact`` beats ``prefix`` beats
``regex``, a user's rule beats a packaged one, then the earlier row wins. A name no rule matches
is ``other``. An analyst adds or corrects rules without touching code in
``$SENTINELLE_HOME/actor_families.csv`` (same columns; checked when read, with the file, row,
column, value and what was expected for every mistake); its rules are added to the packaged ones.

**Perpetrator rule.** Violence against civilians (VAC) is the ACLED event type, plus events
flagged ``civilian_targeting`` (as in :mod:`sentinelle.panel`). ACLED codes the perpetrator of a
VAC event as ``actor1`` and the civilians as ``actor2``. When ``actor1`` is itself civilians (ACLED
``inter1`` = 7, or a name of the ``civilians`` family when ``inter1`` is missing) and ``actor2`` is
not, the perpetrator is ``actor2``. The perpetrator's family comes from that actor's name only,
not from its associated actors.

**Victim groups.** The civilian side is the other actor; its associated actors
(``assoc_actor_2``, or ``assoc_actor_1`` when the sides are swapped) name the victims' group, e.g.
"Fulani Ethnic Group (Mali); Pastoralists (Mali)". They are matched with the victim-group rules
(``threat/data/victim_groups.csv``, same format, user rules in
``$SENTINELLE_HOME/victim_groups.csv``) together with the civilian actor's own name (so
"Civilians (International)" gives foreign nationals). Each event gets **one** group so that counts
add up: the matching rule with the lowest priority number (ethnic groups first, then aid and
health workers, teachers, journalists and officials, displaced people, women, livelihood and
religious groups, foreign nationals). When nothing matches: ``linked_to_armed_actors`` if an
associated actor belongs to an armed, state or international family (e.g. "Government of Mali"
is matched earlier as officials, but "MINUSMA: ..." lands here), ``other_named`` when groups are
named but unmatched, ``unspecified`` ("civilians (unspecified)") when none is named.

**Tables.** :func:`families_by_unit` and :func:`victims_by_unit` give events and fatalities keyed
``(period, unit, family[, victim_group])``: only combinations with events appear (no explicit
zeros). :func:`family_trend` compares the last 3 months with the 12 before them (see there).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from sentinelle.config import settings_from_env
from sentinelle.domain.places import UnitKind
from sentinelle.domain.vocabulary import VAC, Term
from sentinelle.geo.crosswalk import CHOICE_NOTE, to_pre2016
from sentinelle.panel import UNIT_COLUMN, Geography
from sentinelle.readers.problems import Problem
from sentinelle.store import events as event_store

STRING = pd.StringDtype("pyarrow")
PatternType = Literal["exact", "prefix", "regex"]
PATTERN_TYPES: tuple[PatternType, ...] = ("exact", "prefix", "regex")
OTHER = "other"
CIVILIANS = "civilians"
UNSPECIFIED = "unspecified"
LINKED = "linked_to_armed_actors"
OTHER_NAMED = "other_named"
CIVILIANS_INTER = 7  # ACLED inter code of civilians
DEFAULT_PRIORITY = 50
FAMILY_OVERRIDE = "actor_families.csv"
"""File name of the user's actor-family rules, in ``SENTINELLE_HOME``."""
VICTIM_OVERRIDE = "victim_groups.csv"
"""File name of the user's victim-group rules, in ``SENTINELLE_HOME``."""
NON_ARMED_FAMILIES = frozenset({CIVILIANS, "protesters_rioters", OTHER})
Period = Literal["M", "Q", "Y"]
EVENT_COLUMNS = (
    "event_date",
    "event_type",
    "civilian_targeting",
    "fatalities",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "admin1_pcode",
    "admin2_pcode",
    "priogrid_gid",
)
"""The event columns the functions of this module read."""


# --- rule tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One line of a rule table: names matching ``pattern`` belong to ``category``."""

    pattern_type: PatternType
    pattern: str
    category: str
    priority: int
    note: str = ""
    origin: str = "packaged"  # or the user's file
    row: int = 0  # spreadsheet row in its file (header = 1)


class RuleTableError(ValueError):
    """A rule table (normally the user's override file) has mistakes; ``problems`` lists each
    with its file, row, column, value and what was expected."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} mistake(s) in the rule table:\n{lines}")


def read_rules(
    text: str, file: str, category_column: str, categories: Iterable[str], origin: str
) -> list[Rule]:
    """Parse and check a rule table (columns ``pattern_type, pattern, <category_column>,
    priority, note``; ``priority`` and ``note`` may be left out). Raises :class:`RuleTableError`
    listing every mistake."""
    allowed = list(categories)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    required = ("pattern_type", "pattern", category_column)
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "nothing"
        raise RuleTableError(
            [
                Problem(
                    file, 1, None, None,
                    f"missing column(s) {', '.join(missing)}; expected the header "
                    f"pattern_type,pattern,{category_column},priority,note (found: {found})",
                )
            ]
        )  # fmt: skip
    where = {name: i for i, name in enumerate(header)}
    rules: list[Rule] = []
    problems: list[Problem] = []
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            problems.append(
                Problem(
                    file, number, None, None,
                    f"the row has {len(record)} fields; the header has {len(header)} "
                    "(quote values holding commas)",
                )
            )  # fmt: skip
            continue

        def cell(name: str, record: list[str] = record) -> str:
            i = where.get(name)
            return record[i].strip() if i is not None and i < len(record) else ""

        bad = False

        def report(column: str, value: str, expected: str, row: int = number) -> None:
            nonlocal bad
            bad = True
            problems.append(Problem(file, row, column, value or None, expected))

        kind = cell("pattern_type").lower()
        if kind not in PATTERN_TYPES:
            report("pattern_type", cell("pattern_type"), "expected exact, prefix or regex")
        pattern = cell("pattern")
        if not pattern:
            report("pattern", pattern, "missing; expected an actor name or pattern")
        elif kind == "regex":
            try:
                re.compile(pattern)
            except re.error as exc:
                report("pattern", pattern, f"not a valid regular expression ({exc})")
        category = cell(category_column)
        if category not in allowed:
            report(category_column, category, f"expected one of {', '.join(allowed)}")
        priority_text = cell("priority")
        priority = DEFAULT_PRIORITY
        if priority_text:
            if re.fullmatch(r"\d{1,4}", priority_text):
                priority = int(priority_text)
            else:
                report("priority", priority_text, "expected a whole number from 0 to 9999")
        if not bad:
            pattern_type = PATTERN_TYPES[PATTERN_TYPES.index(kind)]  # typed as a PatternType
            rule = Rule(pattern_type, pattern, category, priority, cell("note"), origin, number)
            rules.append(rule)
    if problems:
        raise RuleTableError(problems)
    return rules


class NameRules:
    """Ordered rules mapping names to categories (actor families or victim groups)."""

    def __init__(self, rules: Iterable[Rule], categories: Mapping[str, Term]) -> None:
        self.categories = dict(categories)
        rank = {"exact": 0, "prefix": 1, "regex": 2}
        self.rules: tuple[Rule, ...] = tuple(
            sorted(
                rules,
                key=lambda r: (r.priority, rank[r.pattern_type], r.origin == "packaged", r.row),
            )
        )
        self._compiled = [_compile(rule) for rule in self.rules]

    def match(self, names: pd.Series) -> tuple[pd.Series, pd.Series]:
        """(category, priority) of each name: the winning rule's, or missing when no rule
        matches or the name is missing. Each distinct name is matched once."""
        codes, uniques = pd.factorize(names, use_na_sentinel=True)
        texts = [" ".join(str(u).split()) for u in uniques]
        found = np.full(len(texts) + 1, None, dtype=object)  # the last slot: missing names
        priority = np.full(len(texts) + 1, np.nan)
        todo = list(range(len(texts)))
        for rule, compiled in zip(self.rules, self._compiled, strict=True):
            if not todo:
                break
            hits = [i for i in todo if compiled.search(texts[i]) is not None]
            if hits:
                found[hits] = rule.category
                priority[hits] = rule.priority
                done = set(hits)
                todo = [i for i in todo if i not in done]
        return (
            pd.Series(found[codes], index=names.index, dtype=STRING),
            pd.Series(priority[codes], index=names.index, dtype="float64"),
        )

    def explain(self, name: str) -> Rule | None:
        """The rule that decides ``name``'s category (None when no rule matches)."""
        text = " ".join(name.split())
        for rule, compiled in zip(self.rules, self._compiled, strict=True):
            if compiled.search(text) is not None:
                return rule
        return None


def _compile(rule: Rule) -> re.Pattern[str]:
    """A rule as one regular expression (names are compared with spaces collapsed)."""
    if rule.pattern_type == "regex":
        return re.compile(rule.pattern, re.IGNORECASE)
    text = re.escape(" ".join(rule.pattern.split()))
    tail = r"(?!\w)" if rule.pattern_type == "prefix" else r"\Z"
    return re.compile("^" + text + tail, re.IGNORECASE)


def _data(name: str) -> str:
    return resources.files("sentinelle.threat").joinpath("data", name).read_text(encoding="utf-8")


def _terms(name: str, column: str) -> dict[str, Term]:
    rows = csv.DictReader(io.StringIO(_data(name)))
    return {r[column]: Term(r[column], r["label_en"], r["label_fr"]) for r in rows}


@cache
def actor_families() -> dict[str, Term]:
    """The actor families, in display order, with English and French labels."""
    return _terms("actor_family_names.csv", "family")


@cache
def victim_groups() -> dict[str, Term]:
    """The victim groups, in display order, with English and French labels."""
    return _terms("victim_group_names.csv", "group")


def _override_path(home: Path | None, name: str) -> Path:
    return (home if home is not None else settings_from_env().home) / name


@cache
def _table(
    data: str, column: str, names: str, override: Path | None, stamp: float | None
) -> NameRules:
    categories = _terms(names, column)
    packaged = f"sentinelle/threat/data/{data}"
    rules = read_rules(_data(data), packaged, column, categories, "packaged")
    if override is not None:
        user = override.read_text(encoding="utf-8-sig")
        rules = read_rules(user, str(override), column, categories, str(override)) + rules
    return NameRules(rules, categories)


def _rules_with_override(
    data: str, column: str, names: str, home: Path | None, file_name: str
) -> NameRules:
    path = _override_path(home, file_name)
    if path.is_file():
        return _table(data, column, names, path, path.stat().st_mtime)
    return _table(data, column, names, None, None)


def family_table(home: Path | None = None) -> NameRules:
    """The actor-family rules: the packaged table plus ``<home>/actor_families.csv`` when it
    exists (``home`` defaults to ``SENTINELLE_HOME``). Raises :class:`RuleTableError` when the
    user's file has mistakes. Re-read when the file changes."""
    return _rules_with_override(
        "actor_families.csv", "family", "actor_family_names.csv", home, FAMILY_OVERRIDE
    )


def victim_table(home: Path | None = None) -> NameRules:
    """The victim-group rules: the packaged table plus ``<home>/victim_groups.csv``."""
    return _rules_with_override(
        "victim_groups.csv", "group", "victim_group_names.csv", home, VICTIM_OVERRIDE
    )


# --- names to families and groups ---------------------------------------------------------------


def family_of(names: pd.Series, table: NameRules | None = None) -> pd.Series:
    """The actor family of each ACLED actor name (``other`` when no rule matches; missing
    where the name is missing). Vectorised: each distinct name is matched once."""
    table = table if table is not None else family_table()
    family, _ = table.match(names)
    return family.where(family.notna() | names.isna(), OTHER).astype(STRING)


def unmapped(names: pd.Series, table: NameRules | None = None) -> pd.Series:
    """How often each name falls into ``other``, most frequent first: the rules to add."""
    family = family_of(names, table)
    left = names[(family == OTHER).to_numpy(dtype=bool, na_value=False)]
    return left.value_counts()


def victim_group_of(
    civilian_actor: pd.Series,
    associated: pd.Series,
    table: NameRules | None = None,
    families: NameRules | None = None,
) -> pd.Series:
    """The victims' group of each event from the civilian actor's name and its associated
    actors (``;``-separated), by the rules described in the module note."""
    table = table if table is not None else victim_table()
    index = civilian_actor.index
    position = np.arange(len(index))
    parts = associated.astype(STRING).str.split(";").explode()
    named = pd.DataFrame(
        {
            "event": np.concatenate([position, np.repeat(position, _counts(associated))]),
            "name": pd.concat(
                [civilian_actor.astype(STRING), parts.astype(STRING)], ignore_index=True
            ).str.strip(),
            "associated": np.concatenate(
                [np.zeros(len(index), dtype=bool), np.ones(len(parts), dtype=bool)]
            ),
        }
    )
    named = named[named["name"].notna() & (named["name"] != "")]
    group, rank = table.match(named["name"])
    named["group"], named["rank"] = group.to_numpy(), rank.to_numpy()
    result = np.full(len(index), UNSPECIFIED, dtype=object)
    matched = named[named["group"].notna()].sort_values(["event", "rank"], kind="stable")
    first = matched.drop_duplicates("event")
    result[first["event"].to_numpy()] = first["group"].to_numpy()
    rest = named[named["associated"] & ~named["event"].isin(first["event"])]
    if len(rest):
        family = family_of(rest["name"], families)
        armed = ~family.isin(list(NON_ARMED_FAMILIES)).to_numpy(dtype=bool, na_value=False)
        result[rest["event"].to_numpy()] = OTHER_NAMED
        result[rest["event"].to_numpy()[armed]] = LINKED
    return pd.Series(result, index=index, dtype=STRING)


def _counts(associated: pd.Series) -> np.ndarray:
    """How many ``;``-separated parts each value has (1 for a missing value, as explode)."""
    return associated.astype(STRING).str.count(";").fillna(0).to_numpy(dtype="int64") + 1


# --- violence against civilians -----------------------------------------------------------------


def is_vac(events: pd.DataFrame) -> np.ndarray:
    """Violence against civilians: the ACLED event type, or flagged civilian targeting."""
    vac = (events["event_type"] == VAC).to_numpy(dtype=bool, na_value=False)
    if "civilian_targeting" in events.columns:
        vac = vac | events["civilian_targeting"].to_numpy(dtype=bool, na_value=False)
    return vac


def _is_civilian(names: pd.Series, inter: pd.Series, families: NameRules | None) -> np.ndarray:
    code = pd.to_numeric(inter).to_numpy(dtype="float64", na_value=np.nan)
    by_name = (family_of(names, families) == CIVILIANS).to_numpy(dtype=bool, na_value=False)
    return np.where(np.isnan(code), by_name, code == CIVILIANS_INTER)


def vac_actors(
    events: pd.DataFrame,
    families: NameRules | None = None,
    victims: NameRules | None = None,
) -> pd.DataFrame:
    """The VAC events of ``events`` with ``perpetrator``, ``family`` (the perpetrator's),
    ``civilian_actor``, ``victim_group`` added (see the module note for the rules)."""
    frame = events[is_vac(events)].copy()
    for column in ("actor2", "assoc_actor_1", "assoc_actor_2", "inter1", "inter2"):
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="object")
    actor1, actor2 = frame["actor1"].astype(STRING), frame["actor2"].astype(STRING)
    swap = (
        _is_civilian(actor1, frame["inter1"], families)
        & actor2.notna().to_numpy()
        & ~_is_civilian(actor2, frame["inter2"], families)
    )
    frame["perpetrator"] = actor1.where(~swap, actor2)
    frame["family"] = family_of(frame["perpetrator"], families).fillna(OTHER)
    frame["civilian_actor"] = actor2.where(~swap, actor1)
    associated = (
        frame["assoc_actor_2"].astype(STRING).where(~swap, frame["assoc_actor_1"].astype(STRING))
    )
    frame["victim_group"] = victim_group_of(frame["civilian_actor"], associated, victims, families)
    return frame


def _units(frame: pd.DataFrame, unit_kind: UnitKind, geography: Geography) -> pd.Series:
    values = frame[UNIT_COLUMN[unit_kind]]
    if unit_kind == "priogrid":
        return pd.to_numeric(values).astype("Int64").astype(STRING)
    values = values.astype(STRING)
    return to_pre2016(values) if geography == "pre2016" else values


def _grouped(
    events: pd.DataFrame,
    keys: list[str],
    unit_kind: UnitKind,
    freq: Period,
    geography: Geography,
    families: NameRules | None,
    victims: NameRules | None,
) -> pd.DataFrame:
    frame = vac_actors(events, families, victims)
    frame["period"] = pd.to_datetime(frame["event_date"]).dt.to_period(freq)
    frame["unit"] = _units(frame, unit_kind, geography)
    frame["fatalities"] = pd.to_numeric(frame["fatalities"]).fillna(0)
    usable = frame["unit"].notna() & frame["period"].notna()
    columns = ["period", "unit", *keys]
    table = (
        frame[usable]
        .groupby(columns, observed=True, sort=True)
        .agg(events=("fatalities", "size"), fatalities=("fatalities", "sum"))
        .reset_index()
    )
    table["events"] = table["events"].astype("int64")
    table["fatalities"] = table["fatalities"].astype("int64")
    for key in ("unit", *keys):
        table[key] = table[key].astype(STRING)
    table.attrs.update(
        {
            "unit_kind": unit_kind,
            "freq": freq,
            "geography": geography,
            "geography_note": CHOICE_NOTE if geography == "pre2016" else "",
            "vac_events": len(frame),
            "events_without_unit": int((~usable).sum()),
            "rule": "perpetrator = actor1, or actor2 when actor1 is civilians (ACLED inter 7)",
        }
    )
    return table


def families_by_unit(
    events: pd.DataFrame,
    unit_kind: UnitKind = "admin2",
    freq: Period = "M",
    geography: Geography = "as-placed",
    families: NameRules | None = None,
) -> pd.DataFrame:
    """Who commits violence against civilians, where and how much: VAC ``events`` and
    ``fatalities`` keyed ``(period, unit, family)``.

    ``events`` has the columns of :data:`EVENT_COLUMNS` (e.g. from :func:`load_vac_events`);
    ``period`` is a pandas period of ``freq`` (M month, Q quarter, Y year); ``unit`` a P-code
    or a PRIO-GRID id (as text), in pre-2016 geography when asked. Events without a unit at that
    level are left out and counted in ``attrs["events_without_unit"]``.
    """
    return _grouped(events, ["family"], unit_kind, freq, geography, families, None)


def victims_by_unit(
    events: pd.DataFrame,
    unit_kind: UnitKind = "admin2",
    freq: Period = "M",
    geography: Geography = "as-placed",
    families: NameRules | None = None,
    victims: NameRules | None = None,
) -> pd.DataFrame:
    """Against whom: VAC ``events`` and ``fatalities`` keyed
    ``(period, unit, family, victim_group)`` (one victim group per event)."""
    return _grouped(
        events, ["family", "victim_group"], unit_kind, freq, geography, families, victims
    )


TREND_LABELS: dict[str, Term] = {
    "new": Term("new", "new", "nouveau"),
    "increasing": Term("increasing", "increasing", "en hausse"),
    "stable": Term("stable", "stable", "stable"),
    "decreasing": Term("decreasing", "decreasing", "en baisse"),
    "ended": Term("ended", "no recent events", "aucun événement récent"),
}


def family_trend(
    monthly: pd.DataFrame,
    as_of: pd.Period | None = None,
    recent: int = 3,
    prior: int = 12,
    factor: float = 1.5,
) -> pd.DataFrame:
    """Trend of each (unit, family): the monthly rate of its VAC events in the ``recent``
    months ending ``as_of`` (default: the last month in ``monthly``) against the rate in the
    ``prior`` months before them.

    ``monthly`` is :func:`families_by_unit` with ``freq="M"``. Labels: ``new`` (no prior
    events), ``ended`` (no recent events), ``increasing`` (recent rate ≥ ``factor`` × prior
    rate and at least 2 recent events), ``decreasing`` (recent rate ≤ prior rate / ``factor``),
    ``stable`` otherwise. A deliberately simple comparison of counts, without a test of
    significance (:mod:`sentinelle.threat.trend` has one); pairs with no events in the whole
    window have no row.
    """
    columns = ["unit", "family", "events_recent", "events_prior", "rate_recent", "rate_prior",
               "ratio", "trend"]  # fmt: skip
    if monthly.empty:
        return pd.DataFrame(columns=columns)
    as_of = as_of if as_of is not None else monthly["period"].max()
    assert as_of is not None
    end = as_of.ordinal
    offset = end - pd.PeriodIndex(monthly["period"]).asi8
    window = (offset >= 0) & (offset < recent + prior)
    part = monthly[window].assign(
        recent=np.where(offset[window] < recent, monthly["events"][window], 0),
        prior=np.where(offset[window] >= recent, monthly["events"][window], 0),
    )
    table = part.groupby(["unit", "family"], observed=True)[["recent", "prior"]].sum()
    table = table.reset_index().rename(columns={"recent": "events_recent", "prior": "events_prior"})
    table["rate_recent"] = table["events_recent"] / recent
    table["rate_prior"] = table["events_prior"] / prior
    with np.errstate(divide="ignore", invalid="ignore"):
        table["ratio"] = table["rate_recent"] / table["rate_prior"]
    trend = np.select(
        [
            table["events_prior"] == 0,
            table["events_recent"] == 0,
            (table["ratio"] >= factor) & (table["events_recent"] >= 2),
            table["ratio"] <= 1 / factor,
        ],
        ["new", "ended", "increasing", "decreasing"],
        "stable",
    )
    table["trend"] = pd.Series(trend, index=table.index, dtype=STRING)
    table.attrs.update({"as_of": str(as_of), "recent_months": recent, "prior_months": prior})
    return table[columns]


def load_vac_events(
    connection: Connection,
    first: pd.Period | None = None,
    last: pd.Period | None = None,
    sources: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Stored events of the months ``first``..``last`` (inclusive, all when None) with the
    columns of :data:`EVENT_COLUMNS`, violence against civilians only."""
    start = first.start_time if first is not None else None
    end = last.end_time.normalize() if last is not None else None
    frame = event_store.load_events(
        connection, columns=EVENT_COLUMNS, sources=sources, start=start, end=end
    )
    return frame[is_vac(frame)].reset_index(drop=True)


def label(code: str, language: Literal["en", "fr"] = "fr") -> str:
    """The label of an actor family, a victim group or a trend in ``language``."""
    for terms in (actor_families(), victim_groups(), TREND_LABELS):
        if code in terms:
            return terms[code].label(language)
    return code
