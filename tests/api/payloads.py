"""Message bodies in both accepted shapes, and a checker for signed transactions."""

from app.chain.keys import verify
from app.chain.tx import SignedTx, decode_tx, sign_bytes
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
}
PAYLOAD_OF = {**README_SHAPES, "order/cancel": CLIENT_SHAPES["cancel_order"]}


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
