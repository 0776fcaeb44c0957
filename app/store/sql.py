"""Statements built once from the schema, run the one way each backend writes.

On SQLite every write runs in the writer thread on its own sqlite3 connection; there a statement
is executed as the plain SQL SQLAlchemy compiled for it once (its per-statement Python work,
under the GIL, cost more than SQLite itself). On PostgreSQL the same expression runs through
SQLAlchemy. The SQL text is derived from the expression, so the two can never disagree.
"""

from collections.abc import Sequence
from functools import cached_property
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite


class Rows(Protocol):
    """What both a sqlite3 cursor and a SQLAlchemy result give."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Sequence[Any] | None: ...

    def fetchall(self) -> Sequence[Sequence[Any]]: ...


_PREFIX = "p_"


def param(name: str) -> Any:
    """A bind parameter; prefixed, since SQLAlchemy reserves column names for its own binds."""
    return sa.bindparam(_PREFIX + name)


class Statement:
    """One SQLAlchemy statement and its SQLite text, compiled once."""

    def __init__(self, expression: sa.Executable) -> None:
        self.expression = expression
        compiled = expression.compile(dialect=sqlite.dialect(paramstyle="qmark"))  # type: ignore[attr-defined]
        self._sqlite_sql = str(compiled)
        self._sqlite_params = tuple(compiled.positiontup or ())
        self._defaults = dict(compiled.params)  # values written into the expression itself

    def run(self, conn: sa.Connection, params: dict[str, Any] | None = None) -> Rows:
        """Execute in conn's transaction."""
        params = {_PREFIX + name: value for name, value in (params or {}).items()}
        if conn.dialect.name == "sqlite":
            driver = conn.connection.driver_connection
            assert driver is not None
            values = [params[name] if name in params else self._defaults[name] for name in self._sqlite_params]
            cursor: Rows = driver.execute(self._sqlite_sql, values)
            return cursor
        result: Rows = conn.execute(self._postgresql, params)
        return result

    @property
    def _postgresql(self) -> sa.Executable:
        return self.expression


class InsertOrSkip(Statement):
    """INSERT ... ON CONFLICT DO NOTHING (the same SQL text on SQLite and PostgreSQL).

    Built from SQLite's construct; PostgreSQL's own is made at its first run there, so a service on
    SQLite never imports the PostgreSQL dialect (~2 MB of idle RSS).
    """

    def __init__(self, table: sa.Table, values: dict[str, Any]) -> None:
        super().__init__(sqlite.insert(table).values(values).on_conflict_do_nothing())
        self._table = table
        self._values = values

    @cached_property
    def _postgresql(self) -> sa.Executable:
        from sqlalchemy.dialects import postgresql  # already loaded there, by the asyncpg dialect

        return postgresql.insert(self._table).values(self._values).on_conflict_do_nothing()
