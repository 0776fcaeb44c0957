"""A local Binance Chain node ("devnet") for the demo and the end-to-end tests.

It speaks the node's HTTP API and checks txs as the chain did, over a ledger kept in memory
(and, with --state FILE, in a file).
It depends only on app.chain, FastAPI and uvicorn.
"""

from app.devnet.server import create_app
from app.devnet.state import Ledger, TxRejected

__all__ = ["Ledger", "TxRejected", "create_app"]
