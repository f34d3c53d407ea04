"""The store: persists domain records in SQLite (default) or PostgreSQL + PostGIS.

The schema lives in :mod:`sentinelle.store.schema` and is created and evolved only through the
Alembic migrations in ``store/migrations``. Other layers talk to the store through the functions of
its modules (``events``, ``places``, ``imports``, ``deployments``), never through SQL of their own.
"""
