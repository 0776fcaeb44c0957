"""The service configuration: one YAML file, validated once at start-up.

Secrets are SecretStr and validation errors are reported by field name only, never with the
offending value, so a typo in a private key cannot end up in a log. Any secret may be inline,
`{env: VAR}` or `{file: PATH}` (app/secretref.py); a wallet key may be an encrypted keystore
(app/keystore.py), opened once here at load.
"""

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.chain.address import decode_address
from app.chain.amounts import to_units
from app.chain.answers import CHAIN_ID_RE
from app.chain.errors import InvalidInput, InvalidKey
from app.chain.keys import SigningKey
from app.chain.messages import PAIR_RE, TOKEN_RE, bsc_address, check_token_symbol
from app.keys.keystore import KeystoreError
from app.keys.keystore import load as load_keystore
from app.keys.settings import AwsKmsSettings, Pkcs11Settings
from app.permissions import Permission, effective_permissions
from app.secretref import SecretReferenceError, read_private_file, resolve_secrets
from app.signing.settings import ApprovalsConfig

DEFAULT_TOKEN_EXPIRY_MINUTES = 10080
MIN_SECRET_KEY_BYTES = 32
PLACEHOLDER_SECRETS = {"change_this", "changeme", "change_me", "secret", "<bcrypt_hash>"}
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class ConfigError(Exception):
    """The configuration cannot be used; the message names fields, never secret values."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnvironmentConfig(_Strict):
    """A chain node: where to reach it and how its addresses look."""

    api_url: Annotated[str, Field(pattern=r"^https?://[^\s]+$")]
    hrp: Annotated[str, Field(pattern=r"^[a-z]{1,16}$")]
    chain_id: Annotated[str, Field(pattern=CHAIN_ID_RE.pattern)] | None = (
        None  # the charset and length the chain allows
    )
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    # The side chain that staking messages name: "bsc" on mainnet, "chapel" on the testnet.
    side_chain_id: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[a-z0-9\-]+$")] = "bsc"


BUILTIN_ENVIRONMENTS = {
    "PROD": EnvironmentConfig(api_url="https://dex.binance.org", hrp="bnb", chain_id="Binance-Chain-Tigris"),
    "TESTNET": EnvironmentConfig(
        api_url="https://testnet-dex.binance.org", hrp="tbnb", chain_id="Binance-Chain-Ganges", side_chain_id="chapel"
    ),
}


def _amount_text(value: str | int) -> str:
    to_units(str(value))  # same rules as request amounts: positive, <= 8 decimals, fits int64
    return str(value)


LimitAmount = Annotated[str | int, AfterValidator(_amount_text)]
TokenName = Annotated[str, AfterValidator(check_token_symbol)]


class LimitsConfig(_Strict):
    """Policy limits on a wallet, or on one user's use of a wallet (both apply).

    Spend is what leaves the wallet: transfer amounts per coin; for an order, the quantity of
    the base token (sell) or price x quantity of the quote token (buy).
    """

    max_per_tx: dict[TokenName, LimitAmount] = {}
    max_per_day: dict[TokenName, LimitAmount] = {}  # rolling 24 hours, counted at signing time
    # Recipients: bech32, or 0x (EIP-55 or one case) for transfers to BNB Smart Chain; None = any.
    allowed_destinations: list[str] | None = None
    allowed_symbols: list[str] | None = None  # tokens (transfers, freezes) and pairs (orders); None = any
    max_orders_per_minute: Annotated[int, Field(ge=1)] | None = None

    @field_validator("allowed_symbols")
    @classmethod
    def _check_symbols(cls, value: list[str] | None) -> list[str] | None:
        for index, symbol in enumerate(value or []):
            if not (TOKEN_RE.fullmatch(symbol) or PAIR_RE.fullmatch(symbol)):
                raise ValueError(f"entry {index} is not a token or pair symbol")
        return value

    @field_validator("allowed_destinations")
    @classmethod
    def _check_destinations(cls, value: list[str] | None) -> list[str] | None:
        for index, address in enumerate(value or []):
            try:
                bsc_address(address) if address.startswith("0x") else decode_address(address)
            except InvalidInput as exc:  # the reason never quotes the address
                raise ValueError(f"entry {index}: {exc}") from None
        return value


class WalletConfig(_Strict):
    """A wallet: its key (hex, BIP39 mnemonic or keystore file), its environment and what it may be used for."""

    name: Name
    env_name: Name
    private_key: SecretStr | None = None
    mnemonic: SecretStr | None = None
    passphrase: SecretStr | None = None
    # A Web3 Secret Storage v3 file, relative to the config file's folder, and its password.
    keystore: Annotated[str, Field(min_length=1)] | None = None
    keystore_password: SecretStr | None = None
    account_index: Annotated[int, Field(ge=0, lt=2**31)] = 0
    # Keys that never enter the process: a PKCS#11 token's key, or an AWS KMS key.
    pkcs11: Pkcs11Settings | None = None
    aws_kms: AwsKmsSettings | None = None
    permissions: list[Permission] = []
    ip_whitelist: list[str] | None = None
    limits: LimitsConfig | None = None
    approvals: ApprovalsConfig | None = None  # the two-person rule (app/signing/settings.py)
    _signing_key: SigningKey | None = PrivateAttr(default=None)

    @field_validator("ip_whitelist")
    @classmethod
    def _check_networks(cls, value: list[str] | None) -> list[str] | None:
        _check_networks([e for e in value or [] if e != "*"])  # "*" means any address
        return value

    @model_validator(mode="after")
    def _derive_key(self, info: ValidationInfo) -> "WalletConfig":
        sources = [s for s in (self.private_key, self.mnemonic, self.keystore, self.pkcs11, self.aws_kms) if s]
        if len(sources) != 1:
            raise ValueError("give exactly one key source: private_key, mnemonic, keystore, pkcs11 or aws_kms")
        if self.mnemonic is None and (self.passphrase is not None or self.account_index):
            raise ValueError("passphrase and account_index only apply to a mnemonic")
        if (self.keystore is None) != (self.keystore_password is None):
            raise ValueError("keystore and keystore_password go together")
        if self.pkcs11 is not None or self.aws_kms is not None:
            return self  # opened by the service at start-up (app/services.py), never read here
        try:
            self._signing_key = self._open_key(base_dir=(info.context or {}).get("base_dir"))
        except (InvalidKey, KeystoreError, SecretReferenceError) as exc:  # messages never hold key material
            raise ValueError(str(exc)) from None
        return self

    def _open_key(self, *, base_dir: Path | None) -> SigningKey:
        if self.private_key is not None:
            return SigningKey.from_hex(self.private_key.get_secret_value())
        if self.mnemonic is not None:
            passphrase = self.passphrase.get_secret_value() if self.passphrase else ""
            return SigningKey.from_mnemonic(
                self.mnemonic.get_secret_value(), passphrase=passphrase, index=self.account_index
            )
        assert self.keystore is not None and self.keystore_password is not None
        path = Path(self.keystore).expanduser()
        path = path if path.is_absolute() or base_dir is None else base_dir / path
        # The same rule as {file: PATH}: the file is checked before its content is trusted.
        read_private_file(path, field="keystore")
        # scrypt is slow on purpose; this runs once per wallet, when the config is validated.
        return SigningKey(load_keystore(path, self.keystore_password.get_secret_value()))

    @property
    def key_source(self) -> str:
        """Where the key lives: private_key, mnemonic, keystore, pkcs11 or aws_kms."""
        if self.pkcs11 is not None:
            return "pkcs11"
        if self.aws_kms is not None:
            return "aws_kms"
        return "keystore" if self.keystore else "mnemonic" if self.mnemonic else "private_key"

    @property
    def signing_key(self) -> SigningKey | None:
        """The wallet's in-process key, derived once when the config was validated; None for an HSM or KMS key."""
        return self._signing_key


class WalletGrant(_Strict):
    """A user's permissions on one wallet."""

    wallet_name: Name
    permissions: list[Permission] = []
    limits: LimitsConfig | None = None


class UserConfig(_Strict):
    """A user who logs in with a password (stored as a bcrypt hash)."""

    username: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@\-]+$")]
    password_hash: SecretStr
    wallet_permissions: list[WalletGrant] = []

    @field_validator("password_hash")
    @classmethod
    def _check_bcrypt(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value()
        if not (text.startswith(("$2a$", "$2b$", "$2y$")) and len(text) == 60):
            raise ValueError("must be a bcrypt hash (make one with `python -m app hash-password`)")
        return value


class LoginThrottleConfig(_Strict):
    """Failed logins allowed per username and per client address within a window."""

    max_failures: Annotated[int, Field(ge=1, le=1000)] = 5
    window_seconds: Annotated[int, Field(ge=1, le=86400)] = 300


class ServiceConfig(_Strict):
    """The whole configuration file."""

    wallets: list[WalletConfig]
    users: list[UserConfig]
    secret_key: SecretStr
    access_token_expiry_minutes: Annotated[int, Field(gt=0, le=525600)] = DEFAULT_TOKEN_EXPIRY_MINUTES
    environments: dict[Name, EnvironmentConfig] = {}
    source: Annotated[int, Field(ge=0, lt=2**63)] = 0
    database_url: str | None = None
    # Idempotency-Key responses are kept this long.
    idempotency_ttl_hours: Annotated[float, Field(gt=0, le=24 * 365)] = 24.0
    # Request bodies larger than this get 413 before they are parsed.
    max_body_bytes: Annotated[int, Field(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    # Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed; none by default.
    trusted_proxies: list[str] = []
    login_throttle: LoginThrottleConfig = LoginThrottleConfig()
    denial_window_seconds: Annotated[float, Field(ge=0, le=86400)] = 60.0  # app/signing/denials.py; 0: a row each
    # Keys the audit log's hash chain (HMAC); at least 32 bytes. Derived from secret_key if absent.
    audit_key: SecretStr | None = None
    # If set, GET /metrics needs `Authorization: Bearer <metrics_token>`; if absent, /metrics is open.
    metrics_token: SecretStr | None = None

    @field_validator("secret_key", "audit_key")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # A guessable token secret lets anyone mint tokens for any user (or rewrite the audit
        # chain): refuse it outright.
        if value is None:
            return None
        text = value.get_secret_value()
        if text.strip().lower() in PLACEHOLDER_SECRETS or len(text.encode()) < MIN_SECRET_KEY_BYTES:
            raise ValueError(
                f"must be a random string of at least {MIN_SECRET_KEY_BYTES} bytes "
                "(make one with `python -m app gen-secret`)"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        _check_networks(value)
        return value

    @model_validator(mode="after")
    def _check_references(self) -> "ServiceConfig":
        envs = self.all_environments
        wallet_names = [w.name for w in self.wallets]
        # Messages name the place (wallets.3.env_name) and the reason, never a value.
        _no_duplicates("wallets.{}.name: duplicate wallet name", wallet_names)
        _no_duplicates("users.{}.username: duplicate username", [u.username for u in self.users])
        for i, wallet in enumerate(self.wallets):
            if wallet.env_name not in envs:
                raise ValueError(f"wallets.{i}.env_name: not a configured environment (nor PROD or TESTNET)")
        for i, user in enumerate(self.users):
            grants = [g.wallet_name for g in user.wallet_permissions]
            _no_duplicates(f"users.{i}.wallet_permissions.{{}}.wallet_name: duplicate grant", grants)
            for j, name in enumerate(grants):
                if name not in wallet_names:
                    raise ValueError(f"users.{i}.wallet_permissions.{j}.wallet_name: no such wallet")
        for i, wallet in enumerate(self.wallets):
            if wallet.approvals is not None:
                granted = frozenset(wallet.permissions)
                approvers = [
                    u.username
                    for u in self.users
                    for g in u.wallet_permissions
                    if g.wallet_name == wallet.name
                    and Permission.APPROVE in effective_permissions(granted, frozenset(g.permissions))
                ]
                if wallet.approvals.quorum > len(approvers):
                    raise ValueError(
                        f"wallets.{i}.approvals.quorum: {wallet.approvals.quorum} approvers needed but only "
                        f"{len(approvers)} user(s) may approve on this wallet"
                    )
        return self

    @property
    def all_environments(self) -> dict[str, EnvironmentConfig]:
        """Built-in PROD and TESTNET, overridden or extended by the file's environments."""
        return {**BUILTIN_ENVIRONMENTS, **self.environments}


def _check_networks(entries: list[str]) -> None:
    """Raise ValueError naming the first entry that is not an IP address or CIDR range."""
    for index, entry in enumerate(entries):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"entry {index} is not an IP address or CIDR range") from None


def _no_duplicates(message: str, names: list[str]) -> None:
    """ValueError(message with the index of the first repeated name), never the name itself."""
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise ValueError(message.format(index))
        seen.add(name)


# A location part is shown only if it looks like a field name; dict keys and unknown keys (where
# a pasted secret could sit) are shown as <key>.
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,31}$")


def _where(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) if isinstance(p, int) or _FIELD_NAME.fullmatch(p) else "<key>" for p in loc if p != "[key]"]
    return ".".join(parts) or "config"


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem: the field path and what is wrong, never the input value."""
    lines = []
    for item in error.errors(include_url=False, include_context=False, include_input=False):
        where = _where(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return "; ".join(lines)


def parse_config(data: Any, *, base_dir: Path) -> ServiceConfig:
    """Validate an already-loaded YAML document; {env:}/{file:} and keystore paths are read from base_dir."""
    if not isinstance(data, dict):
        raise ConfigError("config: the file must hold a YAML mapping")
    try:
        # References are resolved first, so every check below applies to the real secret.
        data = resolve_secrets(data, base_dir=base_dir)
        config = ServiceConfig.model_validate(data, context={"base_dir": base_dir.resolve()})
    except SecretReferenceError as exc:
        raise ConfigError(str(exc)) from None
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    if config.database_url is None:
        config = config.model_copy(update={"database_url": f"sqlite:///{(base_dir / 'signing-service.db').resolve()}"})
    return config


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping gives the same key twice (plain YAML would keep the last one silently)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (merge keys `<<` excepted)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # unhashable: SafeLoader refuses it below
                continue
            if duplicate:
                raise _DuplicateKey(None, None, "duplicate key", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | Path) -> ServiceConfig:
    """Read and validate the YAML config file at path."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        # Only the line is named: a YAML error's text may quote the file.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = "has a duplicate key" if isinstance(exc, _DuplicateKey) else "is not valid YAML"
        raise ConfigError(f"config file {path} {problem}{where}") from None
    return parse_config(data, base_dir=path.parent)
