"""Command line of the devnet: `python -m app devnet --fund ADDRESS ...` runs a local node."""

import argparse
import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from app.chain.address import decode_address, encode_address
from app.chain.errors import InvalidInput
from app.devnet import persist
from app.devnet.server import create_app
from app.devnet.state import DEFAULT_PROPOSALS, Ledger

# A bounded graceful shutdown: a request held by a timeout fault must not keep the node alive.
SHUTDOWN_GRACE_SECONDS = 2


def drop_cancelled_requests(record: logging.LogRecord) -> bool:
    """Logging filter: hide the traceback uvicorn logs for a request it cancelled at shutdown.

    Only a request held by a timeout fault is still running when the grace period ends; its
    cancellation is expected, not an error worth a traceback.
    """
    return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


def build_parser() -> argparse.ArgumentParser:
    """The devnet's argument parser."""
    parser = argparse.ArgumentParser(
        prog="devnet", description="Run a local Binance Chain node (no fees, no matching engine)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.add_argument("--chain-id", default="Binance-Dev", help="chain id the node reports and signs for")
    parser.add_argument("--hrp", default="tbnb", help="bech32 prefix of addresses (default tbnb)")
    parser.add_argument(
        "--fund", action="append", default=[], metavar="ADDRESS", help="genesis account to fund (repeatable)"
    )
    parser.add_argument(
        "--proposals", type=int, default=DEFAULT_PROPOSALS, metavar="N", help="governance proposals 1..N to vote on"
    )
    parser.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help="keep the ledger in FILE: loaded at start if it exists (--fund then changes nothing), "
        "rewritten atomically after every applied tx",
    )
    parser.add_argument(
        "--enable-faults",
        action="store_true",
        help="enable the /admin routes of fault injection and sequence tampering (tests only; off by default)",
    )
    return parser


def funded_addresses(addresses: Sequence[str], *, hrp: str) -> list[str]:
    """Canonical addresses in first-seen order without repeats; InvalidInput for a bad or foreign one."""
    seen: dict[str, None] = {}
    for address in addresses:
        seen.setdefault(encode_address(hrp, decode_address(address, hrp)), None)
    return list(seen)


def open_state(parser: argparse.ArgumentParser, ledger: Ledger, path: Path) -> bool:
    """Load the ledger from path if it exists (True), else write the new one there (so a bad path fails now)."""
    try:
        if persist.load(ledger, path):
            persist.save(ledger, path)  # a file from before ledger ids gets its own now
            print(f"devnet state loaded from {path} (height {ledger.height}; --fund adds nothing)", flush=True)
            return True
        persist.save(ledger, path)
    except persist.StateFileError as exc:
        parser.error(f"--state: {exc}")
    except OSError as exc:
        parser.error(f"--state: cannot write {path}: {exc.strerror}")
    print(f"devnet state: new ledger written to {path}", flush=True)
    return False


def main(argv: list[str] | None = None, *, extra_fund: Sequence[str] = ()) -> None:
    """Parse argv, fund --fund plus extra_fund, print the URL and the funded addresses, and serve."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.proposals < 0:
        parser.error("--proposals must be 0 or more")
    try:
        funded = funded_addresses([*args.fund, *extra_fund], hrp=args.hrp)
    except InvalidInput as exc:
        parser.error(f"--fund: {exc}")  # exits with status 2
    state_file: Path | None = args.state
    app = create_app(
        chain_id=args.chain_id,
        hrp=args.hrp,
        genesis=funded,
        proposals=args.proposals,
        faults_enabled=args.enable_faults,
        on_change=None if state_file is None else lambda ledger: persist.save(ledger, state_file),
    )
    url = f"http://{args.host}:{args.port}"
    loaded = state_file is not None and open_state(parser, app.state.ledger, state_file)
    # A loaded ledger keeps its accounts: nothing was funded, so say nothing was.
    funding = "" if loaded else f" funded: {', '.join(funded) or '(none)'}"
    print(f"devnet {args.chain_id} on {url} (ledger {app.state.ledger.ledger_id}){funding}", flush=True)
    if args.enable_faults:
        print(f"devnet fault injection enabled: {url}/admin/faults", flush=True)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )  # configures logging: add the filter after
    logging.getLogger("uvicorn.error").addFilter(drop_cancelled_requests)
    uvicorn.Server(config).run()
