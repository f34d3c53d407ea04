"""A geometry column that works on both back-ends.

PostgreSQL + PostGIS: a real ``geometry(Geometry, 4326)`` column (spatial SQL and GiST indexes
work), written and read as hex EWKB. SQLite: the same shapes as WKB in a BLOB (geometry work then
happens in Python with shapely). Either way Python code sees shapely geometries.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

SRID = 4326


class PostgisGeometry(UserDefinedType[Any]):
    cache_ok = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # reflection passes the column's modifiers, e.g. ("Geometry", 4326); they are fixed here
        super().__init__()

    def get_col_spec(self, **kw: Any) -> str:
        return f"geometry(Geometry, {SRID})"


class Geometry(TypeDecorator[BaseGeometry]):
    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostgisGeometry())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return shapely.to_wkb(shapely.set_srid(value, SRID), hex=True, include_srid=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        geometry: BaseGeometry = shapely.from_wkb(value)
        return geometry


def _register_reflection() -> None:
    """Let SQLAlchemy recognise PostGIS ``geometry`` columns when it reflects a database."""
    from sqlalchemy.dialects.postgresql import base

    base.ischema_names.setdefault("geometry", PostgisGeometry)


_register_reflection()
