"""A per-process cache of results that change only when the store's data changes.

Keys are combined with the store's data version (:func:`sentinelle.store.imports.data_version`,
which moves with every import that commits), so a cached result is never served after new data
arrived; old entries simply age out. Each worker process has its own cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Connection

from sentinelle.store.imports import data_version

T = TypeVar("T")


class ResultCache:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(
        self,
        connection: Connection,
        key: Hashable,
        compute: Callable[[], T],
        version: Hashable | None = None,
    ) -> T:
        """The cached result for ``key`` at the store's current data version (read from the
        store unless given), computed (in the caller's transaction) when absent."""
        full_key = (data_version(connection) if version is None else version, key)
        with self._lock:
            if full_key in self._items:
                self._items.move_to_end(full_key)
                self.hits += 1
                value: T = self._items[full_key]
                return value
        value = compute()
        with self._lock:
            self.misses += 1
            self._items[full_key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class RequestCache:
    """The app's result cache as seen by one request: the data version is read once."""

    def __init__(self, cache: ResultCache, request: Request) -> None:
        self.cache = cache
        self.request = request

    def get(self, connection: Connection, key: Hashable, compute: Callable[[], T]) -> T:
        version = getattr(self.request.state, "data_version", None)
        if version is None:
            version = self.request.state.data_version = data_version(connection)
        return self.cache.get(connection, key, compute, version)


def cache_of(request: Request) -> RequestCache:
    """The result cache for this request."""
    return RequestCache(_app_cache(request), request)


def _app_cache(request: Request) -> ResultCache:
    cache = getattr(request.app.state, "results", None)
    if not isinstance(cache, ResultCache):
        cache = request.app.state.results = ResultCache()
    return cache
