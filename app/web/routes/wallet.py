"""Wallet info and resync."""

from typing import Any

from fastapi import APIRouter, Path, Request

from app.auth.users import User
from app.permissions import Permission
from app.services import Services
from app.signing.audit import AuditLog
from app.signing.wallets import Wallet
from app.web.deps import CurrentUser, ServicesDep, actor_of, authorize
from app.web.jsonbody import DecimalJSONRoute
from app.web.openapi import body_example, errors
from app.web.schemas import MAX_WALLET_NAME_CHARS, WALLET_NAME_PATTERN, ResyncResponse, WalletInfo, WalletNameRequest

router = APIRouter(tags=["wallet"], route_class=DecimalJSONRoute)


async def _info(services: Services, wallet: Wallet, user: User) -> WalletInfo:
    # Read from the store only: wallet info never waits on the node or a signing lock.
    row = await services.store.sequences.get(wallet.account_key)
    known = row is not None and not row.stale
    return WalletInfo(
        name=wallet.name,
        env_name=wallet.environment.name,
        address=wallet.address,
        public_key=wallet.key.public_key.hex(),
        permissions=sorted(user.permissions_on(wallet.name, wallet.permissions)),
        account_number=row.account_number if known and row else None,
        next_sequence=row.next_sequence if known and row else None,
    )


@router.get("/wallet", response_model=list[WalletInfo], responses=errors(401, 404, 422), summary="List your wallets")
async def list_wallets(user: CurrentUser, services: ServicesDep) -> list[WalletInfo]:
    """Every wallet on which you have at least one effective permission."""
    return [await _info(services, w, user) for w in services.wallets if user.permissions_on(w.name, w.permissions)]


@router.get("/wallet/{wallet_name}", response_model=WalletInfo, responses=errors(401, 404, 422), summary="One wallet")
async def get_wallet(
    user: CurrentUser,
    services: ServicesDep,
    wallet_name: str = Path(max_length=MAX_WALLET_NAME_CHARS, pattern=WALLET_NAME_PATTERN, examples=["wallet_1"]),
) -> WalletInfo:
    """Name, environment, address, public key and your permissions on one wallet."""
    wallet, _ = services.wallets.visible(wallet_name, user.grants.get(wallet_name, frozenset()))
    return await _info(services, wallet, user)


@router.post(
    "/wallet/resync",
    response_model=ResyncResponse,
    responses=errors(401, 403, 404, 422, 502, 503, 504),
    openapi_extra=body_example(WalletNameRequest),
    summary="Re-read account number and sequence from the node",
)
async def resync(body: WalletNameRequest, user: CurrentUser, services: ServicesDep, request: Request) -> ResyncResponse:
    """Needs the resync permission. Waits for signing in progress on the wallet, then re-reads."""
    actor = actor_of(user, request)

    def entry() -> dict[str, Any]:
        return AuditLog.entry(actor, wallet=body.wallet_name, action="wallet/resync", summary={"type": "resync"})

    wallet = await authorize(
        services, user, request, wallet_name=body.wallet_name, permission=Permission.RESYNC, entry=entry
    )
    result = await services.signing.resync(actor, wallet)
    return ResyncResponse(
        wallet_name=result.wallet_name,
        address=result.address,
        account_number=result.account_number,
        sequence=result.sequence,
    )
