"""Re-authorizing an approved request's requester when its quorum completes: the current config decides."""

from app.errors import PermissionDenied, ServiceError
from app.signing.approvals import UserGrants
from app.signing.table import permissions_of
from app.signing.txs import SignRequest
from app.signing.wallets import WalletRegistry
from app.store import ApprovalRow


class RequesterRevoked(PermissionDenied):
    """An approved request whose requester lost the grant (or the user) since asking: it does not run."""


def revoked(
    wallets: WalletRegistry, grants: UserGrants, *, request: SignRequest, row: ApprovalRow
) -> ServiceError | None:
    """The refusal if row's requester may no longer make request (permissions of every reading, ip_whitelist)."""
    try:
        wallets.authorize(
            row.wallet,
            grants(row.requested_by).get(row.wallet, frozenset()),
            permissions_of(request.message),
            client_host=row.client_ip,
        )
    except ServiceError as exc:
        return RequesterRevoked(f"requester '{row.requested_by}' may no longer use wallet '{row.wallet}': {exc}")
    return None
