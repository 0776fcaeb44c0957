"""The devnet's ledger on disk (`python -m app devnet --state FILE`): loaded at start, saved after each change.

The file is JSON written by a generic encoder of plain data: dataclass instances (by their class,
which must live in app.devnet or app.chain), dicts (any hashable keys), lists, tuples, sets,
frozensets, bytes, enums, str, int, float, bool and None. Every attribute of the Ledger is saved
except locks and callables, so a field added to the Ledger or to one of its dataclasses is saved
without a change here; a value of any other type is a TypeError at the first save, not a silent loss.

A save writes a temporary file beside the target, fsyncs it and renames it over the target, so a
crash leaves the previous state or the new one, never half a file.
"""

import dataclasses
import enum
import importlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from app.devnet.state import Ledger

FORMAT_VERSION = 1
# Classes are only ever rebuilt from these packages: the file names a class, it cannot name any callable.
ALLOWED_MODULE_PREFIXES = ("app.devnet.", "app.chain.")


class StateFileError(Exception):
    """The state file cannot be used (unreadable, another format, or another chain's)."""


def encode(value: Any) -> Any:
    """value as JSON-ready data; tagged objects ({"__kind__": ...}) for what JSON has no type for."""
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, enum.Enum):
        return {"__kind__": "enum", "class": _class_name(type(value)), "value": encode(value.value)}
    if isinstance(value, int):
        return value
    if isinstance(value, bytes):
        return {"__kind__": "bytes", "hex": value.hex()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__kind__": "dataclass", "class": _class_name(type(value)), "fields": fields}
    if isinstance(value, dict):
        return {"__kind__": "dict", "items": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__kind__": "tuple", "items": [encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        kind = "frozenset" if isinstance(value, frozenset) else "set"
        return {"__kind__": kind, "items": sorted((encode(v) for v in value), key=json.dumps)}
    raise TypeError(f"devnet state: cannot save a {type(value).__qualname__}")


def decode(data: Any) -> Any:
    """The value encode() made data from."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    kind = data.get("__kind__")
    if kind == "bytes":
        return bytes.fromhex(data["hex"])
    if kind == "dict":
        return {_hashable(decode(k)): decode(v) for k, v in data["items"]}
    if kind == "tuple":
        return tuple(decode(v) for v in data["items"])
    if kind in ("set", "frozenset"):
        items = (_hashable(decode(v)) for v in data["items"])
        return frozenset(items) if kind == "frozenset" else set(items)
    if kind == "enum":
        return _load_class(data["class"], enum.Enum)(decode(data["value"]))
    if kind == "dataclass":
        return _rebuild(_load_class(data["class"], None), data["fields"])
    raise StateFileError(f"devnet state: unknown entry {kind!r}")


def _hashable(value: Any) -> Any:
    """Lists inside keys come back as tuples (a key was hashable when it was saved)."""
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _load_class(name: str, base: type | None) -> type:
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(ALLOWED_MODULE_PREFIXES):
        raise StateFileError(f"devnet state: class {name!r} is not a devnet or chain class")
    found: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    is_data = isinstance(found, type) and (dataclasses.is_dataclass(found) if base is None else issubclass(found, base))
    if not is_data:
        raise StateFileError(f"devnet state: {name!r} is not a data class")
    cls: type = found
    return cls


def _rebuild(cls: type, saved: dict[str, Any]) -> Any:
    """An instance of the dataclass cls with the saved fields, as it was (no __init__ or __post_init__).

    A field the file does not have (added since it was written) takes its default.
    """
    obj: Any = object.__new__(cls)
    for f in dataclasses.fields(cls):
        if f.name in saved:
            value = decode(saved[f.name])
        elif f.default is not dataclasses.MISSING:
            value = f.default
        elif f.default_factory is not dataclasses.MISSING:
            value = f.default_factory()
        else:
            raise StateFileError(f"devnet state: {cls.__qualname__}.{f.name} is missing and has no default")
        object.__setattr__(obj, f.name, value)  # frozen dataclasses too: this is a restore, not a change
    return obj


def _is_transient(value: Any) -> bool:
    """Locks, callables and other machinery: rebuilt by the Ledger's constructor, never saved."""
    return callable(value) or hasattr(value, "acquire")


def snapshot(ledger: Ledger) -> dict[str, Any]:
    """The ledger's state as JSON-ready data."""
    state = {name: encode(value) for name, value in vars(ledger).items() if not _is_transient(value)}
    return {"format": FORMAT_VERSION, "chain_id": ledger.chain_id, "hrp": ledger.hrp, "state": state}


def restore(ledger: Ledger, document: dict[str, Any]) -> None:
    """Replace ledger's state by the saved one; StateFileError if it is another chain's or format's."""
    if document.get("format") != FORMAT_VERSION:
        raise StateFileError(f"devnet state: format {document.get('format')!r}, expected {FORMAT_VERSION}")
    for name in ("chain_id", "hrp"):
        saved, running = document.get(name), getattr(ledger, name)
        if saved != running:
            raise StateFileError(f"devnet state: the file is for {name} {saved!r}, this devnet runs {running!r}")
    for name, value in document["state"].items():
        setattr(ledger, name, decode(value))  # attributes added since the file was written keep their fresh value


def save(ledger: Ledger, path: Path) -> None:
    """Write the ledger to path atomically: a temporary file in the same folder, fsynced, renamed over path."""
    data = json.dumps(snapshot(ledger), separators=(",", ":")).encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(ledger: Ledger, path: Path) -> bool:
    """Restore ledger from path if the file exists; True if it did. StateFileError if it is unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StateFileError(f"devnet state: cannot read {path}: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateFileError(f"devnet state: {path} is not JSON ({exc.msg})") from None
    if not isinstance(document, dict) or not isinstance(document.get("state"), dict):
        raise StateFileError(f"devnet state: {path} is not a devnet state file")
    restore(ledger, document)
    return True
