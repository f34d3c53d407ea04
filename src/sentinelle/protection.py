"""Personal data at rest: names and contacts of reporters, victims, witnesses and sources are
stored encrypted, with a key kept outside the database.

The key comes from ``SENTINELLE_PERSONAL_DATA_KEY`` (one or more Fernet keys separated by
commas: the first encrypts, all decrypt, so keys can be rotated), else from the key file
``SENTINELLE_PERSONAL_DATA_KEY_FILE`` (default ``$SENTINELLE_HOME/keys/personal-data.key``, one
key per line). A missing key file is created with a new key, readable by its owner only. Whoever
holds the database without the key sees ``fernet:`` tokens, never names. Back the key up apart
from the database: without it the personal data cannot be read again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"
REDACTED = "[redacted]"
"""What a reader without the right to see personal data gets instead of it."""


class ProtectionError(RuntimeError):
    """The personal-data key is missing, malformed, or does not open the stored data."""


class Cipher:
    """Encrypts and decrypts personal data with one or more keys (the first encrypts)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ProtectionError("no personal-data key")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except (ValueError, TypeError) as exc:
            raise ProtectionError(
                f"the personal-data key is not a valid Fernet key: {exc}"
            ) from None

    @classmethod
    def generate(cls) -> Cipher:
        return cls([Fernet.generate_key()])

    def encrypt(self, text: str | None) -> str | None:
        if text is None or text == "":
            return None
        return PREFIX + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str | None) -> str | None:
        if stored is None:
            return None
        if not stored.startswith(PREFIX):
            raise ProtectionError("stored personal data is not encrypted: refusing to show it")
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ProtectionError(
                "the personal-data key does not open this record (wrong or rotated-out key)"
            ) from None


def key_file(env: Mapping[str, str], home: Path) -> Path:
    return Path(env.get("SENTINELLE_PERSONAL_DATA_KEY_FILE") or home / "keys" / "personal-data.key")


def cipher_from_env(home: Path, env: Mapping[str, str] | None = None) -> Cipher:
    """The cipher of this installation (see the module docstring)."""
    env = os.environ if env is None else env
    inline = env.get("SENTINELLE_PERSONAL_DATA_KEY", "").strip()
    if inline:
        return Cipher([k.strip().encode("ascii") for k in inline.split(",") if k.strip()])
    path = key_file(env, home)
    if not path.exists():
        # written whole under a temporary name, then linked into place: several processes
        # starting at once all end up with the one key that won
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    keys = [line.strip() for line in path.read_bytes().splitlines() if line.strip()]
    if not keys:
        raise ProtectionError(f"the personal-data key file {path} is empty")
    return Cipher(keys)
