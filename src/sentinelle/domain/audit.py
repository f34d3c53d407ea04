"""Audit entries and their hash chain (no I/O).

Each entry's hash covers its content and the previous entry's hash, so changing, inserting or
removing any entry breaks every later link; the store keeps the newest hash apart (the head), so
removing the newest entries is detected too. ``sentinelle audit verify`` recomputes the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime  # UTC
    actor: str  # user name, or "system" / "cli:<os user>"
    action: str  # e.g. sign-in, sign-in-failed, create, update, delete, export, import
    record_type: str  # e.g. user, api_token, import, events
    record_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    detail: str | None = None

    def canonical(self) -> str:
        """The entry as canonical JSON (sorted keys, UTC ISO time), the input of its hash."""
        at = self.at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
        return json.dumps(
            {
                "at": at,
                "actor": self.actor,
                "action": self.action,
                "record_type": self.record_type,
                "record_id": self.record_id,
                "before": self.before,
                "after": self.after,
                "detail": self.detail,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + "\n" + entry.canonical()).encode("utf-8")).hexdigest()
