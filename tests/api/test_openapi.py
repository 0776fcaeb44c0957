"""The OpenAPI document is valid, leaks nothing, and its examples work against the demo config."""

import copy
import json
import time

from openapi_spec_validator import validate

from app.chain.messages import random_number_hash
from app.signing.fields import DEMO_RANDOM_NUMBER


async def test_openapi_document_is_valid(client) -> None:
    r = await client.get("/api/openapi.json")
    assert r.status_code == 200
    validate(r.json())


async def test_openapi_document_contains_no_secret(client, config_data) -> None:
    text = (await client.get("/api/openapi.json")).text
    secrets = [config_data["secret_key"]] + [u["password_hash"] for u in config_data["users"]]
    secrets += [w.get("private_key") or w.get("mnemonic") for w in config_data["wallets"]]
    for secret in secrets:
        assert secret not in text


async def test_docs_pages_are_served(client) -> None:
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/redoc")).status_code == 200


def _examples(document: dict) -> list[tuple[str, dict]]:
    """(path, example body) for every distinct JSON request example in the document (media type and schema)."""
    found = []
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        post = item.get("post")
        if not post or "requestBody" not in post:
            continue
        content = post["requestBody"]["content"]["application/json"]
        if "example" in content:
            found.append((path, content["example"]))
        ref = content["schema"].get("$ref")
        if ref:
            for example in schemas[ref.split("/")[-1]].get("examples", []):
                if (path, example) not in found:  # the media type's example is the schema's first
                    found.append((path, example))
    return found


async def test_every_request_body_has_one_example_for_importers_that_is_its_schemas_first(client) -> None:
    """Postman's importer (openapi-to-postmanv2) fills a body from the media type's `example` only."""
    document = (await client.get("/api/openapi.json")).json()
    schemas = document["components"]["schemas"]
    bodies = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                continue
            bodies += 1
            content = operation["requestBody"]["content"]["application/json"]
            assert "example" in content, (method, path)
            ref = content["schema"].get("$ref")
            if ref:
                assert content["example"] == schemas[ref.split("/")[-1]]["examples"][0], (method, path)
    assert bodies == 1 + 2 * 23 + 2  # login; sign and broadcast of 22 types and 1 alias; resync, reject


async def test_every_documented_example_works_against_the_demo_config(demo_client) -> None:
    document = (await demo_client.get("/api/openapi.json")).json()
    examples = _examples(document)
    assert len(examples) >= 15
    login = await demo_client.post("/api/auth/login", json={"username": "demo", "password": "demo-password"})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    for path, body in examples:
        if path.endswith("/broadcast"):
            continue  # broadcasting the cancel example would cancel an order that does not exist
        if "{" in path:
            continue  # the approval routes act on a request's id (tests/api/test_approvals.py)
        r = await demo_client.post(
            path, content=json.dumps(body), headers={**headers, "Content-Type": "application/json"}
        )
        assert r.status_code == 200, (path, body, r.text)


async def _example_of(document: dict, route: str) -> dict:
    [example] = [body for path, body in _examples(document) if path == f"/api/{route}/broadcast"]
    return copy.deepcopy(example)


async def test_new_message_examples_broadcast_in_the_documented_order(demo_client) -> None:
    """README order: values the chain assigns (lock id, swap id, token symbol) come from earlier answers.

    time_unlock (after lock_time) and refund_htlt (after height_span blocks) only sign here; HTLT needs a
    fresh timestamp and the hash made with it (its example's timestamp is long past).
    """
    document = (await demo_client.get("/api/openapi.json")).json()
    login = await demo_client.post("/api/auth/login", json={"username": "demo", "password": "demo-password"})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def land(route: str, body: dict) -> str:
        r = await demo_client.post(f"/api/{route}/broadcast", json=body, headers=headers)
        assert r.status_code == 200, (route, body, r.text)
        return r.json()[0]["data"]  # type: ignore[no-any-return]

    for route in ("multi_send", "transfer_out", "burn", "set_account_flags", "issue"):
        data = await land(route, await _example_of(document, route))
    mint = await _example_of(document, "mint")
    mint["msg"]["symbol"] = json.loads(data)["symbol"]  # the issued SYMBOL-XXX
    await land("mint", mint)
    for route in ("side_chain_delegate", "side_chain_redelegate", "side_chain_undelegate"):
        await land(route, await _example_of(document, route))
    lock_id = int(await land("time_lock", await _example_of(document, "time_lock")))
    relock = await _example_of(document, "time_relock")
    relock["msg"]["time_lock_id"] = lock_id
    await land("time_relock", relock)
    htlt = await _example_of(document, "htlt")
    now = int(time.time())
    htlt["msg"] |= {"timestamp": now, "random_number_hash": random_number_hash(DEMO_RANDOM_NUMBER, now).hex()}
    swap = await land("htlt", htlt)
    deposit = await _example_of(document, "deposit_htlt")
    deposit["msg"]["swap_id"] = swap
    await land("deposit_htlt", {**deposit, "wallet_name": "wallet_2"})  # the swap's recipient deposits
    claim = await _example_of(document, "claim_htlt")
    claim["msg"]["swap_id"] = swap
    await land("claim_htlt", claim)
