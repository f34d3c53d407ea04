"""Early-warning alerts: vocabularies (as data) and the lifecycle every alert follows.

An alert goes ``received → verified → assessed → decided → dispatched → on_site → closed``, one
step at a time, each with a timestamp and an owner. Short cuts exist only where the step after
makes no sense, and each is written in ``domain/data/alert_transitions.csv``:

* a **false** alert is closed once verified;
* an alert assessed as needing **no response** is closed once assessed;
* a **referral** or a decision of **no response** (with its reason) is closed once decided, since
  nobody from the mission goes on site.

A closed alert can be **reopened**, explicitly and with a reason: it returns to the state it was
closed from. An open alert can be **merged** into another alert about the same incident: both
records are kept, and the merged one leaves the counts (its primary alert carries them). A
**note** adds news to the timeline without changing the state.

:func:`check_transition` is pure: given where an alert stands and what is asked, it returns the
columns to change or raises :class:`TransitionError` saying why not.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sentinelle.domain.vocabulary import Language, Term

STATES = ("received", "verified", "assessed", "decided", "dispatched", "on_site", "closed")
OPEN_STATES = STATES[:-1]
TERMINAL = ("closed", "merged")
STEP_TIME = {
    "verified": "verified_at",
    "assessed": "assessed_at",
    "decided": "decided_at",
    "dispatched": "dispatched_at",
    "on_site": "on_site_at",
    "closed": "closed_at",
}
"""The alert column holding the time each state was reached."""
CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far in the future a step's time may lie (clocks of phones and servers differ)."""
MAX_CASUALTIES = 100_000


class TransitionError(ValueError):
    """A step that the lifecycle does not allow, or that lacks what it needs."""


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("sentinelle.domain").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def vocabulary(name: str) -> dict[str, Term]:
    """The codes and labels of one alert vocabulary: channel, state, verification, priority,
    urgency, precision, outcome, threatened_population (``alert_vocabulary.csv``)."""
    found = {
        r["code"]: Term(r["code"], r["label_en"], r["label_fr"])
        for r in _rows("alert_vocabulary.csv")
        if r["vocabulary"] == name
    }
    if not found:
        raise KeyError(f"no alert vocabulary {name!r}")
    return found


@dataclass(frozen=True)
class Decision(Term):
    response: bool  # counts as a response in the response rate
    on_site: bool  # goes through dispatched and on site


@cache
def decisions() -> dict[str, Decision]:
    return {
        r["code"]: Decision(
            r["code"], r["label_en"], r["label_fr"], r["response"] == "yes", r["on_site"] == "yes"
        )
        for r in _rows("alert_decisions.csv")
    }


@dataclass(frozen=True)
class Transition:
    action: str
    from_state: str  # "*" for any open state
    to_state: str  # "*" for the state it was closed from
    label_en: str
    label_fr: str
    requires: tuple[str, ...]

    def label(self, language: Language = "en") -> str:
        return self.label_fr if language == "fr" else self.label_en


@cache
def transitions() -> tuple[Transition, ...]:
    return tuple(
        Transition(
            r["action"],
            r["from_state"],
            r["to_state"],
            r["label_en"],
            r["label_fr"],
            tuple(r["requires"].split()),
        )
        for r in _rows("alert_transitions.csv")
    )


@dataclass(frozen=True)
class Measure(Term):
    kind: str  # rate | duration
    start: str
    end: str
    definition_en: str
    definition_fr: str

    def definition(self, language: Language = "en") -> str:
        return self.definition_fr if language == "fr" else self.definition_en


@cache
def measures() -> dict[str, Measure]:
    return {
        r["code"]: Measure(
            r["code"],
            r["label_en"],
            r["label_fr"],
            r["kind"],
            r["start"],
            r["end"],
            r["definition_en"],
            r["definition_fr"],
        )
        for r in _rows("alert_measures.csv")
    }


class TargetsError(ValueError):
    """A targets file with a mistake (file, row, column, value, expected)."""


def targets_file() -> Path | None:
    """The installation's own targets: ``$SENTINELLE_ALERT_TARGETS``, else
    ``$SENTINELLE_HOME/alert_targets.csv`` when it exists (default home ``var``)."""
    named = os.environ.get("SENTINELLE_ALERT_TARGETS")
    if named:
        return Path(named)
    path = Path(os.environ.get("SENTINELLE_HOME", "var")) / "alert_targets.csv"
    return path if path.is_file() else None


def _read_targets(path: Path) -> dict[tuple[str, str], float]:
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsError(f"{path}: cannot read the alert targets ({exc})") from None
    out: dict[tuple[str, str], float] = {}
    for number, row in enumerate(rows, start=2):
        for column, allowed in (("measure", measures()), ("priority", vocabulary("priority"))):
            value = (row.get(column) or "").strip()
            if value not in allowed:
                raise TargetsError(
                    f"{path}, row {number}, column {column!r}: {value!r} — expected one of "
                    f"{', '.join(allowed)}"
                )
        text = (row.get("hours") or "").strip()
        try:
            hours = float(text)
        except ValueError:
            hours = math.nan
        if not 0 < hours <= 10_000:
            raise TargetsError(
                f"{path}, row {number}, column 'hours': {text!r} — expected hours above 0 and "
                "at most 10,000"
            )
        out[(row["measure"].strip(), row["priority"].strip())] = hours
    return out


@cache
def targets() -> dict[tuple[str, str], float]:
    """Hours allowed per (measure, priority) before an alert is overdue: the packaged targets
    (``alert_targets.csv``), with the installation's own file (:func:`targets_file`, same
    columns) taking precedence row by row. Read once per process."""
    table = {(r["measure"], r["priority"]): float(r["hours"]) for r in _rows("alert_targets.csv")}
    own = targets_file()
    if own is not None:
        table.update(_read_targets(own))
    return table


@dataclass(frozen=True)
class Standing:
    """What the lifecycle needs to know about an alert."""

    state: str
    received_at: dt.datetime
    last_step_at: dt.datetime
    verification: str | None = None
    response_required: bool | None = None
    decision: str | None = None
    closed_from: str | None = None


def allowed_actions(standing: Standing) -> list[str]:
    """The actions open to an alert in its state (guards included)."""
    out = []
    for action in dict.fromkeys(t.action for t in transitions()):
        try:
            _target(standing, action)
        except TransitionError:
            continue
        out.append(action)
    return out


def _target(standing: Standing, action: str) -> str:
    state = standing.state
    if state == "merged":
        raise TransitionError("the alert was merged into another; act on that one")
    matching = [t for t in transitions() if t.action == action]
    if not matching:
        known = ", ".join(dict.fromkeys(t.action for t in transitions()))
        raise TransitionError(f"unknown action {action!r}: expected one of {known}")
    if action == "note":
        return state
    if action == "merge":
        if state == "closed":
            raise TransitionError("a closed alert cannot be merged; reopen it first")
        return "merged"
    if action == "reopen":
        if state != "closed":
            raise TransitionError(f"only a closed alert can be reopened; this one is {state}")
        return standing.closed_from or "received"
    found = [t for t in matching if t.from_state == state]
    if not found:
        sources = ", ".join(t.from_state for t in matching)
        raise TransitionError(
            f"cannot {action} an alert that is {state}: {action} follows {sources} "
            "(steps cannot be skipped)"
        )
    if action == "assess" and standing.verification == "false":
        raise TransitionError("a false alert is closed, not assessed")
    if action == "close":
        if state == "verified" and standing.verification != "false":
            raise TransitionError("only a false alert can be closed once verified; assess it")
        if state == "assessed" and standing.response_required is not False:
            raise TransitionError("an alert that requires a response cannot be closed undecided")
        if state == "decided" and _decision(standing.decision).on_site:
            raise TransitionError("a response that goes on site is dispatched before closing")
    if action == "decide" and standing.response_required is False:
        raise TransitionError("no response was required: close the alert instead")
    if action == "dispatch" and not _decision(standing.decision).on_site:
        raise TransitionError(f"a decision of {standing.decision!r} is not dispatched on site")
    return found[0].to_state


def _decision(code: str | None) -> Decision:
    if code is None or code not in decisions():
        raise TransitionError(f"unknown decision {code!r}")
    return decisions()[code]


def _code(values: Mapping[str, Any], field: str, vocabulary_name: str) -> str:
    value = values.get(field)
    options = decisions() if vocabulary_name == "decision" else vocabulary(vocabulary_name)
    if value is not None and not isinstance(value, str):
        raise TransitionError(f"{field} must be one of {', '.join(options)}")
    if value in (None, ""):
        raise TransitionError(f"{field} is required: one of {', '.join(options)}")
    if value not in options:
        raise TransitionError(f"{field} {value!r} is not one of {', '.join(options)}")
    return str(value)


def _text(values: Mapping[str, Any], field: str, required: bool, limit: int = 2000) -> str | None:
    value = values.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise TransitionError(f"{field} is required")
        return None
    if not isinstance(value, str):
        raise TransitionError(f"{field} must be text")
    if len(value) > limit or not plain_text(value):
        raise TransitionError(f"{field} must be at most {limit} characters of plain text")
    return value.strip()


def plain_text(value: str) -> bool:
    """No control characters (but newline and tab) and valid Unicode (no lone surrogates)."""
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _count(values: Mapping[str, Any], field: str) -> int | None:
    value = values.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CASUALTIES:
        raise TransitionError(f"{field} must be a whole number from 0 to {MAX_CASUALTIES}")
    return value


def step_time(standing: Standing, at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The time of a new step: ``at`` (default now), never before the alert's last step nor
    in the future."""
    if at is None:
        # "now", but never before the last step (another writer's clock may run ahead)
        return max(now, standing.last_step_at)
    moment = at
    if moment.tzinfo is None:
        raise TransitionError("the step's time needs a time zone (e.g. 2024-03-01T14:05Z)")
    if moment > now + CLOCK_SKEW:
        raise TransitionError(f"the step's time {moment.isoformat()} is in the future")
    if moment < standing.last_step_at:
        raise TransitionError(
            f"the step's time {moment.isoformat()} is before the alert's last step "
            f"({standing.last_step_at.isoformat()})"
        )
    return moment


def check_transition(
    standing: Standing, action: str, values: Mapping[str, Any], at: dt.datetime
) -> dict[str, Any]:
    """The alert columns that ``action`` changes (including ``state`` and the step's time
    column), or :class:`TransitionError`."""
    target = _target(standing, action)
    changes: dict[str, Any] = {"state": target}
    if action == "note":
        _text(values, "text", required=True, limit=4000)
        return changes
    if target in STEP_TIME:
        changes[STEP_TIME[target]] = at
    if action == "verify":
        changes["verification"] = _code(values, "verification", "verification")
    elif action == "assess":
        required = values.get("response_required")
        if not isinstance(required, bool):
            raise TransitionError("response_required is required: true or false")
        changes["response_required"] = required
        if required or values.get("priority") not in (None, ""):
            changes["priority"] = _code(values, "priority", "priority")
    elif action == "decide":
        decision = _code(values, "decision", "decision")
        changes["decision"] = decision
        reason = _text(values, "decision_reason", required=decision == "none")
        changes["decision_reason"] = reason
        changes["responding_unit"] = _text(values, "responding_unit", required=False, limit=200)
    elif action == "close":
        needs_outcome = standing.state in ("decided", "on_site")
        outcome = values.get("outcome")
        if outcome in (None, "") and not needs_outcome:
            outcome = None
        else:
            outcome = _code(values, "outcome", "outcome")
        changes.update(
            outcome=outcome,
            killed=_count(values, "killed"),
            injured=_count(values, "injured"),
            closed_from=standing.state,
        )
    elif action == "reopen":
        _text(values, "reason", required=True)
        changes.update(closed_at=None, outcome=None, killed=None, injured=None, closed_from=None)
        for state in STATES[STATES.index(target) + 1 :]:
            if state in STEP_TIME and state != "closed":
                changes[STEP_TIME[state]] = None
        if target in STEP_TIME:
            changes.pop(STEP_TIME[target])
    elif action == "merge":
        into = values.get("merged_into")
        if isinstance(into, bool) or not isinstance(into, int) or into < 1:
            raise TransitionError("merged_into is required: the id of the alert to merge into")
        changes["merged_into"] = into
    return changes


def label(name: str, code: str | None, language: Language = "en") -> str:
    """The label of a code in an alert vocabulary (or the decision list); '' for none."""
    if code is None:
        return ""
    terms: Mapping[str, Term] = decisions() if name == "decision" else vocabulary(name)
    term = terms.get(code)
    return term.label(language) if term else code
