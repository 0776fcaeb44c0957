"""The DEX messages: place and cancel limit orders (dex/NewOrder, dex/CancelOrder)."""

import re
from dataclasses import dataclass
from typing import Annotated, ClassVar

from app.chain.codes import AbciCode
from app.chain.messages.base import ACCOUNT, PAIR_RE, check_account, rule
from app.chain.messages.spec import Declared, Tag, Text, Uint

SIDE_BUY, SIDE_SELL = 1, 2
ORDER_TYPE_LIMIT = 2
TIF_GTE, TIF_IOC = 1, 3
ORDER_ID_RE = re.compile(r"^[0-9A-F]{40}-[1-9][0-9]{0,18}$")  # the sequence part fits int64


@dataclass(frozen=True, slots=True)
class NewOrder(Declared):
    """Place a limit order (type 2) on a pair."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("CE6DC043")
    sender: Annotated[str, Tag(1, ACCOUNT)]
    id: Annotated[str, Tag(2, Text())]
    symbol: Annotated[str, Tag(3, Text())]
    side: Annotated[int, Tag(5, Uint())]
    price: Annotated[int, Tag(6, Uint())]
    quantity: Annotated[int, Tag(7, Uint())]
    timeinforce: Annotated[int, Tag(8, Uint())]
    ordertype: Annotated[int, Tag(4, Uint())] = ORDER_TYPE_LIMIT

    def signers(self) -> list[str]:
        return [self.sender]

    def validate(self) -> None:
        check_account(self.sender, "sender")
        bad = AbciCode.INVALID_ORDER_PARAM
        rule(not ORDER_ID_RE.fullmatch(self.id), bad, "order id must be HEXADDR-(sequence+1)")
        rule(not PAIR_RE.fullmatch(self.symbol), bad, "symbol must be a trading pair such as ANN-457_BNB")
        rule(self.ordertype != ORDER_TYPE_LIMIT, bad, "ordertype must be 2 (limit)")
        rule(self.side not in (SIDE_BUY, SIDE_SELL), bad, "side must be 1 (buy) or 2 (sell)")
        rule(self.timeinforce not in (TIF_GTE, TIF_IOC), bad, "timeinforce must be 1 (GTE) or 3 (IOC)")
        rule(self.price <= 0, bad, "price must be positive")
        rule(self.quantity <= 0, bad, "quantity must be positive")


@dataclass(frozen=True, slots=True)
class CancelOrder(Declared):
    """Cancel an open order by its id (refid)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("166E681B")
    sender: Annotated[str, Tag(1, ACCOUNT)]
    symbol: Annotated[str, Tag(2, Text())]
    refid: Annotated[str, Tag(3, Text())]

    def signers(self) -> list[str]:
        return [self.sender]

    def validate(self) -> None:
        check_account(self.sender, "sender")
        bad = AbciCode.INVALID_ORDER_PARAM
        rule(not PAIR_RE.fullmatch(self.symbol), bad, "symbol must be a trading pair such as ANN-457_BNB")
        rule(not ORDER_ID_RE.fullmatch(self.refid), bad, "refid must be an order id such as HEXADDR-12")
