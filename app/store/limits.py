"""Rolling-window policy limits, checked and recorded inside a reservation's transaction."""

from dataclasses import dataclass

import sqlalchemy as sa

from app.store.schema import usage
from app.store.sql import Statement, param

_window = sa.and_(usage.c.scope == param("scope"), usage.c.symbol == param("symbol"))
_FORGET = Statement(sa.delete(usage).where(_window, usage.c.at < param("since")))
_USED = Statement(sa.select(sa.func.coalesce(sa.func.sum(usage.c.amount), 0)).where(_window))
_RECORD = Statement(
    sa.insert(usage).values(scope=param("scope"), symbol=param("symbol"), amount=param("amount"), at=param("at"))
)


@dataclass(frozen=True, slots=True)
class WindowLimit:
    """At most cap of symbol per scope within a rolling window; amount is what this request adds."""

    scope: str
    symbol: str
    amount: int
    cap: int
    window_seconds: float
    name: str  # for the error message, e.g. "max_per_day"


class LimitExceeded(Exception):
    """A reservation would take a rolling window over its cap; nothing was reserved."""

    def __init__(self, limit: WindowLimit, used: int) -> None:
        super().__init__(limit.name)
        self.limit, self.used = limit, used


def check_and_record(conn: sa.Connection, limits: tuple[WindowLimit, ...], *, now: float) -> None:
    """Raise LimitExceeded if any window would pass its cap; else record this request's usage."""
    for limit in limits:
        where = {"scope": limit.scope, "symbol": limit.symbol}
        _FORGET.run(conn, {**where, "since": now - limit.window_seconds})
        row = _USED.run(conn, where).fetchone()
        used = int(row[0]) if row else 0
        if used + limit.amount > limit.cap:
            raise LimitExceeded(limit, used)
    for limit in limits:
        _RECORD.run(conn, {"scope": limit.scope, "symbol": limit.symbol, "amount": limit.amount, "at": now})
