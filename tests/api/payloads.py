"""Message bodies in both accepted shapes, and a checker for signed transactions."""

from typing import Any

from app.chain.keys import verify
from app.chain.tx import SignedTx, decode_tx, sign_bytes
from app.signing.table import MESSAGE_TYPES
from tests.helpers import CHAIN_ID, HRP, OTHER_ADDRESS

ORDER_ID = "7F756B1BE93AA2E2FDC3D7CB713ABC206F877802-3"

# The original README's shapes.
README_SHAPES = {
    "order": {
        "symbol": "ANN-457_BNB",
        "side": "buy",
        "order_type": "LIMIT",
        "time_in_force": "GTE",
        "price": 0.000396,
        "quantity": 10,
    },
    "cancel_order": {"order_id": ORDER_ID, "symbol": "ANN-457_BNB"},
    "transfer": {"symbol": "BNB", "amount": 1, "to_address": OTHER_ADDRESS},
    "freeze": {"symbol": "BNB", "amount": 1},
    "unfreeze": {"symbol": "BNB", "amount": 1},
    "vote": {"proposal_id": "1", "option": "Yes"},
}

# python-binance-chain's to_sign_dict() shapes.
CLIENT_SHAPES = {
    "order": {
        "order_type": 2,
        "price": 0.000396,
        "quantity": 10,
        "side": 1,
        "symbol": "ANN-457_BNB",
        "time_in_force": 1,
    },
    "cancel_order": {"refid": ORDER_ID, "symbol": "ANN-457_BNB"},
    "transfer": {"to_address": OTHER_ADDRESS, "amount": 1, "denom": "BNB"},
    "freeze": {"amount": 1, "symbol": "BNB"},
    "unfreeze": {"amount": 1, "symbol": "BNB"},
    "vote": {"proposal_id": 1, "option": 1},
}

MULTI_TRANSFER = {
    "to_address": OTHER_ADDRESS,
    "transfers": [{"amount": "2", "denom": "ANN-457"}, {"amount": "1.5", "denom": "BNB"}],
}

PERMISSION_OF = {
    "order": "trade",
    "cancel_order": "trade",
    "order/cancel": "trade",
    "transfer": "transfer",
    "freeze": "freeze",
    "unfreeze": "freeze",
    "vote": "vote",
    # issue 16
    "multi_send": "transfer",
    "transfer_out": "transfer",
    "time_lock": "lock",
    "time_unlock": "lock",
    "time_relock": "lock",
    "htlt": "swap",
    "deposit_htlt": "swap",
    "claim_htlt": "swap",
    "refund_htlt": "swap",
    "issue": "issue",
    "mint": "issue",
    "burn": "issue",
    "side_chain_delegate": "stake",
    "side_chain_redelegate": "stake",
    "side_chain_undelegate": "stake",
    "set_account_flags": "account",
}


def example_of(name: str) -> dict[str, Any]:
    """The first OpenAPI example of a message type's request model (valid in any test config)."""
    spec = next(s for s in MESSAGE_TYPES if s.name == name)
    extra = spec.model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    return extra["examples"][0]  # type: ignore[index, no-any-return]


NEW_SHAPES = {name: example_of(name) for name in PERMISSION_OF if name not in README_SHAPES and "/" not in name}
PAYLOAD_OF = {**README_SHAPES, "order/cancel": CLIENT_SHAPES["cancel_order"], **NEW_SHAPES}


def verified(signed_hex: str, *, chain_id: str = CHAIN_ID) -> SignedTx:
    """Decode a signed tx and check its signature over the sign bytes the node would rebuild."""
    tx = decode_tx(bytes.fromhex(signed_hex), HRP)
    doc = sign_bytes(
        msg=tx.msg,
        chain_id=chain_id,
        account_number=tx.account_number,
        sequence=tx.sequence,
        memo=tx.memo,
        source=tx.source,
    )
    assert verify(tx.public_key, tx.signature, doc)
    return tx
