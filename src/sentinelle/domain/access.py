"""Roles and what each may do, as data (``domain/data/permissions.csv``; docs/access.md prints
the matrix). Code asks :func:`allowed`; it never compares role names itself."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from sentinelle.domain.vocabulary import Language

Role = Literal["viewer", "analyst", "adviser", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "adviser", "admin")
ROLE_LABELS: dict[Role, tuple[str, str]] = {
    "viewer": ("Viewer", "Lecteur"),
    "analyst": ("Analyst", "Analyste"),
    "adviser": ("PoC adviser", "Conseiller PdC"),
    "admin": ("Administrator", "Administrateur"),
}


@dataclass(frozen=True)
class Permission:
    code: str
    roles: frozenset[Role]
    label_en: str
    label_fr: str

    def label(self, language: Language = "en") -> str:
        return self.label_fr if language == "fr" else self.label_en


@cache
def permissions() -> dict[str, Permission]:
    text = resources.files("sentinelle.domain").joinpath("data", "permissions.csv")
    result = {}
    for row in csv.DictReader(text.read_text(encoding="utf-8").splitlines()):
        roles = frozenset(r for r in ROLES if row[r] == "yes")
        result[row["permission"]] = Permission(
            row["permission"], roles, row["label_en"], row["label_fr"]
        )
    return result


class UnknownPermission(KeyError):
    pass


def allowed(role: str, permission: str) -> bool:
    """Whether ``role`` may do ``permission`` (an unknown permission is a programming error)."""
    try:
        return role in permissions()[permission].roles
    except KeyError:
        raise UnknownPermission(permission) from None


def role_label(role: Role, language: Language = "en") -> str:
    en, fr = ROLE_LABELS[role]
    return fr if language == "fr" else en
