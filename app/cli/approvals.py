"""`python -m app approvals unresolved|resolve`: approved requests whose outcome is not known, for operators."""

import argparse
import asyncio
import json
import sys

from app.config import ServiceConfig
from app.errors import ServiceError
from app.services import Services


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]", *, default_config: str) -> None:
    """Register `approvals unresolved` and `approvals resolve ID`."""
    approvals = sub.add_parser("approvals", help="approved requests whose outcome is unknown")
    approvals_sub = approvals.add_subparsers(dest="approvals_command", required=True)
    unresolved = approvals_sub.add_parser("unresolved", help="list requests that are unknown or left executing")
    unresolved.add_argument("--config", default=default_config)
    resolve = approvals_sub.add_parser("resolve", help="resolve one request from the chain (tx hash, sequence)")
    resolve.add_argument("approval_id")
    resolve.add_argument("--config", default=default_config)
    resolve.add_argument(
        "--force",
        action="store_true",
        help="the service that ran it is stopped: take a tx the chain does not have as lost, now",
    )


async def resolve_one(services: Services, approval_id: str, *, force: bool) -> tuple[int, str]:
    """Resolve one request; (exit code, the line to print)."""
    row = await services.store.approvals.get(approval_id)
    if row is None:
        return 1, f"approval {approval_id} not found"
    if row.status not in ("unknown", "executing"):
        return 0, f"approval {approval_id} is {row.status}: nothing to resolve"
    if row.status == "executing" and not force:
        return 1, f"approval {approval_id} is executing (it may be running): stop the service, then use --force"
    try:
        status = await services.signing.outcomes.resolve(row, force=force)
    except ServiceError as exc:  # the node could not be asked: nothing changed
        return 1, f"approval {approval_id} not resolved: {exc.message}"
    current = await services.store.approvals.get(approval_id)
    reason = f" ({current.reason})" if current is not None and current.reason else ""
    return (0 if status != "unknown" else 1), f"approval {approval_id} is {status}{reason}"


async def _unresolved(services: Services) -> tuple[int, str]:
    rows = await services.store.approvals.unresolved(wallets=None, stale_before=float("inf"))
    lines = [
        json.dumps({"approval_id": r.id, "status": r.status, "wallet": r.wallet, "tx": json.loads(r.result or "null")})
        for r in rows
    ]
    return 0, "\n".join(lines)


async def _run(args: argparse.Namespace, config: ServiceConfig) -> int:
    services = await Services.open(config)
    try:
        if args.approvals_command == "resolve":
            code, text = await resolve_one(services, args.approval_id, force=args.force)
        else:
            code, text = await _unresolved(services)
    finally:
        await services.close()
    if text:
        print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def run(args: argparse.Namespace, config: ServiceConfig) -> int:
    """Run the chosen approvals command; returns the exit code."""
    return asyncio.run(_run(args, config))
