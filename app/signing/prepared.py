"""What a prepare step returns: a chain message ready to sign once a sequence is reserved."""

from collections.abc import Callable
from dataclasses import dataclass

from app.chain.messages import Msg


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message ready to sign once a sequence is reserved."""

    build: Callable[[int], Msg]
    memo: str = ""
