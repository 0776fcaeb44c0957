"""Request model for account flags (SetAccountFlagsMsg), e.g. BEP12's memo check for deposit accounts."""

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.chain.messages import UINT64_MAX
from app.signing.fields import SignableMsg


class SetAccountFlagsMsg(SignableMsg):
    """Replace the wallet's account flags (bit 1: transfers to it must carry a memo of digits, BEP12)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"flags": 0}]})
    flags: Annotated[int, Field(strict=True, ge=0, le=UINT64_MAX, description="uint64 bit set; 1 = memo required")]

    def audit_summary(self) -> dict[str, Any]:
        return {"flags": self.flags}
