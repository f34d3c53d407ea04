"""Settings read from the environment, passed explicitly to whatever needs them (no global
configuration object).

``SENTINELLE_DATABASE_URL``  where the store lives; default a SQLite file in ``SENTINELLE_HOME``.
``SENTINELLE_HOME``          folder for the default store, caches and reports; default ``./var``.
``SENTINELLE_SHARED_DATA``   folder of real reference data used by tests and benchmarks.
``SENTINELLE_SECURE_COOKIES`` ``1`` when the app is served over HTTPS (cookies then carry
                             ``Secure``); default off for http://127.0.0.1.
``SENTINELLE_MAX_UPLOAD_MB`` the largest file the web application accepts for import, in
                             megabytes; default 200.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    database_url: str
    home: Path
    secure_cookies: bool = False
    max_upload_mb: int = 200

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    home = Path(env.get("SENTINELLE_HOME", "var"))
    url = env.get("SENTINELLE_DATABASE_URL") or f"sqlite:///{home / 'sentinelle.db'}"
    secure = env.get("SENTINELLE_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes")
    upload = env.get("SENTINELLE_MAX_UPLOAD_MB", "").strip() or "200"
    if not upload.isdigit() or int(upload) < 1:
        raise ValueError(
            f"SENTINELLE_MAX_UPLOAD_MB must be a whole number of megabytes ≥ 1, not {upload!r}"
        )
    return Settings(database_url=url, home=home, secure_cookies=secure, max_upload_mb=int(upload))
