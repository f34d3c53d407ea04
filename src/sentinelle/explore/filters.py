"""The event filters shared by the web pages, the API and exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_

from sentinelle.domain.months import MonthError, parse_month
from sentinelle.domain.vocabulary import VAC, event_types
from sentinelle.store.schema import event_counts, events


class FilterError(ValueError):
    """A filter value that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class EventQuery:
    """Which events to look at. Every field is optional; empty means no restriction.

    ``start``/``end`` are months (``YYYY-MM``, inclusive); ``region`` and ``cercle`` P-codes;
    ``event_types`` ACLED event types; ``actor`` a part of an actor's name; ``q`` words to find in
    the notes, location or actors; ``sources`` e.g. acled, ucdp, mission, demo; ``vac_only``
    keeps violence against civilians (the type, or civilian targeting).
    """

    start: str | None = None
    end: str | None = None
    region: str | None = None
    cercle: str | None = None
    event_types: tuple[str, ...] = ()
    actor: str | None = None
    q: str | None = None
    sources: tuple[str, ...] = ()
    vac_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(
        cls,
        start: str | None = None,
        end: str | None = None,
        region: str | None = None,
        cercle: str | None = None,
        event_type: list[str] | None = None,
        actor: str | None = None,
        q: str | None = None,
        source: list[str] | None = None,
        vac_only: bool = False,
    ) -> EventQuery:
        """Build a query from request parameters, refusing bad values with a precise message."""
        clean = [t for t in (event_type or []) if t]
        unknown = sorted(set(clean) - set(event_types()))
        if unknown:
            raise FilterError(
                f"unknown event type(s) {', '.join(unknown)}; expected {', '.join(event_types())}"
            )
        for name, value in (("start", start), ("end", end)):
            if value:
                try:
                    parse_month(value)
                except MonthError as exc:
                    raise FilterError(f"{name}: {exc}") from None
        if start and end and parse_month(end) < parse_month(start):
            raise FilterError("the period ends before it starts")
        return cls(
            start=start or None,
            end=end or None,
            region=(region or "").strip() or None,
            cercle=(cercle or "").strip() or None,
            event_types=tuple(clean),
            actor=(actor or "").strip() or None,
            q=(q or "").strip() or None,
            sources=tuple(s for s in (source or []) if s),
            vac_only=vac_only,
        )

    def with_(self, **changes: Any) -> EventQuery:
        return replace(self, **changes)

    @property
    def first_day(self) -> dt.date | None:
        return parse_month(self.start).start_time.date() if self.start else None

    @property
    def last_day(self) -> dt.date | None:
        return parse_month(self.end).end_time.date() if self.end else None

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions on the ``events`` table."""
        found: list[ColumnElement[bool]] = []
        if self.first_day:
            found.append(events.c.event_date >= self.first_day)
        if self.last_day:
            found.append(events.c.event_date <= self.last_day)
        if self.region:
            found.append(events.c.admin1_pcode == self.region)
        if self.cercle:
            found.append(events.c.admin2_pcode == self.cercle)
        if self.event_types:
            found.append(events.c.event_type.in_(self.event_types))
        if self.sources:
            found.append(events.c.source.in_(self.sources))
        if self.vac_only:
            found.append(or_(events.c.event_type == VAC, events.c.civilian_targeting.is_(True)))
        if self.actor:
            pattern = f"%{self.actor.lower()}%"
            found.append(
                or_(
                    func.lower(events.c.actor1).like(pattern),
                    func.lower(events.c.actor2).like(pattern),
                    func.lower(events.c.assoc_actor_1).like(pattern),
                    func.lower(events.c.assoc_actor_2).like(pattern),
                )
            )
        if self.q:
            for word in self.q.lower().split()[:8]:
                pattern = f"%{word}%"
                found.append(
                    or_(
                        func.lower(events.c.notes).like(pattern),
                        func.lower(events.c.location).like(pattern),
                        func.lower(events.c.actor1).like(pattern),
                        func.lower(events.c.actor2).like(pattern),
                        func.lower(events.c.source_id).like(pattern),
                    )
                )
        return found

    @property
    def needs_events(self) -> bool:
        """Whether the query filters on something the event counts summary does not keep
        (actors, free text), so that counts must be read from the events themselves."""
        return bool(self.actor or self.q)

    def counts_where(self) -> ColumnElement[bool]:
        """The query as conditions on ``event_counts`` (months, places, types, sources, VAC);
        only for queries that do not :attr:`need the events <needs_events>`."""
        if self.needs_events:
            raise ValueError("actor and free-text filters need the events table")
        found: list[ColumnElement[bool]] = []
        if self.start:
            found.append(event_counts.c.month >= parse_month(self.start).start_time.date())
        if self.end:
            found.append(event_counts.c.month <= parse_month(self.end).start_time.date())
        if self.region:
            found.append(event_counts.c.admin1_pcode == self.region)
        if self.cercle:
            found.append(event_counts.c.admin2_pcode == self.cercle)
        if self.event_types:
            found.append(event_counts.c.event_type.in_(self.event_types))
        if self.sources:
            found.append(event_counts.c.source.in_(self.sources))
        if self.vac_only:
            found.append(event_counts.c.vac.is_(True))
        return and_(*found) if found else and_(True)

    def where(self) -> ColumnElement[bool]:
        conditions = self.conditions()
        return and_(*conditions) if conditions else and_(True)

    def as_params(self) -> list[tuple[str, str]]:
        """The query as URL parameters (for links that keep the filters)."""
        params: list[tuple[str, str]] = []
        for name in ("start", "end", "region", "cercle", "actor", "q"):
            value = getattr(self, name)
            if value:
                params.append((name, value))
        params += [("event_type", t) for t in self.event_types]
        params += [("source", s) for s in self.sources]
        if self.vac_only:
            params.append(("vac_only", "true"))
        return params
