"""Transfers (cosmos-sdk/Send): one sender to one receiver, or to many ("multi-send")."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, ClassVar

from app.chain.amounts import INT64_MAX
from app.chain.codes import AbciCode
from app.chain.errors import InvalidInput
from app.chain.messages.base import ACCOUNT, Coin, check_account, check_coins, rule, sorted_coins
from app.chain.messages.spec import Declared, Repeated, Tag

MAX_OUTPUTS = 1000  # ours, not the chain's: a bound on what one request may ask the service to sign


@dataclass(frozen=True, slots=True)
class InOut(Declared):
    """One side of a Send: an address and the coins it gives or receives (bank.Input/Output)."""

    address: Annotated[str, Tag(1, ACCOUNT)]
    coins: Annotated[tuple[Coin, ...], Tag(2, Repeated(Coin))]


def coin_totals(sides: Iterable[InOut]) -> dict[str, int]:
    """Sum of the coins of sides, per denom."""
    totals: dict[str, int] = {}
    for side in sides:
        for coin in side.coins:
            totals[coin.denom] = totals.get(coin.denom, 0) + coin.amount
    return totals


@dataclass(frozen=True, slots=True)
class Send(Declared):
    """Transfer coins from inputs to outputs; the service signs one input (its own wallet)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("2A2C87FA")
    inputs: Annotated[tuple[InOut, ...], Tag(1, Repeated(InOut))]
    outputs: Annotated[tuple[InOut, ...], Tag(2, Repeated(InOut))]

    @classmethod
    def simple(cls, *, sender: str, to: str, coins: list[Coin]) -> "Send":
        """One sender, one receiver, coins sorted by denom as the chain requires."""
        ordered = sorted_coins(coins)
        return cls(inputs=(InOut(sender, ordered),), outputs=(InOut(to, ordered),))

    @classmethod
    def multi(cls, *, sender: str, outputs: Sequence[tuple[str, Sequence[Coin]]]) -> "Send":
        """One sender paying several receivers (each several coins); the input is their sum.

        Each output's coins are sorted by denom, and the input lists every denom once with its total,
        so the message passes the chain's rule that inputs and outputs carry the same coins.
        """
        if not outputs:
            raise InvalidInput("a multi-send needs at least one output")
        if len(outputs) > MAX_OUTPUTS:
            raise InvalidInput(f"a multi-send may have at most {MAX_OUTPUTS} outputs")
        sides = tuple(InOut(address, sorted_coins(coins)) for address, coins in outputs)
        totals = coin_totals(sides)
        if any(total > INT64_MAX for total in totals.values()):
            raise InvalidInput("the total of a denom does not fit int64 units")
        total_coins = tuple(Coin(denom, totals[denom]) for denom in sorted(totals))
        return cls(inputs=(InOut(sender, total_coins),), outputs=sides)

    def signers(self) -> list[str]:
        return [i.address for i in self.inputs]

    def validate(self) -> None:
        """bank.MsgSend.ValidateBasic: inputs, outputs, valid positive coins, equal sums."""
        rule(not self.inputs, AbciCode.NO_INPUTS, "no inputs to send transaction")
        rule(not self.outputs, AbciCode.NO_OUTPUTS, "no outputs to send transaction")
        for side in (*self.inputs, *self.outputs):
            check_account(side.address, "input/output")
            check_coins(side.coins)
        totals = coin_totals(self.inputs)
        rule(totals != coin_totals(self.outputs), AbciCode.INVALID_COINS, "inputs and outputs don't match")
        rule(any(t > INT64_MAX for t in totals.values()), AbciCode.INVALID_COINS, "coin total does not fit int64")
