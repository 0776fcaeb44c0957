"""The error answers each route documents in the OpenAPI document (with an example body each).

They refer to their body's schema by name rather than give FastAPI the model: FastAPI builds a
pydantic field for every (route, status, model) it is given, about 500 here, used only to write
this document (3 MB of idle RSS). The schema itself is in the document because /ready's 503 gives
the model (app/web/routes/health.py); tests/api/test_openapi.py fails on a reference to nowhere.
"""

from typing import Any

from pydantic import BaseModel

from app.web.errors import error_body
from app.web.schemas import ErrorResponse

_EXAMPLES: dict[int, tuple[str, str]] = {
    400: ("The node rejected the transaction (its answer is in node_response)", "the node rejected the transaction"),
    401: ("Missing, bad or expired token", "invalid or expired token"),
    403: (
        "Permission not granted, client address not allowed, or over a policy limit",
        "permission 'trade' is not granted on wallet 'wallet_1'",
    ),
    404: ("Unknown wallet, or none of its permissions granted", "wallet 'x' not found"),
    409: ("Account never funded, or sequence conflict", "account not found on the chain"),
    422: ("Invalid input; the field is named", "msg.price: amount has more than 8 decimals"),
    502: ("The node failed or refused the signature", "node unreachable"),
    503: (
        "The audit log or the key backend cannot be used: nothing was signed or sent",
        "the audit log cannot be written",
    ),
    504: ("The node did not answer in time", "node did not answer in time"),
}


REF_TEMPLATE = "#/components/schemas/{model}"


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to model's schema in the document (some route must give the model itself)."""
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries for these statuses."""
    return {
        status: {
            "description": _EXAMPLES[status][0],
            "content": {
                "application/json": {
                    "example": error_body(status, _EXAMPLES[status][1]),
                    "schema": schema_ref(ErrorResponse),
                }
            },
        }
        for status in statuses
    }


def body_example(model: type[BaseModel]) -> dict[str, Any]:
    """The `openapi_extra=` that puts model's first schema example on the operation's JSON request body.

    The JSON Schema `examples` list stays on the model; the media type's single `example` is what
    OpenAPI tools (Postman's importer, openapi-to-postmanv2, with parameter generation "Example") fill
    the request body with. Taken from the model, so it is always the example the model documents.
    """
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    if not isinstance(examples, list) or not examples:
        raise ValueError(f"{model.__name__} has no example to put on its request body")
    return {"requestBody": {"content": {"application/json": {"example": examples[0]}}}}
