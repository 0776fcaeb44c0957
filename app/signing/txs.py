"""The pipeline's request and result types, and the tx pieces every signing path shares."""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.chain.messages import NewOrder
from app.chain.tx import SignedTx, sign_bytes, tx_hash
from app.signing.audit import Actor, AuditLog
from app.signing.requests import SignableMsg
from app.signing.table import MessageType, also_valid_as
from app.signing.wallets import Wallet


def audit_summary(message: MessageType, msg: SignableMsg) -> dict[str, Any]:
    """The audit row's summary: the type, what the request said, and the other types its signature is valid as."""
    summary: dict[str, Any] = {"type": message.name, **msg.audit_summary()}
    others = also_valid_as(message)
    if others:
        summary["also_valid_as"] = list(others)
    return summary


@dataclass(frozen=True, slots=True)
class SignRequest:
    """An authorized request: who, with which wallet, which message type and body."""

    actor: Actor
    wallet: Wallet
    message: MessageType
    msg: SignableMsg
    idempotency_key: str | None = None
    # An approved request's hook, awaited with each tx before it is sent (app/signing/outcomes.py).
    on_signed: "Callable[[SignResult], Awaitable[None]] | None" = None

    def action(self, verb: str) -> str:
        return f"{self.message.name}/{verb}"

    def audit_entry(self, verb: str, **fields: Any) -> dict[str, Any]:
        summary = audit_summary(self.message, self.msg)
        return AuditLog.entry(self.actor, wallet=self.wallet.name, action=self.action(verb), summary=summary, **fields)


@dataclass(frozen=True, slots=True)
class SignResult:
    """A signed transaction, ready to broadcast."""

    signed_msg: str
    tx_hash: str
    sequence: int
    account_number: int
    chain_id: str
    order_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        # By hand: dataclasses.asdict deep-copies every field, ~20 us on each sign's answer.
        doc: dict[str, Any] = {
            "signed_msg": self.signed_msg,
            "tx_hash": self.tx_hash,
            "sequence": self.sequence,
            "account_number": self.account_number,
            "chain_id": self.chain_id,
        }
        if self.order_id is not None:
            doc["order_id"] = self.order_id
        return doc


@dataclass(frozen=True, slots=True)
class ResyncResult:
    """The account state re-read from the node."""

    wallet_name: str
    address: str
    account_number: int
    sequence: int


def result_of(tx: SignedTx, chain_id: str) -> SignResult:
    raw = tx.encode()
    return SignResult(
        signed_msg=raw.hex(),
        tx_hash=tx_hash(raw),
        sequence=tx.sequence,
        account_number=tx.account_number,
        chain_id=chain_id,
        order_id=tx.msg.id if isinstance(tx.msg, NewOrder) else None,
    )


def sign_bytes_of(tx: SignedTx, chain_id: str) -> bytes:
    """The StdSignDoc the chain verifies the signature over."""
    return sign_bytes(
        msg=tx.msg,
        chain_id=chain_id,
        account_number=tx.account_number,
        sequence=tx.sequence,
        memo=tx.memo,
        source=tx.source,
    )


def digest_of(tx: SignedTx, chain_id: str) -> bytes:
    """SHA-256 of the tx's sign bytes."""
    return hashlib.sha256(sign_bytes_of(tx, chain_id)).digest()
