"""python-binance-chain's signing client against a wallet whose key lives in SoftHSM2, real processes throughout."""

import pytest

binance_chain = pytest.importorskip("binance_chain", reason="python-binance-chain: run scripts/install-client.sh")

from binance_chain.constants import OrderSide, OrderType, TimeInForce  # noqa: E402
from binance_chain.messages import NewOrderMsg, TransferMsg  # noqa: E402
from binance_chain.signing.http import HttpApiSigningClient  # noqa: E402

from tests.api.payloads import verified  # noqa: E402
from tests.backends import SoftHsm  # noqa: E402
from tests.e2e.conftest import StackRunner  # noqa: E402
from tests.helpers import HRP, OTHER_ADDRESS, PASSWORDS  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def test_the_python_client_signs_and_broadcasts_with_an_hsm_wallet(softhsm: SoftHsm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    created = softhsm.create("e2e-hot")
    wallet = {
        "name": "hsm",
        "env_name": "DEVNET",
        "permissions": ["trade", "transfer"],
        # The PIN reaches the service process as a secret reference, never in the file.
        "pkcs11": {
            "module": softhsm.module,
            "token_label": "signer",
            "key_label": "e2e-hot",
            "pin": {"env": "HSM_PIN"},
        },
    }
    runner = StackRunner(tmp_path, extra_wallets=[wallet], extra_fund=(created["addresses"][HRP],))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HSM_PIN", softhsm.pins["signer"])  # inherited by the service process
        runner.start_service()
    try:
        client = HttpApiSigningClient(runner.service_url, username="alice", password=PASSWORDS["alice"])
        order = NewOrderMsg(
            symbol="ANN-457_BNB",
            time_in_force=TimeInForce.GOOD_TILL_EXPIRE,
            order_type=OrderType.LIMIT,
            side=OrderSide.BUY,
            price=0.000396,
            quantity=12,
        )
        signed = client.sign_order(order, wallet_name="hsm")
        tx = verified(signed["signed_msg"])
        assert tx.public_key.hex() == created["public_key"]
        answer = client.broadcast_transfer(
            TransferMsg(symbol="BNB", amount=1, to_address=OTHER_ADDRESS), wallet_name="hsm"
        )
        assert answer[0]["ok"] is True
        wallets = {w["name"]: w for w in client.wallet_info()}
        assert wallets["hsm"]["address"] == created["addresses"][HRP]
    finally:
        runner.stop()
