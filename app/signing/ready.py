"""A request made ready to sign: its chain message, prepared, and what the signed bytes can do (its effects).

Effects are those of every message the signature is valid as (app/signing/table.py, readings),
combined; where they depend on chain state (who a deposit's swap pays), the node is asked first.
"""

from dataclasses import dataclass

from app.chain.messages import reread
from app.signing.effects import ChainFacts, Effects, combined
from app.signing.node import Nodes
from app.signing.prepared import Prepared
from app.signing.table import readings
from app.signing.txs import SignRequest


@dataclass(frozen=True, slots=True)
class Ready:
    """A request prepared for signing, with what its signed bytes can do on chain."""

    prepared: Prepared
    effects: Effects


async def read_effects(request: SignRequest, nodes: Nodes) -> Ready:
    """Prepare (the chain's rules, 422 otherwise) and read the effects of every reading of the bytes."""
    prepared = request.message.prepare(request.msg, request.wallet)
    built = prepared.build(0)  # effects never depend on the sequence (only an order's id does)
    rows = readings(request.message)
    facts = ChainFacts()
    for row in rows:
        swap_id = row.effects.swap_id
        if swap_id is not None:  # a deposit: who ends up with it is the chain's to say, read now
            swap = await nodes.swap(request.wallet.environment, swap_id(reread(built, row.chain_type)).hex())
            facts = ChainFacts(swap=swap)
    return Ready(prepared, combined([row.effects.read(reread(built, row.chain_type), facts) for row in rows]))
