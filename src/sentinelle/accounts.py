"""Users, sign-in, sessions and API tokens, with every change written to the audit log.

Passwords are hashed with Argon2id; session cookies and API tokens are random secrets of which
the store keeps only a SHA-256. Sign-in is rate limited: after :data:`MAX_FAILURES_PER_USER`
failed attempts for one user name, or :data:`MAX_FAILURES_PER_IP` from one address, within
:data:`WINDOW`, further attempts are refused until the window has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection

from sentinelle.domain.access import ROLES
from sentinelle.domain.audit import AuditEntry
from sentinelle.store import audit
from sentinelle.store import users as user_store
from sentinelle.store.database import Store
from sentinelle.store.users import TokenRecord, UserRecord

MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_IP = 20
WINDOW = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "snt_"
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=5)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,99}$")

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about accounts that cannot be done (bad name, weak password, unknown user)."""


class TooManyAttempts(AccountError):
    def __init__(self, retry_after: dt.timedelta) -> None:
        minutes = max(1, int(retry_after.total_seconds() // 60) + 1)
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-ins; try again in {minutes} minutes")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def record(
    connection: Connection,
    actor: str,
    action: str,
    record_type: str,
    record_id: object = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    """Write one audit entry in the caller's transaction."""
    audit.append(
        connection,
        AuditEntry(
            at=now(),
            actor=actor,
            action=action,
            record_type=record_type,
            record_id=None if record_id is None else str(record_id),
            before=before,
            after=after,
            detail=detail,
        ),
    )


def _check_text(what: str, value: str | None) -> None:
    if value is not None and any(ord(c) < 32 for c in value):
        raise AccountError(f"the {what} may not contain control characters")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")


def _check_language(language: str | None) -> None:
    if language not in (None, "fr", "en"):
        raise AccountError(f"unknown language {language!r}; expected fr or en")


def create_user(
    store: Store,
    username: str,
    password: str,
    role: str,
    actor: str,
    display_name: str | None = None,
    language: str | None = None,
) -> UserRecord:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise AccountError(
            f"user name {username!r}: use 3 to 100 lower-case letters, digits, '.', '_', '-' or '@'"
        )
    _check_role(role)
    _check_password(password)
    _check_language(language)
    _check_text("display name", display_name)
    with store.transaction() as connection:
        if user_store.find_user(connection, name):
            raise AccountError(f"user {name!r} already exists")
        stamp = now()
        user = user_store.add_user(
            connection,
            username=name,
            display_name=display_name,
            role=role,
            password_hash=_hasher.hash(password),
            language=language,
            active=True,
            created_at=stamp,
            updated_at=stamp,
        )
        record(connection, actor, "create", "user", user.id, after=user.public())
    return user


def update_user(
    store: Store,
    username: str,
    actor: str,
    *,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
    language: str | None = None,
    display_name: str | None = None,
) -> UserRecord:
    changes: dict[str, Any] = {}
    if role is not None:
        _check_role(role)
        changes["role"] = role
    if active is not None:
        changes["active"] = active
    if language is not None:
        _check_language(language or None)
        changes["language"] = language or None
    if display_name is not None:
        _check_text("display name", display_name)
        changes["display_name"] = display_name
    if password is not None:
        _check_password(password)
        changes["password_hash"] = _hasher.hash(password)
    with store.transaction() as connection:
        user = user_store.find_user(connection, username)
        if user is None:
            raise AccountError(f"no user {username!r}")
        if not changes:
            return user
        updated = user_store.update_user(connection, user.id, updated_at=now(), **changes)
        if active is False or password is not None or role is not None:
            user_store.delete_user_sessions(connection, user.id)  # sign out everywhere
        record(
            connection,
            actor,
            "update",
            "user",
            user.id,
            before=user.public(),
            after=updated.public(),
            detail="password changed" if password is not None else None,
        )
    return updated


def list_users(store: Store) -> list[UserRecord]:
    with store.reading() as connection:
        return user_store.list_users(connection)


def authenticate(store: Store, username: str, password: str, ip: str) -> UserRecord:
    """The active user with these credentials, or :class:`AccountError`. Every attempt is
    recorded (and audited); too many failures raise :class:`TooManyAttempts`."""
    name = username.strip().lower()
    stamp = now()
    with store.transaction() as connection:
        since = stamp - WINDOW
        if (
            user_store.failed_attempts(connection, since, username=name) >= MAX_FAILURES_PER_USER
            or user_store.failed_attempts(connection, since, ip=ip) >= MAX_FAILURES_PER_IP
        ):
            raise TooManyAttempts(WINDOW)
        user = user_store.find_user(connection, name)
        ok = False
        if user is not None and user.active:
            try:
                ok = _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        user_store.add_attempt(connection, name, ip, stamp, ok)
        if not ok:
            record(connection, name or "?", "sign-in-failed", "session", detail=f"from {ip}")
        else:
            assert user is not None
            record(connection, user.username, "sign-in", "session", detail=f"from {ip}")
            if _hasher.check_needs_rehash(user.password_hash):
                user_store.update_user(connection, user.id, password_hash=_hasher.hash(password))
    if not ok:
        raise AccountError("unknown user name or wrong password")
    assert user is not None
    return user


@dataclass(frozen=True)
class Session:
    token: str  # the cookie's value (only the browser keeps it)
    csrf_token: str
    expires_at: dt.datetime


def open_session(store: Store, user: UserRecord) -> Session:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    stamp = now()
    expires = stamp + SESSION_LIFETIME
    with store.transaction() as connection:
        user_store.purge_sessions(connection, stamp)
        user_store.add_session(connection, digest(token), user.id, csrf, stamp, expires)
    return Session(token, csrf, expires)


def session_user(store: Store, token: str) -> tuple[UserRecord, str] | None:
    """(user, CSRF token) for a live session cookie of an active user, else None."""
    with store.reading() as connection:
        found = user_store.session_with_user(connection, digest(token))
    if found is None:
        return None
    session, user = found
    if session.expires_at < now() or not user.active:
        return None
    return user, session.csrf_token


def close_session(store: Store, token: str, username: str) -> None:
    with store.transaction() as connection:
        user_store.delete_session(connection, digest(token))
        record(connection, username, "sign-out", "session")


def create_token(store: Store, username: str, name: str, actor: str) -> tuple[str, TokenRecord]:
    """A new API token for ``username``; the plain token is returned once and never stored."""
    if not name.strip():
        raise AccountError("give the token a name saying what script uses it")
    _check_text("token name", name)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as connection:
        user = user_store.find_user(connection, username)
        if user is None:
            raise AccountError(f"no user {username!r}")
        token = user_store.add_token(connection, user.id, name.strip(), digest(plain), now())
        record(
            connection,
            actor,
            "create",
            "api_token",
            token.id,
            after={"user": user.username, "name": token.name},
        )
    return plain, token


def token_user(store: Store, plain: str) -> UserRecord | None:
    """The active user of a live API token, or None. The token's last use is noted at most
    every few minutes, so that scripts do not turn every read into a write."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    with store.reading() as connection:
        token = user_store.find_token(connection, digest(plain))
        if token is None or token.revoked_at is not None:
            return None
        user = user_store.get_user(connection, token.user_id)
    if user is None or not user.active:
        return None
    stamp = now()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    if last is None or stamp - last > TOKEN_TOUCH_INTERVAL:
        with store.transaction() as connection:
            user_store.touch_token(connection, token.id, stamp)
    return user


def revoke_token(store: Store, token_id: int, actor: str) -> TokenRecord:
    with store.transaction() as connection:
        token = user_store.revoke_token(connection, token_id, now())
        if token is None:
            raise AccountError(f"no API token {token_id}")
        record(connection, actor, "revoke", "api_token", token_id)
    return token
