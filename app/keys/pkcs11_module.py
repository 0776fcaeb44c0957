"""The PKCS#11 modules of the process, the tokens' logins, and what their errors mean for operators.

python-pkcs11 loads and initializes a module once per process, and PKCS#11 login state is per
application and token: both are kept here, shared by every wallet's key source (app.keys.pkcs11).
"""

import hashlib
import hmac
import os
import queue
import threading
from dataclasses import dataclass
from typing import Any

import pkcs11
from pkcs11 import exceptions as p11

from app.keys.base import Cause
from app.keys.ecdsa import KeyFormatError, format_cause

# Errors after which the session, its object handles or the login may be gone while the token itself
# can be reached again: the source re-opens and retries once (a bounded retry, never a loop).
STALE: tuple[type[p11.PKCS11Error], ...] = (
    p11.ObjectHandleInvalid,
    p11.KeyHandleInvalid,
    p11.SessionHandleInvalid,
    p11.SessionClosed,
    p11.UserNotLoggedIn,
    p11.DeviceRemoved,
    p11.DeviceError,
    p11.TokenNotPresent,
    p11.TokenNotRecognised,
    p11.SlotIDInvalid,
)
# The token, its session or its key is not there (now): the call never reached a working token.
GONE: tuple[type[p11.PKCS11Error], ...] = (*STALE, p11.NoSuchToken, p11.NoSuchKey)


class Refused(Exception):
    """Why a token, a login or a key cannot be used (no PIN, no key material in the text)."""


@dataclass
class Login:
    pin_digest: bytes
    session: Any  # the session that logged in; closing it logs the whole token out (C_Logout)
    users: int
    epoch: int  # the module's epoch the session belongs to (a re-initialized module has dropped it)


class Module:
    """One loaded PKCS#11 module per path and process (python-pkcs11 loads and initializes it once).

    python-pkcs11 calls C_Initialize(NULL), which tells the module that it will not be called from
    two threads at once (PKCS#11 2.40 §5.4; SoftHSM2 then turns its own mutexes off): so every call
    into one module holds `lock`. Sessions are still pooled per wallet, ready for modules and
    bindings that allow concurrent calls.
    """

    def __init__(self, lib: Any, path: str) -> None:
        self.lib = lib
        self.path = path
        self.lock = threading.Lock()
        self.logins: dict[str, Login] = {}
        # Bumped by reinitialize(): sessions of an older epoch died with C_Finalize and are never closed
        # (their handle numbers may belong to new sessions now).
        self.epoch = 0

    def reinitialize(self) -> None:
        """C_Finalize and C_Initialize, the caller holding `lock`: the module reads its tokens afresh.

        SoftHSM2 keeps a token that could not be read as absent until then (its directory moved away
        and back). Every session of the process on this module ends; each source re-opens its own.
        """
        self.lib.reinitialize()
        self.epoch += 1


# The one exception to "no module-level state": PKCS#11 itself is per process (C_Initialize may be
# called once per process and module), so the loaded modules and their logins are too.
_MODULES: dict[str, Module] = {}
_MODULES_LOCK = threading.Lock()


def load_module(path: str) -> Module:
    """The module at path (loaded once per process); Refused if it is missing or not a module."""
    with _MODULES_LOCK:
        if path in _MODULES:
            return _MODULES[path]
        if not os.path.isfile(path):
            raise Refused(f"PKCS#11 module {path} does not exist")
        try:
            lib = pkcs11.lib(path)
        except p11.PKCS11Error as exc:
            raise Refused(f"cannot load PKCS#11 module {path}: {exc}") from None
        _MODULES[path] = module = Module(lib, path)
        return module


def reason(exc: BaseException, *, token_label: str, key_label: str = "") -> str:
    """The operator-facing reason for a PKCS#11 error (python-pkcs11's own texts are mostly empty)."""
    reasons: dict[type[BaseException], str] = {
        p11.PinIncorrect: f"wrong PIN for token '{token_label}'",
        p11.PinLocked: f"the user PIN of token '{token_label}' is locked (too many wrong PINs)",
        p11.PinExpired: f"the user PIN of token '{token_label}' has expired",
        p11.NoSuchToken: f"no token labelled '{token_label}'",
        p11.MultipleTokensReturned: f"more than one token labelled '{token_label}'",
        p11.NoSuchKey: f"no private key labelled '{key_label}' in token '{token_label}'",
        p11.MultipleObjectsReturned: f"more than one key labelled '{key_label}' in token '{token_label}'",
        p11.UserAlreadyLoggedIn: f"token '{token_label}' is already logged in by other code in this process",
        p11.TokenNotPresent: f"token '{token_label}' is not present",
        p11.DeviceRemoved: f"token '{token_label}' was removed",
    }
    for kind, text in reasons.items():
        if isinstance(exc, kind):
            return text
    if isinstance(exc, Refused | KeyFormatError):
        return str(exc)
    if isinstance(exc, queue.Empty | TimeoutError):
        return "the PKCS#11 module did not answer in time (a call is still running)"
    return f"PKCS#11 error {type(exc).__name__}"  # the class names the CKR_ code, e.g. DeviceError


def cause_of(exc: BaseException) -> Cause:
    """The failure class of a PKCS#11 call's exception (app.keys.base.Cause)."""
    if isinstance(exc, KeyFormatError):
        return format_cause(exc)
    if isinstance(exc, queue.Empty | TimeoutError):
        return "timeout"
    if isinstance(exc, GONE):
        return "unreachable"
    if isinstance(exc, Refused):  # the token answers, but with another key than the one shown at start-up
        return "bad_answer"
    return "backend_error"


def pin_digest(pin: str) -> bytes:
    return hashlib.sha256(pin.encode()).digest()


def login_token(module: Module, token: Any, pin: str) -> None:
    """Log the token in once per process; the wallets' own sessions are opened without the PIN."""
    label = token.label
    login = module.logins.get(label)
    if login is not None:
        # Another wallet logged this token in already; its PIN must be this one, or this config is wrong.
        if not hmac.compare_digest(login.pin_digest, pin_digest(pin)):
            raise p11.PinIncorrect()
        login.users += 1
        return
    # Login state is per application and token: this one session holds it for every wallet's sessions,
    # and it is closed (logging out) only when the last wallet on the token closes.
    module.logins[label] = Login(pin_digest(pin), token.open(user_pin=pin), 1, module.epoch)


def relogin_token(module: Module, token: Any, pin: str) -> None:
    """Log the token in again after its login was lost (the token went away and came back)."""
    login = module.logins.get(token.label)
    if login is None:  # cannot happen while a source on the token is open; log in as at start-up
        login_token(module, token, pin)
        return
    # The login is already gone, so closing its dead session first loses nothing, and a module that
    # reuses handle numbers cannot have given the old number to the new session.
    if login.epoch == module.epoch:
        close_all([login.session])
    try:
        login.session = token.open(user_pin=pin)
    except p11.UserAlreadyLoggedIn:  # the login held after all: the caller's key lookup decides
        pass
    login.epoch = module.epoch


def logout_token(module: Module, token_label: str) -> None:
    login = module.logins.get(token_label)
    if login is not None:
        login.users -= 1
        if login.users <= 0:
            del module.logins[token_label]
            if login.epoch == module.epoch:
                close_all([login.session])


def find_token(lib: Any, label: str) -> Any:
    """The one token labelled label; a slot whose token cannot be read is skipped, not fatal.

    (python-pkcs11's get_token stops at the first unreadable slot, e.g. a token removed meanwhile,
    which would stop every other wallet's start-up.)
    """
    found = []
    for slot in lib.get_slots(token_present=True):
        try:
            token = slot.get_token()
        except p11.PKCS11Error:
            continue
        if token.label == label:
            found.append(token)
    if not found:
        raise p11.NoSuchToken()
    if len(found) > 1:
        raise p11.MultipleTokensReturned()
    return found[0]


def close_all(sessions: list[Any]) -> None:
    for session in sessions:
        try:
            session.close()
        except p11.PKCS11Error:  # a session the token already dropped needs no closing
            pass
