"""Shared test data: throwaway keys, a test config builder and small helpers."""

import bcrypt

from app.chain.keys import SigningKey

HRP = "tbnb"
CHAIN_ID = "Binance-Dev"
SECRET = "test-secret-key-with-at-least-32-bytes-of-entropy-0123456789abcdefghijkl"
MNEMONIC = (
    "smart depend recycle toward already roof country frost field dose joke zero start notable vote "
    "eight symptom suffer camp milk dream swear wrap accident"
)
KEY_A = "3dcc267e1f7edca86e03f0963b2d0b7804552d3014caddcfc435a4d7bc240cf5"
KEY_B = "90335b9d2153ad1a9799a3ccc070bd64b4164e9642ee1dd48053c33f9a3a05e9"
KEY_UNFUNDED = "1111111111111111111111111111111111111111111111111111111111111111"
ALL = [
    "trade",
    "transfer",
    "freeze",
    "issue",
    "resync",
    "vote",
]  # freeze needs issue: a freeze signature is also a valid burn and mint
PASSWORDS = {
    "alice": "alice-password",
    "bob": "bob-password",
    "carol": "carol-password",
    "dave": "dave-password",
    "erin": "erin-password",
    "frank": "frank-password",
}
# Cost 4 keeps the suite fast; production hashes use 12 (hash-password's default).
_HASHES = {name: bcrypt.hashpw(pw.encode(), bcrypt.gensalt(4)).decode() for name, pw in PASSWORDS.items()}


def password_hash(username: str) -> str:
    """The bcrypt hash of username's test password."""
    return _HASHES[username]


def password_hashes() -> list[str]:
    """The bcrypt hashes in make_config()'s users."""
    return list(_HASHES.values())


def address_of(private_key: str) -> str:
    return SigningKey.from_hex(private_key).address(HRP)


def mnemonic_address(index: int) -> str:
    return SigningKey.from_mnemonic(MNEMONIC, index=index).address(HRP)


FUNDED = [address_of(KEY_A), address_of(KEY_B), mnemonic_address(0), mnemonic_address(2)]
OTHER_ADDRESS = address_of("22" * 32)


def make_config(api_url: str = "http://devnet.test") -> dict:
    """A config dict: wallets on the DEVNET environment at api_url, users alice and bob."""
    return {
        "secret_key": SECRET,
        "access_token_expiry_minutes": 60,
        "environments": {"DEVNET": {"api_url": api_url, "hrp": HRP, "timeout_seconds": 5}},
        "wallets": [
            {"name": "main", "env_name": "DEVNET", "private_key": KEY_A, "permissions": ALL},
            {"name": "trader", "env_name": "DEVNET", "private_key": KEY_B, "permissions": ["trade"]},
            {"name": "seed", "env_name": "DEVNET", "mnemonic": MNEMONIC, "account_index": 2, "permissions": ALL},
            {"name": "main_alias", "env_name": "DEVNET", "private_key": KEY_A, "permissions": ["transfer"]},
            {"name": "empty", "env_name": "DEVNET", "private_key": KEY_UNFUNDED, "permissions": ALL},
            {
                "name": "fenced",
                "env_name": "DEVNET",
                "private_key": KEY_B,
                "permissions": ["trade"],
                "ip_whitelist": ["10.1.2.0/24", "2001:db8::/32"],
            },
        ],
        "users": [
            {
                "username": "alice",
                "password_hash": _HASHES["alice"],
                "wallet_permissions": [
                    {"wallet_name": name, "permissions": ALL}
                    for name in ("main", "trader", "seed", "main_alias", "empty", "fenced")
                ],
            },
            {
                "username": "bob",
                "password_hash": _HASHES["bob"],
                "wallet_permissions": [
                    {"wallet_name": "main", "permissions": ["trade"]},
                    # trader does not grant transfer: bob has no effective permission on it.
                    {"wallet_name": "trader", "permissions": ["transfer"]},
                ],
            },
        ],
    }
