"""Account numbers and sequences per chain account, each guarded by its own lock.

In-memory for now: the state lives as long as the process. Wallets that hold the same key on
the same node share one slot, so they never hand out the same sequence.
"""

import asyncio
from dataclasses import dataclass, field


@dataclass(slots=True)
class AccountSlot:
    """Signing state of one account on one node."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    account_number: int | None = None
    next_sequence: int | None = None
    # Set when the node's view may differ from ours (a lost broadcast answer, a sequence
    # mismatch): the next use re-reads the account before signing instead of guessing.
    stale: bool = True

    @property
    def loaded(self) -> bool:
        return not self.stale and self.account_number is not None and self.next_sequence is not None

    def load(self, *, account_number: int, sequence: int) -> None:
        """Take the node's values."""
        self.account_number, self.next_sequence, self.stale = account_number, sequence, False

    def reserve(self) -> tuple[int, int]:
        """(account number, sequence) for the next tx, and advance; caller holds the lock."""
        assert self.account_number is not None and self.next_sequence is not None
        sequence = self.next_sequence
        self.next_sequence = sequence + 1
        return self.account_number, sequence

    def release(self, sequence: int) -> None:
        """Give back a sequence the node refused, if nothing was reserved after it."""
        if self.next_sequence == sequence + 1:
            self.next_sequence = sequence


class AccountBook:
    """The slots of every account the service signs for."""

    def __init__(self) -> None:
        self._slots: dict[tuple[str, str], AccountSlot] = {}

    def slot(self, key: tuple[str, str]) -> AccountSlot:
        """The slot for (node url, address), created on first use."""
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = AccountSlot()
        return slot

    def peek(self, key: tuple[str, str]) -> AccountSlot | None:
        """The slot if it exists; never creates one, never waits on its lock."""
        return self._slots.get(key)
