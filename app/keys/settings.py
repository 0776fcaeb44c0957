"""The per-wallet YAML blocks of the remote key sources: `pkcs11:` and `aws_kms:`.

Secret references ({env: VAR} / {file: PATH}) are resolved by the config loader before these
models see the values, so `pin` is already the PIN here. AWS credentials are never part of a
block: they come from the standard AWS chain (environment, profile, task role).
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

Timeout = Annotated[float, Field(gt=0, le=120)]


class _Strict(BaseModel):
    # A misspelt field (e.g. "pin_code") is an error, not a silently ignored default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pkcs11Settings(_Strict):
    """A key in a PKCS#11 token (SoftHSM2, YubiHSM2, CloudHSM, Luna, ...)."""

    # An absolute path, so the module that runs inside this process is the one named, not the first
    # match on the loader's search path.
    module: Annotated[str, Field(min_length=2, max_length=4096, pattern=r"^/")]
    token_label: Annotated[str, Field(min_length=1, max_length=32)]  # CK_TOKEN_INFO.label is 32 bytes
    key_label: Annotated[str, Field(min_length=1, max_length=256)]  # the private key's CKA_LABEL
    pin: SecretStr
    timeout_seconds: Timeout = 5.0

    @field_validator("pin")
    @classmethod
    def _pin_not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("the PIN is empty")  # the message never carries the value
        return value


class AwsKmsSettings(_Strict):
    """An ECC_SECG_P256K1 SIGN_VERIFY key in AWS KMS (or anything speaking its API, e.g. moto)."""

    key_id: Annotated[str, Field(min_length=1, max_length=2048, pattern=r"^\S+$")]  # id, ARN or alias/...
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d+$")]
    endpoint_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")] | None = None
    timeout_seconds: Timeout = 5.0
