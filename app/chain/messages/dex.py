"""The DEX messages: place and cancel limit orders (dex/NewOrder, dex/CancelOrder)."""

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from app.chain.address import decode_address
from app.chain.amino import bytes_field, one_bytes, one_int, string_field, varint_field
from app.chain.codes import AbciCode
from app.chain.messages.base import PAIR_RE, address_of, check_account, message_fields, rule, text

SIDE_BUY, SIDE_SELL = 1, 2
ORDER_TYPE_LIMIT = 2
TIF_GTE, TIF_IOC = 1, 3
ORDER_ID_RE = re.compile(r"^[0-9A-F]{40}-[1-9][0-9]{0,18}$")  # the sequence part fits int64


@dataclass(frozen=True, slots=True)
class NewOrder:
    """Place a limit order (type 2) on a pair."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("CE6DC043")
    sender: str
    id: str
    symbol: str
    side: int
    price: int
    quantity: int
    timeinforce: int
    ordertype: int = ORDER_TYPE_LIMIT

    def sign_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ordertype": self.ordertype,
            "price": self.price,
            "quantity": self.quantity,
            "sender": self.sender,
            "side": self.side,
            "symbol": self.symbol,
            "timeinforce": self.timeinforce,
        }

    def encode_fields(self) -> bytes:
        return b"".join(
            (
                bytes_field(1, decode_address(self.sender)),
                string_field(2, self.id),
                string_field(3, self.symbol),
                varint_field(4, self.ordertype),
                varint_field(5, self.side),
                varint_field(6, self.price),
                varint_field(7, self.quantity),
                varint_field(8, self.timeinforce),
            )
        )

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

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes, 4: int, 5: int, 6: int, 7: int, 8: int})
        return cls(
            sender=address_of(one_bytes(f, 1), hrp),
            id=text(one_bytes(f, 2)),
            symbol=text(one_bytes(f, 3)),
            ordertype=one_int(f, 4),
            side=one_int(f, 5),
            price=one_int(f, 6),
            quantity=one_int(f, 7),
            timeinforce=one_int(f, 8),
        )


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Cancel an open order by its id (refid)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("166E681B")
    sender: str
    symbol: str
    refid: str

    def sign_dict(self) -> dict[str, Any]:
        return {"refid": self.refid, "sender": self.sender, "symbol": self.symbol}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.sender)) + string_field(2, self.symbol) + string_field(3, self.refid)

    def signers(self) -> list[str]:
        return [self.sender]

    def validate(self) -> None:
        check_account(self.sender, "sender")
        bad = AbciCode.INVALID_ORDER_PARAM
        rule(not PAIR_RE.fullmatch(self.symbol), bad, "symbol must be a trading pair such as ANN-457_BNB")
        rule(not ORDER_ID_RE.fullmatch(self.refid), bad, "refid must be an order id such as HEXADDR-12")

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes})
        return cls(
            sender=address_of(one_bytes(f, 1), hrp),
            symbol=text(one_bytes(f, 2)),
            refid=text(one_bytes(f, 3)),
        )
