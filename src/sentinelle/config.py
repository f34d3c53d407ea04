"""Settings read from the environment, passed explicitly to whatever needs them (no global
configuration object).

``SENTINELLE_DATABASE_URL``  where the store lives; default a SQLite file in ``SENTINELLE_HOME``.
``SENTINELLE_HOME``          folder for the default store, caches and reports; default ``./var``.
``SENTINELLE_SHARED_DATA``   folder of real reference data used by tests and benchmarks.
``SENTINELLE_SECURE_COOKIES`` ``1`` when the app is served over HTTPS (cookies then carry
                             ``Secure``); default off for http://127.0.0.1.
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

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    home = Path(env.get("SENTINELLE_HOME", "var"))
    url = env.get("SENTINELLE_DATABASE_URL") or f"sqlite:///{home / 'sentinelle.db'}"
    secure = env.get("SENTINELLE_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes")
    return Settings(database_url=url, home=home, secure_cookies=secure)
