"""Write the demo's own config (scripts/demo.sh): CONFIG with its local node on the devnet's URL and its store moved.

Every environment whose api_url is on this machine (127.0.0.1, localhost, ::1) is pointed at --node-url,
database_url is set to --database-url (default: a SQLite file beside --out, unless CONFIG names a
database), and relative {file: PATH} and keystore paths are made absolute, so they still mean what
they meant next to CONFIG. CONFIG itself is never written.

    python scripts/demo_config.py --config config/config.yml --node-url http://127.0.0.1:18080 --out .demo/config.yml
"""

import argparse
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def absolute(value: Any, base: Path) -> Any:
    """value with every {file: PATH} reference made absolute against base."""
    if isinstance(value, dict):
        if set(value) == {"file"} and isinstance(value["file"], str):
            return {"file": str((base / value["file"]).resolve())}
        return {key: absolute(item, base) for key, item in value.items()}
    if isinstance(value, list):
        return [absolute(item, base) for item in value]
    return value


def demo_config(data: dict[str, Any], *, base: Path, node_url: str, database_url: str) -> dict[str, Any]:
    """A copy of the loaded config data for the demo; database_url is used unless data names a database."""
    data = absolute(data, base)
    for environment in (data.get("environments") or {}).values():
        if isinstance(environment, dict) and urlsplit(str(environment.get("api_url", ""))).hostname in LOCAL_HOSTS:
            environment["api_url"] = node_url
    for wallet in data.get("wallets") or []:
        if isinstance(wallet, dict) and isinstance(wallet.get("keystore"), str):
            wallet["keystore"] = str((base / wallet["keystore"]).resolve())
    data.setdefault("database_url", database_url)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config/config.yml"), help="the config to start from")
    parser.add_argument("--node-url", required=True, help="URL of the devnet, e.g. http://127.0.0.1:8080")
    parser.add_argument("--out", type=Path, required=True, help="the config to write (mode 0600)")
    parser.add_argument("--database-url", help="default: CONFIG's, else sqlite:///<folder of --out>/signer.db")
    args = parser.parse_args()
    data = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        parser.error(f"{args.config}: not a YAML mapping")
    database_url = args.database_url or f"sqlite:///{(args.out.parent / 'signer.db').resolve()}"
    data = demo_config(data, base=args.config.parent, node_url=args.node_url, database_url=database_url)
    if args.database_url:
        data["database_url"] = args.database_url
    header = f"# Written by scripts/demo.sh from {args.config}: edit that file instead (this one is rewritten).\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The demo config holds keys: readable by its owner only, like any secret file.
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)  # an older file keeps its mode through O_TRUNC
        out.write(header + yaml.safe_dump(data, sort_keys=False))


if __name__ == "__main__":
    main()
