"""A Postman collection of a running service, made by Postman's own converter from its live /api/openapi.json.

    python scripts/postman.py --url http://127.0.0.1:8000 --out signing-service.postman_collection.json [--run]

openapi-to-postmanv2 (the library behind Postman's importer) converts the document with parameter
generation "Example", so each request body is the example the document puts on it (never a
"<string>" placeholder). The requests are kept as converted; this script only adds what an OpenAPI
document cannot carry, then writes the collection (import it into Postman as a file):

- variables baseUrl (--url), username, password, accessToken, and the collection's auth: OAuth 2.0,
  grant type Password Credentials against {{baseUrl}}/api/auth/login, using {{accessToken}};
- the order of the demo (README: Postman): log in first (its test stores accessToken), every message
  type's sign and broadcast in the order where values the chain assigns come from earlier answers,
  the wallet, approval and health requests, log out last;
- test scripts that check each answer and capture what the chain assigned (an order id, a lock id,
  a swap id, an issued symbol), and pre-request scripts that put them into the broadcasts that need
  them, give the HTLT a fresh timestamp with its hash, and place an order for a cancel without one.

The npm packages are installed when missing, at the pinned versions, into a cache folder outside
the checkout (POSTMAN_NPM_CACHE, default ~/.cache/binance-chain-signing-service/npm). --run also
runs the collection with newman and exits with its status.
"""

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

PACKAGES = {"openapi-to-postmanv2": "6.3.3", "newman": "6.2.2"}
# Parameter generation "Example": bodies and parameters from the document's examples (the default,
# "Schema", writes "<string>" placeholders). Folders by tag (rearranged below anyway). Requests inherit
# the collection's auth, set below. Optional query parameters are listed but not sent.
CONVERTER_OPTIONS = {
    "parametersResolution": "Example",
    "folderStrategy": "Tags",
    "alwaysInheritAuthentication": True,
    "enableOptionalParameters": False,
}
# Every message path of the document, in the order its examples run on a fresh demo (README: Postman).
DEMO_ORDER = (
    "order",
    "cancel_order",
    "order/cancel",
    "transfer",
    "freeze",
    "unfreeze",
    "vote",
    "multi_send",
    "transfer_out",
    "burn",
    "set_account_flags",
    "issue",
    "mint",
    "side_chain_delegate",
    "side_chain_redelegate",
    "side_chain_undelegate",
    "time_lock",
    "time_relock",
    "time_unlock",
    "htlt",
    "deposit_htlt",
    "refund_htlt",
    "claim_htlt",
)
# The two broadcasts that cannot land on a fresh demo as the chain behaves: (status, part of the answer).
EXPECTED_REFUSALS = {
    "time_unlock": (400, "Can not unlock: lock time("),  # the example lock holds until 2100
    "refund_htlt": (400, "is still not reached"),  # a swap is refundable only after height_span blocks
}
# What a broadcast's answer assigns: variable <- data of the node's first result (JSON key, or the whole data).
CAPTURES: dict[str, tuple[str, str | None]] = {
    "order": ("orderId", "order_id"),
    "issue": ("issuedSymbol", "symbol"),
    "time_lock": ("timeLockId", None),
    "htlt": ("swapId", None),
}
# msg field <- variable, in the broadcasts that need a value the chain assigned.
SUBSTITUTIONS: dict[str, dict[str, str]] = {
    "cancel_order": {"order_id": "orderId"},
    "order/cancel": {"order_id": "orderId"},
    "mint": {"symbol": "issuedSymbol"},
    "time_relock": {"time_lock_id": "timeLockId"},
    "time_unlock": {"time_lock_id": "timeLockId"},
    "deposit_htlt": {"swap_id": "swapId"},
    "refund_htlt": {"swap_id": "swapId"},
    "claim_htlt": {"swap_id": "swapId"},
}
OTHER_FOLDERS = {"wallet": "/api/wallet", "approvals": "/api/approvals", "health": "/"}
# Requests other than sign and broadcast: the status each answers on the demo.
OTHER_STATUSES = {
    ("POST", "/api/auth/login"): 200,
    ("POST", "/api/auth/logout"): 204,
    ("GET", "/api/wallet"): 200,
    ("GET", "/api/wallet/{wallet_name}"): 200,
    ("POST", "/api/wallet/resync"): 200,
    ("GET", "/api/approvals"): 200,
    # The example approval id names no request on the demo: put one from GET /api/approvals there.
    ("GET", "/api/approvals/{approval_id}"): 404,
    ("POST", "/api/approvals/{approval_id}/approve"): 404,
    ("POST", "/api/approvals/{approval_id}/reject"): 404,
    ("POST", "/api/approvals/{approval_id}/cancel"): 404,
    ("GET", "/health"): 200,
    ("GET", "/ready"): 200,
    ("GET", "/metrics"): 200,
}

CONVERT_JS = """
const converter = require('openapi-to-postmanv2');
let data = '';
process.stdin.on('data', (chunk) => { data += chunk; });
process.stdin.on('end', () => {
  converter.convertV2({type: 'string', data}, JSON.parse(process.argv[1]), (err, result) => {
    if (err) { console.error(err); process.exit(1); }
    if (!result.result) { console.error(result.reason); process.exit(1); }
    process.stdout.write(JSON.stringify(result.output[0].data));
  });
});
"""

# Collection pre-request: a request run on its own (not after "Log in") logs in first.
LOGIN_JS = """
if (!pm.variables.get('accessToken') && !pm.request.url.getPath().endsWith('/api/auth/login')) {
  pm.sendRequest({
    url: pm.variables.get('baseUrl') + '/api/auth/login',
    method: 'POST',
    header: {'Content-Type': 'application/json'},
    body: {mode: 'raw', raw: JSON.stringify({
      username: pm.variables.get('username'), password: pm.variables.get('password')
    })}
  }, (err, res) => {
    if (!err && res.code === 200) { pm.collectionVariables.set('accessToken', res.json().access_token); }
  });
}
"""


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "binance-chain-signing-service" / "npm"
    return Path(os.environ.get("POSTMAN_NPM_CACHE") or default)


def installed(cache: Path) -> bool:
    for name, version in PACKAGES.items():
        package = cache / "node_modules" / name / "package.json"
        if not package.exists() or json.loads(package.read_text(encoding="utf-8")).get("version") != version:
            return False
    return True


def ensure_packages(cache: Path) -> Path:
    """node_modules with the pinned converter and newman, installed with npm when missing."""
    if not installed(cache):
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is needed to install openapi-to-postmanv2 and newman (Node 18 or newer)")
        cache.mkdir(parents=True, exist_ok=True)
        print(f"==> npm install {' '.join(f'{n}@{v}' for n, v in PACKAGES.items())} into {cache}", file=sys.stderr)
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(cache),
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                *specs,
            ],
            check=True,
            timeout=600,
        )
    return cache / "node_modules"


def convert(document: str, node_modules: Path) -> dict[str, Any]:
    """The collection openapi-to-postmanv2 makes of document, with CONVERTER_OPTIONS."""
    node = shutil.which("node")
    if node is None:
        sys.exit("node is needed to run openapi-to-postmanv2")
    result = subprocess.run(
        [node, "-e", CONVERT_JS, json.dumps(CONVERTER_OPTIONS)],
        input=document,
        capture_output=True,
        text=True,
        env={**os.environ, "NODE_PATH": str(node_modules)},
        check=True,
        timeout=120,
    )
    collection: dict[str, Any] = json.loads(result.stdout)
    return collection


def _path(request: dict[str, Any]) -> str:
    """The document's path of a converted request: /api/wallet/:wallet_name -> /api/wallet/{wallet_name}."""
    parts = [f"{{{part[1:]}}}" if part.startswith(":") else part for part in request["url"]["path"]]
    return "/" + "/".join(parts)


def _requests(items: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        if "item" in item:
            found |= _requests(item["item"])
        else:
            found[(item["request"]["method"], _path(item["request"]))] = item
    return found


def _event(listen: str, source: str) -> dict[str, Any]:
    return {"listen": listen, "script": {"type": "text/javascript", "exec": source.strip().splitlines()}}


def _status_test(status: int, contains: str | None = None) -> str:
    lines = [f"pm.test('answers {status}', () => pm.response.to.have.status({status}));"]
    if contains is not None:
        lines.append(
            f"pm.test('names the reason', () => pm.expect(pm.response.text()).to.include({json.dumps(contains)}));"
        )
    return "\n".join(lines)


def _substitute_js(fields: dict[str, str]) -> str:
    sets = "\n".join(
        f"body.msg[{json.dumps(f)}] = JSON.parse(pm.variables.get({json.dumps(v)}));" for f, v in fields.items()
    )
    return (
        f"const body = JSON.parse(pm.request.body.raw);\n{sets}\npm.request.body.update(JSON.stringify(body, null, 2));"
    )


def _broadcast_scripts(path: str, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The pre-request and test scripts of path's broadcast."""
    events: list[dict[str, Any]] = []
    prerequest = ""
    fields = SUBSTITUTIONS.get(path)
    if path == "htlt":
        random_number = _example(document, "claim_htlt")["msg"]["random_number"]
        prerequest = f"""
// A fresh timestamp (the chain takes the last 30 minutes) and its hash: sha256(random number || timestamp as 8 bytes).
const cryptoJs = require('crypto-js');
const timestamp = Math.floor(Date.now() / 1000);
const randomNumber = {json.dumps(random_number)};  // the claim_htlt example's
const body = JSON.parse(pm.request.body.raw);
body.msg.timestamp = timestamp;
const hashed = cryptoJs.enc.Hex.parse(randomNumber + timestamp.toString(16).padStart(16, '0'));
body.msg.random_number_hash = cryptoJs.SHA256(hashed).toString();
pm.request.body.update(JSON.stringify(body, null, 2));
"""
    elif path in ("cancel_order", "order/cancel"):
        order = json.dumps(_example(document, "order"))
        prerequest = f"""
// Cancel the order the order example placed; once that one is cancelled, place another (the order example).
const cancel = () => {{ {_substitute_js(fields or {})} }};
if (pm.variables.get('orderId')) {{ cancel(); }} else {{
  pm.sendRequest({{
    url: pm.variables.get('baseUrl') + '/api/order/broadcast',
    method: 'POST',
    header: {{'Content-Type': 'application/json', 'Authorization': 'Bearer ' + pm.variables.get('accessToken')}},
    body: {{mode: 'raw', raw: JSON.stringify({order})}}
  }}, (err, res) => {{
    if (!err && res.code === 200) {{
      pm.collectionVariables.set('orderId', JSON.stringify(JSON.parse(res.json()[0].data).order_id));
    }}
    cancel();
  }});
}}
"""
    elif fields:
        prerequest = "// Values the chain assigned, from earlier answers (the example's stand in for them).\n"
        prerequest += _substitute_js(fields)
    if prerequest:
        events.append(_event("prerequest", prerequest))
    status, contains = EXPECTED_REFUSALS.get(path, (200, None))
    test = _status_test(status, contains)
    if path in CAPTURES:
        variable, key = CAPTURES[path]
        value = "JSON.parse(assigned)[" + json.dumps(key) + "]" if key else "assigned"
        if path == "time_lock":
            value = "Number(assigned)"
        test += "\nconst assigned = pm.response.json()[0].data;"
        test += f"\npm.collectionVariables.set({json.dumps(variable)}, JSON.stringify({value}));"
    if path in ("cancel_order", "order/cancel"):
        test += "\npm.collectionVariables.unset('orderId');  // cancelled: the next cancel places its own order"
    events.append(_event("test", test))
    return events


def _example(document: dict[str, Any], path: str) -> dict[str, Any]:
    example: dict[str, Any] = document["paths"][f"/api/{path}/broadcast"]["post"]["requestBody"]["content"][
        "application/json"
    ]["example"]
    return copy.deepcopy(example)


def message_paths(document: dict[str, Any]) -> list[str]:
    """The message paths of the document (…/sign and …/broadcast), e.g. "order/cancel"."""
    return sorted({p[len("/api/") : -len("/sign")] for p in document["paths"] if p.endswith("/sign")})


def arrange(collection: dict[str, Any], document: dict[str, Any], *, base_url: str) -> dict[str, Any]:
    """The converted collection with the demo's order, variables, auth and scripts."""
    missing = set(message_paths(document)) ^ set(DEMO_ORDER)
    if missing:
        raise SystemExit(f"DEMO_ORDER and the document's message paths differ: {sorted(missing)}")
    requests = _requests(collection["item"])
    taken: set[tuple[str, str]] = set()

    def take(method: str, path: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        item = copy.deepcopy(requests[(method, path)])
        taken.add((method, path))
        item["event"] = events
        return item

    login = take("POST", "/api/auth/login", [_event("test", _status_test(200) + LOGIN_CAPTURE_JS)])
    login["request"]["auth"] = {"type": "noauth"}
    folders: list[dict[str, Any]] = [{"name": "Log in", "item": [login]}]
    for path in DEMO_ORDER:
        sign = take("POST", f"/api/{path}/sign", [_event("test", _status_test(200))])
        broadcast = take("POST", f"/api/{path}/broadcast", _broadcast_scripts(path, document))
        folders.append({"name": path, "item": [sign, broadcast]})
    logout = ("POST", "/api/auth/logout")
    for name, prefix in OTHER_FOLDERS.items():
        keys = [k for k in requests if k[1].startswith(prefix) and k not in taken and k != logout]
        items = [take(*key, [_event("test", _status_test(OTHER_STATUSES[key]))]) for key in keys]
        folders.append({"name": name, "item": items})
    folders.append({"name": "Log out", "item": [take(*logout, [_event("test", _status_test(204) + LOGOUT_JS)])]})
    left = set(requests) - taken
    if left:
        raise SystemExit(f"requests of the document that the collection does not place: {sorted(left)}")
    arranged = {key: value for key, value in collection.items() if key not in ("item", "variable", "auth", "event")}
    arranged["item"] = folders
    arranged["variable"] = [
        {"key": "baseUrl", "value": base_url},
        {"key": "username", "value": "demo"},
        {"key": "password", "value": "demo-password"},
        {"key": "accessToken", "value": ""},
    ]
    arranged["auth"] = {
        "type": "oauth2",
        "oauth2": [
            {"key": "grant_type", "value": "password_credentials", "type": "string"},
            {"key": "accessTokenUrl", "value": "{{baseUrl}}/api/auth/login", "type": "string"},
            {"key": "username", "value": "{{username}}", "type": "string"},
            {"key": "password", "value": "{{password}}", "type": "string"},
            {"key": "client_authentication", "value": "body", "type": "string"},
            {"key": "accessToken", "value": "{{accessToken}}", "type": "string"},
            {"key": "tokenType", "value": "Bearer", "type": "string"},
            {"key": "addTokenTo", "value": "header", "type": "string"},
            {"key": "headerPrefix", "value": "Bearer", "type": "string"},
        ],
    }
    arranged["event"] = [_event("prerequest", LOGIN_JS)]
    return arranged


LOGIN_CAPTURE_JS = "\npm.collectionVariables.set('accessToken', pm.response.json().access_token);"
LOGOUT_JS = "\npm.collectionVariables.set('accessToken', '');  // revoked"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running service (its /api/openapi.json)")
    parser.add_argument("--out", type=Path, default=Path("signing-service.postman_collection.json"))
    parser.add_argument("--run", action="store_true", help="then run it with newman (exit status: newman's)")
    parser.add_argument("--newman-arg", action="append", default=[], help="passed on to newman run (repeatable)")
    args = parser.parse_args()
    base_url = args.url.rstrip("/")
    node_modules = ensure_packages(cache_dir())
    answer = httpx.get(f"{base_url}/api/openapi.json", timeout=30)
    answer.raise_for_status()
    collection = arrange(convert(answer.text, node_modules), answer.json(), base_url=base_url)
    args.out.write_text(json.dumps(collection, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    if args.run:
        newman = [shutil.which("node") or "node", str(node_modules / "newman" / "bin" / "newman.js")]
        sys.exit(subprocess.run([*newman, "run", str(args.out), *args.newman_arg], check=False).returncode)


if __name__ == "__main__":
    main()
