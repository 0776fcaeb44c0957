"""The per-wallet `approvals:` block of the config: when a request needs a quorum of approvers.

Kept beside the pipeline that applies it; app/config.py embeds it in each wallet's model.
"""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator

from app.chain.amounts import to_units
from app.chain.messages import check_token_symbol


def _amount_text(value: str | int) -> str:
    to_units(str(value))  # same rules as request amounts: positive, <= 8 decimals, fits int64
    return str(value)


TokenName = Annotated[str, AfterValidator(check_token_symbol)]
LimitAmount = Annotated[str | int, AfterValidator(_amount_text)]


class ApprovalsConfig(BaseModel):
    """A two-person (M-of-N) rule on one wallet."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quorum: Annotated[int, Field(ge=1, le=100)]  # distinct approvers needed; the requester never counts
    # A request needs approval when it spends more than this of a coin; absent: every request of the types.
    above: dict[TokenName, LimitAmount] | None = None
    # The types a rule covers (each with every type its signature is also valid as); absent: every
    # type that can move funds (app/signing/table.py, MessageType.moves_funds).
    message_types: list[str] | None = None
    expire_after_seconds: Annotated[int, Field(ge=60, le=30 * 86400)] = 86400
    # Pending requests one user may have on the wallet at a time: more are refused (429).
    max_pending_per_user: Annotated[int, Field(ge=1, le=10_000)] = 20
    # Optional: a POST of the request's JSON on every status change, signed with webhook_secret.
    webhook_url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2048)] | None = None
    webhook_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _check(self) -> "ApprovalsConfig":
        # The table imports the config's models: read it here, when a config is validated.
        from app.signing.table import MESSAGE_TYPES

        names = [row.name for row in MESSAGE_TYPES]
        if self.message_types is not None and any(name not in names for name in self.message_types):
            raise ValueError(f"message_types: each must be one of {', '.join(names)}")  # the value is not echoed
        if (self.webhook_url is None) != (self.webhook_secret is None):
            raise ValueError("webhook_url and webhook_secret go together")
        return self
