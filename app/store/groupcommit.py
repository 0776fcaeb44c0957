"""Group commit: concurrent store writes share one transaction and one fsync.

Each operation is a plain (synchronous) function of a SQLAlchemy Connection, run in its own
savepoint, so one failing (e.g. over a limit) does not undo the others, and its caller is
answered only after the shared transaction has committed: every guarantee of a one-operation
transaction holds (a reserved sequence is durable before anything is signed with it, an audit
row before the signature leaves). Under load, the operations that arrive while one transaction
commits form the next one. The whole batch runs in one call of `execute` (on SQLite: one hop to
the writer thread, instead of one per statement).
"""

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

Operation = Callable[[Connection], Any]
BatchExecutor = Callable[[Callable[[Connection], None]], Awaitable[None]]


@dataclass(order=True)
class _Pending:
    # Operations run in (rank, key) order: every batch takes row locks in the same order, so two
    # replicas' batches can never deadlock on PostgreSQL. Equal keys keep their arrival order.
    rank: int
    key: str
    seq: int
    operation: Operation = field(compare=False)
    future: "asyncio.Future[Any]" = field(compare=False)
    unit: object = field(compare=False)  # operations one caller submitted together share one
    outcome: tuple[Any, BaseException | None] = field(compare=False, default=(None, None))


class GroupCommit:
    """Batches operations into shared transactions run by execute(batch_function)."""

    def __init__(
        self,
        execute: BatchExecutor,
        *,
        savepoint: Callable[[Connection], AbstractContextManager[Any]] | None = None,
        max_batch: int = 256,
    ) -> None:
        self._execute = execute
        self._savepoint = savepoint or (lambda conn: conn.begin_nested())
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._seq = 0
        self._runner: asyncio.Task[None] | None = None

    async def run(self, operation: Operation, *, rank: int, key: str) -> Any:
        """Run operation in the next batch; return its result once the batch has committed."""
        return await self.submit(operation, rank=rank, key=key)

    def submit(self, operation: Operation, *, rank: int, key: str, unit: object | None = None) -> "asyncio.Future[Any]":
        """Queue operation for the next batch; the future resolves once that batch has committed.

        Operations submitted together (without awaiting in between) land in the same batch,
        unless it is full. unit: operations of one caller that succeed or fail together (e.g. a
        reservation and its audit row); a batch of one unit needs no savepoints.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._seq += 1
        self._pending.append(_Pending(rank, key, self._seq, operation, future, self._seq if unit is None else unit))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        while self._pending:
            batch = sorted(self._pending[: self._max_batch])
            del self._pending[: self._max_batch]
            await self._commit(batch)

    async def _commit(self, batch: list[_Pending]) -> None:
        def run_all(conn: Connection) -> None:
            if all(item.unit is batch[0].unit for item in batch):
                # One caller's operations alone: the transaction is their savepoint, a failure rolls
                # it all back and reaches every one of them (the savepoints cost ~40 us a sign).
                for item in batch:
                    item.outcome = (item.operation(conn), None)
                return
            for item in batch:
                try:
                    with self._savepoint(conn):
                        item.outcome = (item.operation(conn), None)
                except Exception as exc:  # this operation only; its savepoint was rolled back
                    item.outcome = (None, exc)

        try:
            await self._execute(run_all)
        except Exception as exc:  # the transaction failed (e.g. LimitExceeded alone): nothing in it happened
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        except BaseException:
            for item in batch:
                if not item.future.done():
                    item.future.cancel()
            raise
        for item in batch:
            if item.future.done():  # the caller went away; the work is committed all the same
                continue
            value, error = item.outcome
            if error is not None:
                item.future.set_exception(error)
            else:
                item.future.set_result(value)
