from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from sentinelle import accounts
from sentinelle.store import audit
from sentinelle.store.database import Store
from sentinelle.store.schema import users


def test_passwords_are_argon2_and_never_stored_plain(store: Store) -> None:
    user = accounts.create_user(store, "Aminata", "correct horse battery", "analyst", "test")
    assert user.username == "aminata"
    with store.reading() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    signed_in = accounts.authenticate(store, "AMINATA", "correct horse battery", "10.0.0.1")
    assert signed_in.id == user.id
    with pytest.raises(accounts.AccountError, match="wrong password"):
        accounts.authenticate(store, "aminata", "wrong", "10.0.0.1")


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("ab", "long enough password", "viewer", "3 to 100"),
        ("bad name", "long enough password", "viewer", "3 to 100"),
        ("fatou", "short", "viewer", "at least 10"),
        ("fatou", "long enough password", "general", "unknown role"),
    ],
)
def test_bad_accounts_are_refused(
    sqlite_store: Store, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(accounts.AccountError, match=message):
        accounts.create_user(sqlite_store, username, password, role, "test")


def test_sign_in_is_rate_limited_per_user_and_recorded(store: Store) -> None:
    accounts.create_user(store, "moussa", "a good long password", "viewer", "test")
    for _ in range(accounts.MAX_FAILURES_PER_USER):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(store, "moussa", "guess", "10.0.0.2")
    with pytest.raises(accounts.TooManyAttempts):
        accounts.authenticate(store, "moussa", "a good long password", "10.0.0.2")
    with store.reading() as connection:
        failed = audit.count(connection, "sign-in-failed")
    assert failed == accounts.MAX_FAILURES_PER_USER


def test_disabling_a_user_ends_their_sessions_and_tokens(store: Store) -> None:
    user = accounts.create_user(store, "ibrahim", "a good long password", "analyst", "test")
    session = accounts.open_session(store, user)
    plain, _ = accounts.create_token(store, "ibrahim", "nightly export", "test")
    assert accounts.session_user(store, session.token) is not None
    assert accounts.token_user(store, plain) is not None
    accounts.update_user(store, "ibrahim", "admin", active=False)
    assert accounts.session_user(store, session.token) is None
    assert accounts.token_user(store, plain) is None


def test_revoked_tokens_stop_working(store: Store) -> None:
    accounts.create_user(store, "awa", "a good long password", "analyst", "test")
    plain, token = accounts.create_token(store, "awa", "script", "test")
    assert accounts.token_user(store, plain) is not None
    accounts.revoke_token(store, token.id, "test")
    assert accounts.token_user(store, plain) is None
    assert accounts.token_user(store, "snt_not-a-real-token") is None


def test_expired_sessions_are_refused(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    user = accounts.create_user(store, "oumar", "a good long password", "viewer", "test")
    session = accounts.open_session(store, user)
    later = accounts.now() + accounts.SESSION_LIFETIME + dt.timedelta(minutes=1)
    monkeypatch.setattr(accounts, "now", lambda: later)
    assert accounts.session_user(store, session.token) is None


def test_every_account_change_is_audited_without_secrets(store: Store) -> None:
    accounts.create_user(store, "kadi", "first long password", "viewer", "admin-x")
    accounts.update_user(store, "kadi", "admin-x", role="analyst", password="second long password")
    accounts.create_token(store, "kadi", "script", "admin-x")
    with store.reading() as connection:
        entries = [s.entry for s in audit.entries(connection, newest_first=False)]
    assert [(e.actor, e.action, e.record_type) for e in entries] == [
        ("admin-x", "create", "user"),
        ("admin-x", "update", "user"),
        ("admin-x", "create", "api_token"),
    ]
    assert entries[1].before and entries[1].before["role"] == "viewer"
    assert entries[1].after and entries[1].after["role"] == "analyst"
    text = " ".join(e.canonical() for e in entries)
    assert "long password" not in text and "argon2" not in text and "snt_" not in text
