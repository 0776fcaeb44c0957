"""A key in a PKCS#11 token (SoftHSM2, YubiHSM2, CloudHSM, Luna): the process can sign, never read it.

Every PKCS#11 call runs on the wallet's bounded worker threads (app.keys.offload), never on the
event loop, and under `timeout_seconds`. Sessions are opened once at start-up and reused; the PIN
is logged in once per token and process (PKCS#11 login state is per application and token).

A token that went away and came back (re-inserted, SoftHSM2's token directory moved away and back)
leaves the cached sessions, object handles and login dead: after such an error the source re-opens
its sessions (logging in again if the login was lost), finds its key again and retries once.
"""

import hashlib
import queue
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11

from app.keys.base import KeyBackendUnavailable, KeySetupError
from app.keys.ecdsa import (
    KeyFormatError,
    check_secp256k1,
    checked_compact,
    curve_name,
    format_cause,
    is_high_s,
    public_key_from_ec_point,
    split_raw,
)
from app.keys.offload import Offload, unavailable
from app.keys.pkcs11_module import (
    STALE,
    Module,
    Refused,
    cause_of,
    close_all,
    find_token,
    load_module,
    login_token,
    logout_token,
    reason,
    relogin_token,
)
from app.keys.settings import Pkcs11Settings

POOL_SIZE = 2
_SELF_TEST_DIGEST = hashlib.sha256(b"bnc-signing-service pkcs11 self-test").digest()


@dataclass
class _Entry:
    session: Any  # pkcs11.Session; replaced in place when the source re-opens (under the module lock)
    key: Any  # pkcs11.PrivateKey, bound to that session; None (with session) after a failed re-open


@dataclass
class _Opened:
    entries: list[_Entry]
    public_object: Any
    public_key: bytes


def _find_private_key(session: Any, label: str) -> Any:
    key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
    if key[Attribute.KEY_TYPE] != KeyType.EC:
        raise Refused(f"private key '{label}' is not an EC key")
    return key


def _check_private_key(key: Any, label: str) -> None:
    check_secp256k1(curve_name(key[Attribute.EC_PARAMS]))
    # A key the token would hand out in clear is a key this service could leak: refuse it at start-up.
    if not key[Attribute.SENSITIVE] or key[Attribute.EXTRACTABLE]:
        raise Refused(f"private key '{label}' is extractable or not sensitive; create or import it with `keys`")


def _public_key(session: Any, label: str) -> tuple[Any, bytes]:
    try:
        obj = session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=label)
    except p11.NoSuchKey:
        raise Refused(f"no public key object labelled '{label}' beside the private key (CKA_EC_POINT)") from None
    return obj, public_key_from_ec_point(obj[Attribute.EC_POINT], obj[Attribute.EC_PARAMS])


def _self_test(key: Any, public_key: bytes, label: str) -> None:
    """One signature at start-up: the private key must be the public key object's pair."""
    r, s = split_raw(key.sign(_SELF_TEST_DIGEST, mechanism=Mechanism.ECDSA))
    try:
        checked_compact(r, s, public_key=public_key, digest=_SELF_TEST_DIGEST)
    except KeyFormatError:
        raise Refused(f"private key '{label}' does not match the public key object of the same label") from None


def _find_keys(token: Any, module: Module, settings: Pkcs11Settings, sessions: list[Any]) -> list[Any]:
    """The private key in each of sessions, logging in again once if the token's login was lost."""
    label = settings.key_label
    try:
        return [_find_private_key(session, label) for session in sessions]
    except (p11.NoSuchKey, p11.UserNotLoggedIn):  # a private object is hidden from a token not logged in
        relogin_token(module, token, settings.pin.get_secret_value())
        return [_find_private_key(session, label) for session in sessions]


def _reopen_locked(module: Module, settings: Pkcs11Settings, *, count: int, public_key: bytes) -> _Opened:
    """Fresh sessions and handles on the token, the same key as at start-up; the caller holds the lock."""
    try:
        token = find_token(module.lib, settings.token_label)
    except p11.NoSuchToken:  # a token that came back is listed only after the module re-reads its tokens
        module.reinitialize()
        token = find_token(module.lib, settings.token_label)
    sessions: list[Any] = []
    try:
        sessions += [token.open() for _ in range(count)]
        keys = _find_keys(token, module, settings, sessions)
        public_object, found = _public_key(sessions[0], settings.key_label)
        # Another key under the same label (a token re-initialized meanwhile) must never sign for this wallet.
        if found != public_key:
            raise Refused(f"the key labelled '{settings.key_label}' is not the one this wallet started with")
    except BaseException:
        close_all(sessions)
        raise
    return _Opened([_Entry(sn, key) for sn, key in zip(sessions, keys, strict=True)], public_object, found)


def _open_blocking(module: Module, settings: Pkcs11Settings, pool_size: int) -> _Opened:
    """Token, login, sessions, key and checks; runs on a worker thread under the module lock."""
    label, token_label = settings.key_label, settings.token_label
    with module.lock:
        token = find_token(module.lib, token_label)
        login_token(module, token, settings.pin.get_secret_value())
        sessions: list[Any] = []
        try:
            sessions += [token.open() for _ in range(pool_size)]
            keys = [_find_private_key(session, label) for session in sessions]
            _check_private_key(keys[0], label)
            public_object, public_key = _public_key(sessions[0], label)
            _self_test(keys[0], public_key, label)
        except BaseException:
            close_all(sessions)
            logout_token(module, token_label)
            raise
    entries = [_Entry(session, key) for session, key in zip(sessions, keys, strict=True)]
    return _Opened(entries, public_object, public_key)


class Pkcs11KeySource:
    """A KeySource over one private key object in a PKCS#11 token."""

    kind = "pkcs11"

    def __init__(self, *, wallet_name: str, settings: Pkcs11Settings, module: Module, opened: _Opened) -> None:
        self.wallet_name = wallet_name
        self.public_key = opened.public_key
        self.high_s_normalized = 0  # how many token signatures needed s -> n - s (about half)
        self._settings = settings
        self._module = module
        self.reopened = 0  # how many times the sessions were re-opened after a stale handle or login
        self._pool: queue.Queue[_Entry] = queue.Queue()
        for entry in opened.entries:
            self._pool.put(entry)
        self._entries = opened.entries
        self._epoch = module.epoch  # the module epoch of the pooled sessions
        self._offload = Offload(
            wallet_name=wallet_name, workers=len(opened.entries), timeout=settings.timeout_seconds, prefix="pkcs11"
        )
        self._closed = False

    def __repr__(self) -> str:
        return f"Pkcs11KeySource(wallet={self.wallet_name!r}, public_key={self.public_key.hex()})"

    @property
    def details(self) -> dict[str, str]:
        """Where the key is (no PIN): for `keys show` and check-config."""
        s = self._settings
        return {"module": s.module, "token_label": s.token_label, "key_label": s.key_label}

    async def sign_message(self, message: bytes) -> bytes:
        """The chain's signature over SHA-256(message): hashed here, the token signs the digest."""
        return await self.sign(hashlib.sha256(message).digest())

    async def sign(self, digest: bytes) -> bytes:
        """CKM_ECDSA over the 32-byte digest, as a 64-byte low-S r || s."""
        if len(digest) != 32:
            raise ValueError("digest must be 32 bytes")
        raw = await self._call(partial(self._sign_blocking, digest))
        try:
            r, s = split_raw(raw)
            signature = checked_compact(r, s, public_key=self.public_key, digest=digest)
        except KeyFormatError as exc:
            raise unavailable(self.wallet_name, str(exc), cause=format_cause(exc)) from None
        self.high_s_normalized += is_high_s(s)
        return signature

    async def check(self) -> None:
        """Sign a fixed digest as a signature would (pool, session, key, re-open) and verify it.

        Reading the public key object alone would pass while the private key's handle or the login
        is dead, and /ready would say ok while every signature fails.
        """
        raw = await self._call(partial(self._sign_blocking, _SELF_TEST_DIGEST))
        try:
            checked_compact(*split_raw(raw), public_key=self.public_key, digest=_SELF_TEST_DIGEST)
        except KeyFormatError as exc:
            raise unavailable(self.wallet_name, str(exc), cause=format_cause(exc)) from None

    async def aclose(self) -> None:
        """Close the sessions (logging the token out with the last one); later calls fail."""
        if self._closed:
            return
        self._closed = True
        self._offload.shutdown()
        closer = Offload(wallet_name=self.wallet_name, workers=1, timeout=self._settings.timeout_seconds, prefix="p11c")
        try:
            await self._call(self._close_blocking, offload=closer)
        finally:
            closer.shutdown()

    async def _call(self, fn: Any, *, offload: Offload | None = None) -> Any:
        if self._closed and offload is None:
            raise unavailable(self.wallet_name, "the key source is closed", cause="closed")
        try:
            return await (offload or self._offload).call(fn)
        except (p11.PKCS11Error, queue.Empty, TimeoutError, KeyFormatError, Refused) as exc:
            s = self._settings
            why = reason(exc, token_label=s.token_label, key_label=s.key_label)
            raise unavailable(self.wallet_name, why, cause=cause_of(exc)) from None

    def _locked(self, deadline: float) -> bool:
        return self._module.lock.acquire(timeout=max(0.0, deadline - time.monotonic()))

    def _sign_blocking(self, digest: bytes) -> bytes:
        deadline = time.monotonic() + self._settings.timeout_seconds
        entry = self._pool.get(timeout=self._settings.timeout_seconds)
        try:
            if not self._locked(deadline):
                raise TimeoutError
            try:
                if entry.key is not None:
                    try:
                        return bytes(entry.key.sign(digest, mechanism=Mechanism.ECDSA))
                    except STALE:
                        pass
                self._reopen_locked()  # raises if the token is still away: the caller gets 503
                # Once: a second failure on fresh sessions is the token's answer, not a stale handle.
                return bytes(entry.key.sign(digest, mechanism=Mechanism.ECDSA))
            finally:
                self._module.lock.release()
        finally:
            self._pool.put(entry)

    def _live_sessions(self) -> list[Any]:
        if self._epoch != self._module.epoch:  # they ended with a re-initialization
            return []
        return [entry.session for entry in self._entries if entry.session is not None]

    def _reopen_locked(self) -> None:
        """Replace every pooled session and key handle in place; the caller holds the module lock.

        The old sessions are closed first (they are dead, and a module that reuses handle numbers
        must not hand one of theirs to a new session that a late close would then end).
        """
        close_all(self._live_sessions())
        for entry in self._entries:  # closed handles are never closed twice (their numbers may be reused)
            entry.session = entry.key = None
        count, public_key = len(self._entries), self.public_key
        opened = _reopen_locked(self._module, self._settings, count=count, public_key=public_key)
        for entry, fresh in zip(self._entries, opened.entries, strict=True):
            entry.session, entry.key = fresh.session, fresh.key
        self._epoch = self._module.epoch
        self.reopened += 1

    def _close_blocking(self) -> None:
        if not self._locked(time.monotonic() + self._settings.timeout_seconds):
            raise TimeoutError  # a hung call holds the module: the sessions go with the process
        try:
            close_all(self._live_sessions())
            logout_token(self._module, self._settings.token_label)
        finally:
            self._module.lock.release()


async def open_pkcs11(settings: Pkcs11Settings, *, wallet_name: str, pool_size: int = POOL_SIZE) -> Pkcs11KeySource:
    """Open the wallet's key in its token: KeySetupError naming the wallet and the reason (never the PIN)."""
    if pool_size < 1:
        raise ValueError("pool_size must be at least 1")
    opener = Offload(wallet_name=wallet_name, workers=1, timeout=settings.timeout_seconds, prefix="pkcs11-open")
    try:
        module = await opener.call(partial(load_module, settings.module))
        opened = await opener.call(partial(_open_blocking, module, settings, pool_size))
    except KeyBackendUnavailable:
        why = f"no answer from the PKCS#11 module within {opener.timeout:g} s"
        raise KeySetupError(f"wallet '{wallet_name}': {why}") from None
    except (p11.PKCS11Error, Refused, KeyFormatError) as exc:
        why = reason(exc, token_label=settings.token_label, key_label=settings.key_label)
        raise KeySetupError(f"wallet '{wallet_name}': {why}") from None
    finally:
        opener.shutdown()
    return Pkcs11KeySource(wallet_name=wallet_name, settings=settings, module=module, opened=opened)
