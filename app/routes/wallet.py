"""Wallet info and resync."""

from typing import Any

from fastapi import APIRouter, Path, Request

from app.deps import CurrentUser, ServicesDep, client_host
from app.errors import error_body
from app.jsonbody import DecimalJSONRoute
from app.operations import Attempt, resync_wallet
from app.permissions import Permission
from app.schemas import (
    MAX_WALLET_NAME_CHARS,
    WALLET_NAME_PATTERN,
    ErrorResponse,
    ResyncResponse,
    WalletInfo,
    WalletNameRequest,
)
from app.services import Services
from app.users import User
from app.wallets import Wallet

router = APIRouter(tags=["wallet"], route_class=DecimalJSONRoute)
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorResponse,
        "description": "Missing, bad or expired token",
        "content": {"application/json": {"example": error_body(401, "invalid or expired token")}},
    },
    404: {
        "model": ErrorResponse,
        "description": "Unknown wallet, or none of its permissions granted",
        "content": {"application/json": {"example": error_body(404, "wallet 'x' not found")}},
    },
    422: {
        "model": ErrorResponse,
        "description": "Invalid input; the field is named",
        "content": {"application/json": {"example": error_body(422, "wallet_name: String should match pattern")}},
    },
}


async def _info(services: Services, wallet: Wallet, user: User) -> WalletInfo:
    # Read from the store only: wallet info never waits on the node or a signing lock.
    row = await services.store.get_account(wallet.account_key)
    known = row is not None and not row.stale
    return WalletInfo(
        name=wallet.name,
        env_name=wallet.environment.name,
        address=wallet.address,
        public_key=wallet.key.public_key.hex(),
        permissions=sorted(user.permissions_on(wallet)),
        account_number=row.account_number if known and row else None,
        next_sequence=row.next_sequence if known and row else None,
    )


@router.get("/wallet", response_model=list[WalletInfo], responses=_ERRORS, summary="List your wallets")
async def list_wallets(user: CurrentUser, services: ServicesDep) -> list[WalletInfo]:
    """Every wallet on which you have at least one effective permission."""
    return [await _info(services, w, user) for w in services.wallets if user.permissions_on(w)]


@router.get("/wallet/{wallet_name}", response_model=WalletInfo, responses=_ERRORS, summary="One wallet")
async def get_wallet(
    user: CurrentUser,
    services: ServicesDep,
    wallet_name: str = Path(max_length=MAX_WALLET_NAME_CHARS, pattern=WALLET_NAME_PATTERN, examples=["wallet_1"]),
) -> WalletInfo:
    """Name, environment, address, public key and your permissions on one wallet."""
    wallet, _ = services.visible_wallet(user, wallet_name)
    return await _info(services, wallet, user)


@router.post(
    "/wallet/resync",
    response_model=ResyncResponse,
    responses={
        **_ERRORS,
        403: {"model": ErrorResponse, "description": "No resync permission, or client address not allowed"},
        502: {"model": ErrorResponse, "description": "Node failed"},
        504: {"model": ErrorResponse, "description": "Node timeout"},
    },
    summary="Re-read account number and sequence from the node",
)
async def resync(body: WalletNameRequest, user: CurrentUser, services: ServicesDep, request: Request) -> ResyncResponse:
    """Needs the resync permission. Waits for signing in progress on the wallet, then re-reads."""
    attempt = Attempt(
        user=user,
        client_host=client_host(request),
        wallet_name=body.wallet_name,
        action="wallet/resync",
        permission=Permission.RESYNC,
        summary={"type": "resync"},
    )
    return await resync_wallet(services, attempt)
