"""Every sign, broadcast and resync attempt is audited in a tamper-evident chain."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from app.signing.audit import AuditLog
from tests.api.payloads import README_SHAPES
from tests.helpers import KEY_A, MNEMONIC, PASSWORDS, SECRET, make_config

ROOT = Path(__file__).resolve().parents[2]
TRANSFER = {"msg": README_SHAPES["transfer"], "wallet_name": "main"}


async def _entries(services) -> list[dict]:  # type: ignore[no-untyped-def]
    return [entry async for entry in services.signing.audit.entries()]


async def _execute(services, statement: str) -> None:  # type: ignore[no-untyped-def]
    await services.store.db.write(lambda conn: conn.execute(sa.text(statement)))


async def test_signature_is_audited_with_sequence_hash_and_summary(client, auth, services) -> None:
    r = await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("alice"))
    [entry] = await _entries(services)
    assert entry["outcome"] == "signed" and entry["user"] == "alice" and entry["wallet"] == "main"
    assert entry["action"] == "transfer/sign" and entry["client_ip"] == "127.0.0.1"
    assert (entry["sequence"], entry["tx_hash"]) == (r.json()["sequence"], r.json()["tx_hash"])
    assert entry["summary"] == {
        "type": "transfer",
        "symbol": "BNB",
        "amount": "1",
        "to_address": README_SHAPES["transfer"]["to_address"],
    }


async def test_denied_and_failed_attempts_are_audited(client, auth, services) -> None:
    await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("bob"))
    await client.post("/api/transfer/sign", json={**TRANSFER, "wallet_name": "empty"}, headers=await auth("alice"))
    denied, failed = await _entries(services)
    assert (denied["outcome"], denied["user"]) == ("denied", "bob")
    assert "transfer" in denied["reason"]
    assert failed["outcome"] == "failed" and "never funded" in failed["reason"]


async def test_broadcast_is_audited_before_sending_and_after(client, auth, services) -> None:
    r = await client.post("/api/transfer/broadcast", json=TRANSFER, headers=await auth("alice"))
    assert r.status_code == 200
    sending, done = await _entries(services)
    assert (sending["outcome"], done["outcome"]) == ("sending", "broadcast")
    assert sending["tx_hash"] == done["tx_hash"] == r.json()[0]["hash"]


async def test_resync_is_audited(client, auth, services) -> None:
    await client.post("/api/wallet/resync", json={"wallet_name": "main"}, headers=await auth("alice"))
    [entry] = await _entries(services)
    assert (entry["action"], entry["outcome"], entry["sequence"]) == ("wallet/resync", "resynced", 0)


async def test_audit_records_hold_no_secret(client, auth, services) -> None:
    for user in ("alice", "bob"):
        headers = await auth(user)
        await client.post("/api/transfer/sign", json=TRANSFER, headers=headers)
        await client.post("/api/transfer/broadcast", json=TRANSFER, headers=headers)
    text = json.dumps(await _entries(services))
    for secret in (KEY_A, MNEMONIC, SECRET, *PASSWORDS.values(), "Bearer"):
        assert secret not in text


async def _three_rows(client, auth, services) -> AuditLog:  # type: ignore[no-untyped-def]
    headers = await auth("alice")
    for _ in range(3):
        await client.post(
            "/api/freeze/sign", json={"msg": README_SHAPES["freeze"], "wallet_name": "main"}, headers=headers
        )
    verification = await services.signing.audit.verify()
    assert verification.ok and verification.rows == 3
    return services.signing.audit  # type: ignore[no-any-return]


async def test_verify_names_an_edited_row(client, auth, services) -> None:
    audit = await _three_rows(client, auth, services)
    await _execute(services, "UPDATE audit_log SET record = replace(record, '\"BNB\"', '\"XRP\"') WHERE id = 2")
    result = await audit.verify()
    assert (result.ok, result.first_bad_id) == (False, 2)


async def test_verify_names_a_deleted_row(client, auth, services) -> None:
    audit = await _three_rows(client, auth, services)
    await _execute(services, "DELETE FROM audit_log WHERE id = 2")
    assert (await audit.verify()).first_bad_id == 2


async def test_verify_detects_a_deleted_last_row(client, auth, services) -> None:
    audit = await _three_rows(client, auth, services)
    await _execute(services, "DELETE FROM audit_log WHERE id = 3")
    result = await audit.verify()
    assert not result.ok and result.first_bad_id == 3


async def test_verify_detects_reordered_rows(client, auth, services) -> None:
    audit = await _three_rows(client, auth, services)
    await _execute(services, "UPDATE audit_log SET id = 99 WHERE id = 1")
    await _execute(services, "UPDATE audit_log SET id = 1 WHERE id = 2")
    await _execute(services, "UPDATE audit_log SET id = 2 WHERE id = 99")
    assert (await audit.verify()).first_bad_id == 1


async def test_unwritable_audit_log_fails_closed(client, auth, services) -> None:
    headers = await auth("alice")
    await _execute(services, "DROP TABLE audit_log")
    signed = await client.post("/api/transfer/sign", json=TRANSFER, headers=headers)
    assert signed.status_code == 503 and "signed_msg" not in signed.json()
    account = await client.get("/api/wallet/main", headers=headers)
    assert account.json()["next_sequence"] == 0  # the sign's reservation rolled back with its audit row
    sent = await client.post("/api/transfer/broadcast", json=TRANSFER, headers=headers)
    assert sent.status_code == 503
    account = await client.get("/api/wallet/main", headers=headers)
    assert account.json()["next_sequence"] is None  # nothing sent; re-read from the node before the next one


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


async def test_audit_cli_lists_and_verifies(client, auth, services, config_data, tmp_path) -> None:
    await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("alice"))
    await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("bob"))
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump({**config_data, "database_url": services.config.database_url}))
    listed = _cli("audit", "list", "--config", str(path), "--user", "bob")
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert json.loads(line)["outcome"] == "denied"
    assert _cli("audit", "list", "--config", str(path), "--since", "2999-01-01").stdout == ""
    assert _cli("audit", "verify", "--config", str(path)).returncode == 0
    await _execute(services, "UPDATE audit_log SET record = replace(record, 'alice', 'mallory') WHERE id = 1")
    broken = _cli("audit", "verify", "--config", str(path))
    assert broken.returncode == 1 and "row 1" in broken.stdout


@pytest.mark.parametrize("command", ["list", "verify"])
def test_audit_commands_on_a_config_whose_store_is_missing_fail_naming_it_and_create_nothing(
    tmp_path: Path, command: str
) -> None:
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(make_config()))  # no database_url: the default file beside the config
    store = tmp_path / "signing-service.db"
    result = _cli("audit", command, "--config", str(path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"no store at {store}" in result.stderr
    assert result.stdout == "" and not store.exists()
