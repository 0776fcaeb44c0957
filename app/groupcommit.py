"""Group commit: concurrent store writes share one transaction and one fsync.

Each operation runs in its own savepoint (one failing, e.g. over a limit, does not undo the
others) and its caller is answered only after the shared transaction has committed, so every
guarantee of a one-operation transaction holds: a reserved sequence is durable before anything is
signed with it, an audit row before the signature leaves. Under load, the operations that
arrive while one transaction commits form the next one.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

Operation = Callable[[AsyncConnection], Awaitable[Any]]


@dataclass(order=True)
class _Pending:
    # Operations run in (rank, key) order: every batch takes row locks in the same order, so two
    # replicas' batches can never deadlock on PostgreSQL. Equal keys keep their arrival order.
    rank: int
    key: str
    seq: int
    operation: Operation = field(compare=False)
    future: "asyncio.Future[Any]" = field(compare=False)


class GroupCommit:
    """Batches operations on one engine into shared transactions."""

    def __init__(self, engine: AsyncEngine, *, max_batch: int = 256) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._seq = 0
        self._runner: asyncio.Task[None] | None = None

    async def run(self, operation: Operation, *, rank: int, key: str) -> Any:
        """Run operation in the next batch; return its result once the batch has committed."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._seq += 1
        self._pending.append(_Pending(rank, key, self._seq, operation, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch = sorted(self._pending[: self._max_batch])
            del self._pending[: self._max_batch]
            await self._commit(batch)

    async def _commit(self, batch: list[_Pending]) -> None:
        outcomes: list[tuple[_Pending, Any, BaseException | None]] = []
        try:
            async with self._engine.begin() as conn:
                for item in batch:
                    try:
                        async with conn.begin_nested():
                            outcomes.append((item, await item.operation(conn), None))
                    except Exception as exc:  # this operation only; its savepoint is rolled back
                        outcomes.append((item, None, exc))
        except BaseException as exc:  # the commit itself failed: nothing in the batch happened
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
            if not isinstance(exc, Exception):
                raise
            return
        for item, value, error in outcomes:
            if item.future.done():  # the caller went away; the work is committed all the same
                continue
            if error is not None:
                item.future.set_exception(error)
            else:
                item.future.set_result(value)
