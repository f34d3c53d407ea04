"""Users, sessions, API tokens and sign-in attempts in the store. Hashing and the rules live in
:mod:`sentinelle.accounts`; this module only persists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from sentinelle.store.schema import api_tokens, login_attempts, sessions, users


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    display_name: str | None
    role: str
    password_hash: str
    language: str | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    def public(self) -> dict[str, Any]:
        """The fields safe to show and to audit (never the password hash)."""
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "language": self.language,
            "active": self.active,
        }


def _user(row: Any) -> UserRecord:
    return UserRecord(**{k: getattr(row, k) for k in UserRecord.__dataclass_fields__})


def add_user(connection: Connection, **values: Any) -> UserRecord:
    result = connection.execute(insert(users).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    found = get_user(connection, int(key[0]))
    assert found is not None
    return found


def update_user(connection: Connection, user_id: int, **values: Any) -> UserRecord:
    connection.execute(update(users).where(users.c.id == user_id).values(**values))
    found = get_user(connection, user_id)
    assert found is not None
    return found


def get_user(connection: Connection, user_id: int) -> UserRecord | None:
    row = connection.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def find_user(connection: Connection, username: str) -> UserRecord | None:
    row = connection.execute(
        select(users).where(func.lower(users.c.username) == username.strip().lower())
    ).first()
    return _user(row) if row else None


def list_users(connection: Connection) -> list[UserRecord]:
    return [_user(r) for r in connection.execute(select(users).order_by(users.c.username))]


# -- sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRecord:
    id: int
    user_id: int
    csrf_token: str
    expires_at: dt.datetime


def add_session(
    connection: Connection,
    token_hash: str,
    user_id: int,
    csrf_token: str,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    connection.execute(
        insert(sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


def find_session(connection: Connection, token_hash: str) -> SessionRecord | None:
    row = connection.execute(select(sessions).where(sessions.c.token_hash == token_hash)).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    return SessionRecord(row.id, row.user_id, row.csrf_token, expires)


def delete_session(connection: Connection, token_hash: str) -> None:
    connection.execute(delete(sessions).where(sessions.c.token_hash == token_hash))


def delete_user_sessions(connection: Connection, user_id: int) -> None:
    connection.execute(delete(sessions).where(sessions.c.user_id == user_id))


def purge_sessions(connection: Connection, now: dt.datetime) -> None:
    connection.execute(delete(sessions).where(sessions.c.expires_at < now))


# -- API tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRecord:
    id: int
    user_id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _token(row: Any) -> TokenRecord:
    return TokenRecord(
        row.id, row.user_id, row.name, row.created_at, row.last_used_at, row.revoked_at
    )


def add_token(
    connection: Connection, user_id: int, name: str, token_hash: str, created_at: dt.datetime
) -> TokenRecord:
    result = connection.execute(
        insert(api_tokens).values(
            user_id=user_id, name=name, token_hash=token_hash, created_at=created_at
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    row = connection.execute(select(api_tokens).where(api_tokens.c.id == int(key[0]))).one()
    return _token(row)


def find_token(connection: Connection, token_hash: str) -> TokenRecord | None:
    row = connection.execute(
        select(api_tokens).where(api_tokens.c.token_hash == token_hash)
    ).first()
    return _token(row) if row else None


def touch_token(connection: Connection, token_id: int, at: dt.datetime) -> None:
    connection.execute(
        update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at)
    )


def revoke_token(connection: Connection, token_id: int, at: dt.datetime) -> TokenRecord | None:
    connection.execute(
        update(api_tokens)
        .where((api_tokens.c.id == token_id) & api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    row = connection.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
    return _token(row) if row else None


def list_tokens(connection: Connection, user_id: int | None = None) -> list[TokenRecord]:
    query = select(api_tokens).order_by(api_tokens.c.id)
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    return [_token(r) for r in connection.execute(query)]


# -- sign-in attempts -------------------------------------------------------------------------


def add_attempt(
    connection: Connection, username: str, ip: str, at: dt.datetime, success: bool
) -> None:
    connection.execute(
        insert(login_attempts).values(
            username=username.strip().lower()[:100], ip=ip[:64], at=at, success=success
        )
    )


def failed_attempts(
    connection: Connection, since: dt.datetime, username: str | None = None, ip: str | None = None
) -> int:
    query = select(func.count()).where(
        (login_attempts.c.at >= since) & login_attempts.c.success.is_(False)
    )
    if username is not None:
        query = query.where(login_attempts.c.username == username.strip().lower())
    if ip is not None:
        query = query.where(login_attempts.c.ip == ip)
    return int(connection.execute(query).scalar_one())


def session_with_user(
    connection: Connection, token_hash: str
) -> tuple[SessionRecord, UserRecord] | None:
    """A session and its user in one query (every page request asks for both)."""
    row = connection.execute(
        select(
            sessions.c.id.label("session_id"),
            sessions.c.csrf_token,
            sessions.c.expires_at,
            users,
        )
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    session = SessionRecord(row.session_id, row.id, row.csrf_token, expires)
    return session, _user(row)
