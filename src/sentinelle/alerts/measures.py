"""Response figures: the rate and speed of response to alerts, by period and any breakdown.

The definitions are data (``domain/data/alert_measures.csv``, printed beside every table) and
targets too (``alert_targets.csv``). Figures are computed **as of a cut-off time**: a step counts
only if it had happened by then, so the figures for a past date can be reproduced and alerts
still open at the cut-off are treated the same way every time:

* **response rate** = alerts that received a response ÷ alerts assessed (by the cut-off) as
  requiring one. A response is a decision that counts as one (patrol, deployment, engagement,
  referral — ``alert_decisions.csv``) taken by the cut-off, and for decisions that go on site, a
  dispatch by the cut-off. Alerts still waiting count in the denominator, not the numerator, and
  are also counted as ``pending``.
* **time to decision** = receipt → decision, in hours, over alerts requiring a response that were
  decided by the cut-off (median and 90th percentile). ``decision_late`` counts alerts decided
  after their priority's target *and* alerts still undecided at the cut-off that are already past
  it; ``decision_within_target`` is the share of alerts whose outcome is known (decided, or
  already late) that met the target.
* **time to on site** = receipt → arrival on site, for decisions that go on site, the same way.

Alerts merged into another are left out (their primary alert carries the incident). Alerts are
counted in the period they were received.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sentinelle.domain.alerts import decisions, measures, targets

DIMENSIONS = (
    "admin1_pcode",
    "admin2_pcode",
    "channel",
    "threat_type",
    "priority",
    "responding_unit",
    "urgency",
)
"""Columns a table can be broken down by (besides the period)."""
FREQUENCIES = {"W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}
TABLE_COLUMNS = (
    "alerts",
    "requiring_response",
    "responded",
    "pending",
    "response_rate",
    "decided",
    "decision_median_h",
    "decision_p90_h",
    "decision_late",
    "decision_within_target",
    "on_site",
    "on_site_median_h",
    "on_site_p90_h",
    "on_site_late",
    "on_site_within_target",
)


def _target_hours(priority: pd.Series, measure: str) -> np.ndarray:
    table = targets()
    hours = {p: table[(measure, p)] for (m, p) in table if m == measure}
    return priority.map(hours).to_numpy(dtype=float, na_value=np.nan)


def _by(frame: pd.DataFrame, column: str, cutoff: pd.Timestamp) -> np.ndarray:
    """Whether the step stored in ``column`` had happened by the cut-off."""
    values = frame[column]
    return (values.notna() & (values <= cutoff)).to_numpy()


def flags(frame: pd.DataFrame, cutoff: dt.datetime) -> pd.DataFrame:
    """Per alert (rows of :func:`sentinelle.store.alerts.load_frame`): what had happened by the
    cut-off and how long it took, in hours."""
    moment = pd.Timestamp(cutoff).tz_convert("UTC")
    frame = frame[frame["merged_into"].isna() & (frame["received_at"] <= moment)]
    decision_table = decisions()
    response = frame["decision"].map({k: d.response for k, d in decision_table.items()})
    on_site_kind = frame["decision"].map({k: d.on_site for k, d in decision_table.items()})
    response = response.fillna(False).to_numpy(dtype=bool)
    on_site_kind = on_site_kind.fillna(False).to_numpy(dtype=bool)
    assessed = _by(frame, "assessed_at", moment)
    required = assessed & frame["response_required"].fillna(False).to_numpy(dtype=bool)
    decided = required & _by(frame, "decided_at", moment)
    dispatched = _by(frame, "dispatched_at", moment)
    arrived = _by(frame, "on_site_at", moment)
    responded = decided & response & (~on_site_kind | dispatched)
    received = frame["received_at"]
    hours = 3600.0
    decision_hours = ((frame["decided_at"] - received).dt.total_seconds() / hours).to_numpy()
    on_site_hours = ((frame["on_site_at"] - received).dt.total_seconds() / hours).to_numpy()
    waited = ((moment - received).dt.total_seconds() / hours).to_numpy()
    decision_target = _target_hours(frame["priority"], "decision_time")
    on_site_target = _target_hours(frame["priority"], "on_site_time")
    goes_on_site = decided & on_site_kind
    out = frame.copy()
    out["requiring_response"] = required
    out["responded"] = responded
    out["pending"] = required & ~responded
    out["decided"] = decided
    out["decision_hours"] = np.where(decided, decision_hours, np.nan)
    out["decision_late"] = required & np.where(
        decided, decision_hours > decision_target, waited > decision_target
    )
    out["decision_known"] = decided | out["decision_late"].to_numpy()
    out["goes_on_site"] = goes_on_site
    out["on_site"] = goes_on_site & arrived
    out["on_site_hours"] = np.where(goes_on_site & arrived, on_site_hours, np.nan)
    out["on_site_late"] = goes_on_site & np.where(
        arrived, on_site_hours > on_site_target, waited > on_site_target
    )
    out["on_site_known"] = out["on_site"].to_numpy() | out["on_site_late"].to_numpy()
    return out


def _aggregate(marked: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The figures per group of ``keys`` (or over everything), vectorised over groups."""
    counts = pd.DataFrame(
        {
            "alerts": np.ones(len(marked), dtype=np.int64),
            "requiring_response": marked["requiring_response"].to_numpy(np.int64),
            "responded": marked["responded"].to_numpy(np.int64),
            "pending": marked["pending"].to_numpy(np.int64),
            "decided": marked["decided"].to_numpy(np.int64),
            "decision_late": marked["decision_late"].to_numpy(np.int64),
            "decision_known": marked["decision_known"].to_numpy(np.int64),
            "on_site": marked["on_site"].to_numpy(np.int64),
            "on_site_late": marked["on_site_late"].to_numpy(np.int64),
            "on_site_known": marked["on_site_known"].to_numpy(np.int64),
        },
        index=marked.index,
    )
    hours = marked[["decision_hours", "on_site_hours"]]
    if keys:
        groups = [marked[k] for k in keys]
        sums = counts.groupby(groups, sort=True, observed=True).sum()
        grouped = hours.groupby(groups, sort=True, observed=True)
        medians = grouped.median()
        p90 = grouped.quantile(0.9)
    else:
        sums = counts.sum().to_frame().T
        medians = hours.median().to_frame().T
        p90 = hours.quantile(0.9).to_frame().T
    out = sums.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["response_rate"] = np.where(
            sums["requiring_response"] > 0, sums["responded"] / sums["requiring_response"], np.nan
        )
        out["decision_within_target"] = np.where(
            sums["decision_known"] > 0,
            (sums["decision_known"] - sums["decision_late"]) / sums["decision_known"],
            np.nan,
        )
        out["on_site_within_target"] = np.where(
            sums["on_site_known"] > 0,
            (sums["on_site_known"] - sums["on_site_late"]) / sums["on_site_known"],
            np.nan,
        )
    out["decision_median_h"] = medians["decision_hours"].to_numpy()
    out["decision_p90_h"] = p90["decision_hours"].to_numpy()
    out["on_site_median_h"] = medians["on_site_hours"].to_numpy()
    out["on_site_p90_h"] = p90["on_site_hours"].to_numpy()
    return out.reset_index() if keys else out.reset_index(drop=True)


def _summarise(marked: pd.DataFrame) -> dict[str, float]:
    row = _aggregate(marked, []).iloc[0]
    return {c: (int(row[c]) if c in COUNT_COLUMNS else float(row[c])) for c in TABLE_COLUMNS}


COUNT_COLUMNS = frozenset(
    {
        "alerts",
        "requiring_response",
        "responded",
        "pending",
        "decided",
        "decision_late",
        "on_site",
        "on_site_late",
    }
)


def response_table(
    frame: pd.DataFrame,
    cutoff: dt.datetime,
    by: Sequence[str] = (),
    freq: str | None = "M",
) -> pd.DataFrame:
    """The response figures of alerts received by ``cutoff``: one row per period (``freq``: W,
    M, Q, Y, or None for the whole span) and value of each column of ``by``
    (:data:`DIMENSIONS`). :func:`response_totals` gives the figures over everything. ``attrs``
    carry the cut-off, the definitions and the targets used, for printing beside the table."""
    return response_figures(frame, cutoff, by, freq)[0]


def response_figures(
    frame: pd.DataFrame,
    cutoff: dt.datetime,
    by: Sequence[str] = (),
    freq: str | None = "M",
) -> tuple[pd.DataFrame, dict[str, float]]:
    """:func:`response_table` and :func:`response_totals` from one pass over the alerts."""
    unknown = [c for c in by if c not in DIMENSIONS]
    if unknown:
        raise ValueError(f"cannot break down by {', '.join(unknown)}: expected {DIMENSIONS}")
    if freq is not None and freq not in FREQUENCIES:
        raise ValueError(f"period {freq!r}: expected one of {', '.join(FREQUENCIES)}")
    marked = flags(frame, cutoff)
    keys: list[str] = []
    if freq is not None:
        received = marked["received_at"].dt.tz_convert("UTC").dt.tz_localize(None)
        marked["period"] = received.dt.to_period(FREQUENCIES[freq])
        keys.append("period")
    keys += list(by)
    for key in by:
        marked[key] = marked[key].astype("string").fillna("unknown")
    if keys:
        table = _aggregate(marked, keys)[[*keys, *TABLE_COLUMNS]]
    else:
        table = _aggregate(marked, [])[list(TABLE_COLUMNS)]
    table.attrs["cutoff"] = pd.Timestamp(cutoff).isoformat()
    table.attrs["definitions"] = {code: m.definition_en for code, m in measures().items()}
    table.attrs["definitions_fr"] = {code: m.definition_fr for code, m in measures().items()}
    table.attrs["targets"] = {f"{m} {p}": h for (m, p), h in targets().items()}
    return table, _summarise(marked)


def response_totals(frame: pd.DataFrame, cutoff: dt.datetime) -> dict[str, float]:
    """The figures over every alert received by the cut-off."""
    return _summarise(flags(frame, cutoff))


@dataclass(frozen=True)
class Deadline:
    """The target an open alert runs against, if any."""

    priority: str | None  # the assessed priority, or the urgency of an unassessed alert
    measure: str | None  # decision_time | on_site_time
    due_at: dt.datetime | None
    overdue: bool


def effective_priority(row: Mapping[str, Any]) -> str | None:
    """The alert's priority once assessed, else its urgency."""
    priority = row.get("priority")
    if priority:
        return str(priority)
    if row.get("assessed_at") is None and row.get("urgency"):
        return str(row["urgency"])
    return None


def deadline(row: Mapping[str, Any], now: dt.datetime) -> Deadline:
    """An open alert's target (``alert_targets.csv``): the decision time while it awaits a
    decision (not for a false alert, nor one assessed as needing no response), the on-site time
    once an on-site response is decided and until it is on site. Alerts without a priority (or
    urgency) have none."""
    priority = effective_priority(row)
    state = row.get("state")
    measure = None
    if state in ("received", "verified", "assessed"):
        if row.get("verification") != "false" and row.get("response_required") is not False:
            measure = "decision_time"
    elif state in ("decided", "dispatched"):
        decision = decisions().get(str(row.get("decision")))
        if decision is not None and decision.on_site:
            measure = "on_site_time"
    hours = targets().get((measure, priority)) if measure and priority else None
    received = row.get("received_at")
    if hours is None or not isinstance(received, dt.datetime):
        return Deadline(priority, None, None, False)
    due = received + dt.timedelta(hours=hours)
    return Deadline(priority, measure, due, now > due)


def overdue(frame: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    """Open alerts with the step they wait for, hours waited, the target and whether past it
    (:func:`deadline`, the rule the alert board uses), overdue first, longest wait first."""
    moment = pd.Timestamp(now).tz_convert("UTC")
    open_alerts = frame[~frame["state"].isin(["closed", "merged"])].copy()
    rows = open_alerts.astype(object).where(open_alerts.notna(), None).to_dict("records")
    for row in rows:
        row["received_at"] = pd.Timestamp(row["received_at"]).to_pydatetime()
    found = [deadline(row, moment.to_pydatetime()) for row in rows]
    hours = (moment - open_alerts["received_at"]).dt.total_seconds() / 3600.0
    waiting = ~open_alerts["state"].isin(["decided", "dispatched", "on_site"])
    open_alerts["waiting_for"] = np.where(waiting, "decision", "on_site")
    open_alerts["hours_waited"] = hours.to_numpy()
    table = targets()
    open_alerts["target_hours"] = [
        table[(d.measure, d.priority)] if d.measure and d.priority else np.nan for d in found
    ]
    open_alerts["overdue"] = [d.overdue for d in found]
    return open_alerts.sort_values(
        ["overdue", "hours_waited"], ascending=[False, False], ignore_index=True
    )
