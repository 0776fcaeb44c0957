"""`python -m app audit list|verify`: read and check the audit chain of a config's store."""

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from app.clock import SystemClock
from app.config import ServiceConfig
from app.services import open_store
from app.signing.audit import AuditLog


def _timestamp(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO 8601 date or time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]", *, default_config: str) -> None:
    """Register `audit list` and `audit verify`."""
    audit = sub.add_parser("audit", help="list or verify the tamper-evident audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    listing = audit_sub.add_parser("list", help="print audit records as JSON lines, oldest first")
    listing.add_argument("--config", default=default_config)
    listing.add_argument("--since", type=_timestamp, help="ISO 8601 time, e.g. 2026-11-24T08:00:00Z")
    listing.add_argument("--user", help="only this user's records")
    verify = audit_sub.add_parser("verify", help="exit 0 if the chain is intact; else name the first bad row")
    verify.add_argument("--config", default=default_config)


async def _list(config: ServiceConfig, since: float | None, user: str | None) -> int:
    store = await open_store(config)
    try:
        async for entry in AuditLog(store, SystemClock()).entries(since=since, user=user):
            sys.stdout.write(json.dumps(entry, sort_keys=True) + "\n")
    finally:
        await store.close()
    return 0


async def _verify(config: ServiceConfig) -> int:
    store = await open_store(config)
    try:
        result = await store.audit.verify()
    finally:
        await store.close()
    if result.ok:
        print(f"audit chain intact: {result.rows} rows")
        return 0
    print(f"audit chain BROKEN at row {result.first_bad_id}: {result.reason} ({result.rows} rows verified before it)")
    return 1


def missing_store(config: ServiceConfig) -> Path | None:
    """The SQLite file config names if it does not exist (else None): a read-only command must not create it."""
    assert config.database_url is not None  # parse_config always sets it
    url = make_url(config.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return None if path.exists() else path


def run(args: argparse.Namespace, config: ServiceConfig) -> int:
    """Run the chosen audit command; returns the exit code (2: the config's store does not exist)."""
    missing = missing_store(config)
    if missing is not None:
        # Opening would create an empty store and report "intact: 0 rows" for the wrong config.
        print(f"no store at {missing}: check database_url in {args.config}", file=sys.stderr)
        return 2
    if args.audit_command == "list":
        return asyncio.run(_list(config, args.since, args.user))
    return asyncio.run(_verify(config))
