"""The issue-16 permissions: each new route needs its one permission; the config accepts them."""

from pathlib import Path

import pytest

from app.config import ConfigError, parse_config
from app.keys import InProcessKey
from app.signing.prepare import prepare_delegate
from app.signing.requests_staking import SideChainDelegateMsg
from app.signing.table import MESSAGE_TYPES
from app.signing.wallets import WalletRegistry
from tests.api.more import NEW_PERMISSIONS, config_with_new_permissions, post
from tests.api.payloads import NEW_SHAPES, PERMISSION_OF
from tests.helpers import make_config

MAPPING = {
    "lock": {"time_lock", "time_unlock", "time_relock"},
    "swap": {"htlt", "deposit_htlt", "claim_htlt", "refund_htlt"},
    "issue": {"issue", "mint", "burn"},
    "stake": {"side_chain_delegate", "side_chain_redelegate", "side_chain_undelegate"},
    "account": {"set_account_flags"},
    "transfer": {"multi_send", "transfer_out"},
}


def test_the_documented_mapping_is_the_tables() -> None:
    table = {spec.name: str(spec.permission) for spec in MESSAGE_TYPES if spec.name in NEW_SHAPES}
    assert table == {route: permission for permission, routes in MAPPING.items() for route in routes}


def _without(permission: str) -> dict:
    data = config_with_new_permissions()
    grant = data["users"][0]["wallet_permissions"][0]  # alice on main
    grant["permissions"] = [p for p in grant["permissions"] if p != permission]
    return data


@pytest.fixture
def config_data(request) -> dict:  # type: ignore[no-untyped-def]
    return _without(getattr(request, "param", "none"))


@pytest.mark.parametrize(
    ("config_data", "route"),
    [(p, sorted(routes)[0]) for p, routes in MAPPING.items()],
    indirect=["config_data"],
    ids=list(MAPPING),
)
async def test_user_without_the_permission_gets_403_naming_it(client, auth, config_data, route) -> None:
    headers = await auth("alice")
    r = await post(client, headers, f"{route}/sign", NEW_SHAPES[route])
    assert r.status_code == 403
    assert f"permission '{PERMISSION_OF[route]}' is not granted" in r.json()["message"]
    other = next(name for name in NEW_SHAPES if PERMISSION_OF[name] != PERMISSION_OF[route])
    assert (await post(client, headers, f"{other}/sign", NEW_SHAPES[other])).status_code == 200


def test_config_accepts_the_new_permissions_side_chain_id_and_0x_destinations(tmp_path: Path) -> None:
    data = config_with_new_permissions()
    data["environments"]["DEVNET"]["side_chain_id"] = "chapel"
    data["wallets"][0]["limits"] = {"allowed_destinations": ["0x7f756b1be93aa2e2fdc3d7cb713abc206f877802"]}
    config = parse_config(data, base_dir=tmp_path)
    assert set(NEW_PERMISSIONS) <= {str(p) for p in config.wallets[0].permissions}
    assert config.all_environments["TESTNET"].side_chain_id == "chapel"
    assert config.all_environments["PROD"].side_chain_id == "bsc"
    assert config.environments["DEVNET"].side_chain_id == "chapel"


def test_wallet_environment_carries_the_side_chain_id(tmp_path: Path) -> None:
    data = make_config()
    data["environments"]["DEVNET"]["side_chain_id"] = "chapel"
    config = parse_config(data, base_dir=tmp_path)
    registry = WalletRegistry(config, {w.name: InProcessKey(w.signing_key, kind="private_key") for w in config.wallets})
    main = registry.get("main")
    assert main is not None and main.environment.side_chain_id == "chapel"
    msg = SideChainDelegateMsg.model_validate(NEW_SHAPES["side_chain_delegate"])
    assert prepare_delegate(msg, main).build(0).side_chain_id == "chapel"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "destination",
    ["0x7F756b1be93AA2e2Fdc3d7cb713abC206F877803", "0x7f756B1be93aa2e2fdc3d7cb713abc206f877802", "0x1234"],
    ids=["bad_checksum_hex", "bad_checksum_case", "short"],
)
def test_config_refuses_a_bad_0x_destination(tmp_path: Path, destination: str) -> None:
    data = make_config()
    data["wallets"][0]["limits"] = {"allowed_destinations": [destination]}
    with pytest.raises(ConfigError, match="allowed_destinations"):
        parse_config(data, base_dir=tmp_path)


def test_config_refuses_an_unknown_permission(tmp_path: Path) -> None:
    data = make_config()
    data["wallets"][0]["permissions"] = ["stake", "staking"]
    with pytest.raises(ConfigError, match="permissions"):
        parse_config(data, base_dir=tmp_path)
