"""Request and response models of the HTTP API (the message bodies are in app/signing/requests.py).

None of them can carry key material: stored records and API models are different types.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from app.permissions import Permission

MAX_WALLET_NAME_CHARS = 64
WALLET_NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"
WalletName = Annotated[
    str, Field(min_length=1, max_length=MAX_WALLET_NAME_CHARS, pattern=WALLET_NAME_PATTERN, examples=["wallet_1"])
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def sign_request_model(name: str, msg_model: type[BaseModel]) -> type[BaseModel]:
    """The request body {"msg": ..., "wallet_name": ...} for one message type."""
    extra = msg_model.model_config.get("json_schema_extra")
    msg_examples = extra.get("examples") if isinstance(extra, dict) else None
    wallet = getattr(msg_model, "example_wallet", "wallet_1")
    examples: list[Any] = [
        {"msg": example, "wallet_name": wallet} for example in (msg_examples if isinstance(msg_examples, list) else [])
    ]
    model: type[BaseModel] = create_model(
        name,
        __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": examples}),
        msg=(msg_model, ...),
        wallet_name=(WalletName, ...),
    )
    return model


class WalletNameRequest(_Model):
    """A body naming one wallet."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"wallet_name": "wallet_1"}]})

    wallet_name: WalletName


class LoginRequest(_Model):
    """Username and password."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class TokenResponse(BaseModel):
    """A bearer token for the Authorization header."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int


class SignResponse(BaseModel):
    """A signed transaction, ready to broadcast."""

    signed_msg: str = Field(description="Hex of the signed transaction (amino, length-prefixed).")
    tx_hash: str
    sequence: int
    account_number: int
    chain_id: str
    order_id: str | None = Field(default=None, description="Set for new orders: the id to cancel it with.")


class WalletInfo(BaseModel):
    """What a user may know about a wallet: never its key."""

    name: str
    env_name: str
    address: str
    public_key: str
    permissions: list[Permission]
    account_number: int | None = Field(default=None, description="From the node; null until first use.")
    next_sequence: int | None = Field(default=None, description="The sequence the next signature will use, if known.")


class ResyncResponse(BaseModel):
    """The account state re-read from the node."""

    wallet_name: str
    address: str
    account_number: int
    sequence: int


class FieldError(BaseModel):
    """One invalid input: where (dotted path, or "body") and why."""

    field: str
    reason: str


class ErrorResponse(BaseModel):
    """The body of every error: code/message for python-binance-chain, detail for FastAPI clients."""

    model_config = ConfigDict(extra="allow")  # e.g. node_status and node_response from a node's refusal
    code: int
    message: str
    detail: str
    errors: list[FieldError] | None = Field(default=None, description="For 422: each invalid field.")
