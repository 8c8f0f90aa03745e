"""Column types of the store that read back the same on SQLite and PostgreSQL, and the
field makers the tables declare their columns with."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored in UTC that is aware when read back, whatever the database."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DecimalText(sa.types.TypeDecorator[Decimal]):
    """An exact decimal stored as its text ("116442.134"): the same on SQLite, which has no
    decimal type, as on PostgreSQL; figures are never summed in SQL."""

    impl = sa.String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def decimal_field(*, nullable: bool = True) -> Any:
    """A field holding an exact decimal."""
    return Field(default=None, sa_type=DecimalText, nullable=nullable)


def when_field(*, nullable: bool = False, index: bool = False) -> Any:
    """A field holding an aware UTC timestamp."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def json_field(default: Any) -> Any:
    """A JSON field that starts as a fresh copy of `default`."""
    return Field(default_factory=lambda: type(default)(default), sa_type=sa.JSON, nullable=False)
