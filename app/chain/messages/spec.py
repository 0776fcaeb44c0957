"""Each chain message declares its fields once; sign JSON, amino encoding and decoding derive from it.

A field is declared on its dataclass attribute, `from_: Annotated[str, Tag(1, ACCOUNT, "from")]`: the
amino field number (amino writes fields in tag order), the value kind, and the chain's JSON name
(by default the attribute's name without a trailing "_"). The sign JSON has its keys sorted, as the
node's sdk.MustSortJSON writes it. `sign_shape(cls)` describes that JSON (keys and value kinds,
recursively) so that types whose sign bytes can be identical are found from the declarations.
"""

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self, cast, get_args, get_origin, get_type_hints

from app.chain.address import decode_address, encode_address
from app.chain.amino import (
    Fields,
    bool_field,
    bytes_field,
    decode_fields,
    many_bytes,
    one_bool,
    one_bytes,
    one_int,
    string_field,
    varint_field,
)
from app.chain.errors import DecodeError, InvalidInput

# A hashable description of a JSON value: "string", "number", "bool", or ("object", ((key, shape), ...))
# and ("array", shape). Kinds are JSON types, not value sets: equal shapes may sign equal bytes.
Shape = str | tuple[Any, ...]


class SignJson(enum.Enum):
    """How a message's GetSignBytes writes it."""

    PLAIN = "plain"  # encoding/json: int64 as a number
    AMINO = "amino"  # go-amino's JSON with an unregistered codec (gov): int64 as a string
    AMINO_TYPED = "amino_typed"  # go-amino's JSON, registered type (stake): {"type": name, "value": {...}}


class Kind(Protocol):
    """How one value kind is written in the sign JSON and in amino, and read back."""

    wire: type[int] | type[bytes]

    def to_json(self, value: Any, *, amino: bool) -> Any: ...

    def encode(self, tag: int, value: Any) -> bytes: ...

    def decode(self, fields: Fields, tag: int, hrp: str) -> Any: ...

    def shape(self, *, amino: bool) -> Shape: ...


def text(raw: bytes) -> str:
    """A UTF-8 string field."""
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise DecodeError("string field is not UTF-8") from None


def address_of(raw: bytes, hrp: str) -> str:
    """A 20-byte address field as bech32 under hrp."""
    try:
        return encode_address(hrp, raw)
    except InvalidInput:
        raise DecodeError("address field is not 20 bytes") from None


@dataclass(frozen=True, slots=True)
class Uint:
    """An unsigned varint: a JSON number (a string in go-amino's JSON)."""

    wire: ClassVar[type[int]] = int

    def to_json(self, value: int, *, amino: bool) -> int | str:
        return str(value) if amino else value

    def encode(self, tag: int, value: int) -> bytes:
        return varint_field(tag, value)

    def decode(self, fields: Fields, tag: int, hrp: str) -> int:
        return one_int(fields, tag)

    def shape(self, *, amino: bool) -> Shape:
        return "string" if amino else "number"


@dataclass(frozen=True, slots=True)
class Bool:
    """A bool: a varint 0/1 in amino, true/false in JSON."""

    wire: ClassVar[type[int]] = int

    def to_json(self, value: bool, *, amino: bool) -> bool:
        return value

    def encode(self, tag: int, value: bool) -> bytes:
        return bool_field(tag, value)

    def decode(self, fields: Fields, tag: int, hrp: str) -> bool:
        return one_bool(fields, tag)

    def shape(self, *, amino: bool) -> Shape:
        return "bool"


@dataclass(frozen=True, slots=True)
class Text:
    """A UTF-8 string."""

    wire: ClassVar[type[bytes]] = bytes

    def to_json(self, value: str, *, amino: bool) -> str:
        return value

    def encode(self, tag: int, value: str) -> bytes:
        return string_field(tag, value)

    def decode(self, fields: Fields, tag: int, hrp: str) -> str:
        return text(one_bytes(fields, tag))

    def shape(self, *, amino: bool) -> Shape:
        return "string"


@dataclass(frozen=True, slots=True)
class Hex:
    """Raw bytes (hashes, swap ids): lower-case hex in JSON (the node's SwapBytes type)."""

    wire: ClassVar[type[bytes]] = bytes

    def to_json(self, value: bytes, *, amino: bool) -> str:
        return value.hex()

    def encode(self, tag: int, value: bytes) -> bytes:
        return bytes_field(tag, value)

    def decode(self, fields: Fields, tag: int, hrp: str) -> bytes:
        return one_bytes(fields, tag)

    def shape(self, *, amino: bool) -> Shape:
        return "string"


@dataclass(frozen=True, slots=True)
class Account:
    """A 20-byte address: bech32 in JSON; decoded under the tx's hrp, or a fixed one (bva validators)."""

    hrp: str | None = None
    wire: ClassVar[type[bytes]] = bytes

    def to_json(self, value: str, *, amino: bool) -> str:
        return value

    def encode(self, tag: int, value: str) -> bytes:
        return bytes_field(tag, decode_address(value))

    def decode(self, fields: Fields, tag: int, hrp: str) -> str:
        return address_of(one_bytes(fields, tag), self.hrp or hrp)

    def shape(self, *, amino: bool) -> Shape:
        return "string"


@dataclass(frozen=True, slots=True)
class Named:
    """An enum: a varint in amino, its name in JSON (gov's VoteOption.MarshalJSON); unknown values don't decode."""

    names: tuple[tuple[int, str], ...]
    wire: ClassVar[type[int]] = int

    def to_json(self, value: int, *, amino: bool) -> str:
        return dict(self.names)[value]

    def encode(self, tag: int, value: int) -> bytes:
        return varint_field(tag, value)

    def decode(self, fields: Fields, tag: int, hrp: str) -> int:
        value = one_int(fields, tag)
        if value not in dict(self.names):
            raise DecodeError(f"field {tag} holds no known value")
        return value

    def shape(self, *, amino: bool) -> Shape:
        return "string"


@dataclass(frozen=True, slots=True)
class Struct:
    """A nested declared struct (a Coin): an embedded message in amino, an object in JSON."""

    cls: type["Declared"]
    wire: ClassVar[type[bytes]] = bytes

    def to_json(self, value: "Declared", *, amino: bool) -> dict[str, Any]:
        return value.sign_json(amino=amino)

    def encode(self, tag: int, value: "Declared") -> bytes:
        return bytes_field(tag, value.encode_fields())

    def decode(self, fields: Fields, tag: int, hrp: str) -> "Declared":
        return self.cls.decode(one_bytes(fields, tag), hrp)

    def shape(self, *, amino: bool) -> Shape:
        return object_shape(self.cls, amino=amino)


@dataclass(frozen=True, slots=True)
class Repeated:
    """A repeated struct field; in JSON a list, or null when empty if the Go type is a nil-able sdk.Coins."""

    cls: type["Declared"]
    null_when_empty: bool = False
    wire: ClassVar[type[bytes]] = bytes

    def to_json(self, value: tuple["Declared", ...], *, amino: bool) -> list[dict[str, Any]] | None:
        if not value and self.null_when_empty:
            return None  # Go's json.Marshal writes a nil slice as null
        return [item.sign_json(amino=amino) for item in value]

    def encode(self, tag: int, value: tuple["Declared", ...]) -> bytes:
        return b"".join(bytes_field(tag, item.encode_fields()) for item in value)

    def decode(self, fields: Fields, tag: int, hrp: str) -> tuple["Declared", ...]:
        return tuple(self.cls.decode(raw, hrp) for raw in many_bytes(fields, tag))

    def shape(self, *, amino: bool) -> Shape:
        return ("array", object_shape(self.cls, amino=amino))


@dataclass(frozen=True, slots=True)
class Tag:
    """A field's chain facts: amino field number, value kind, JSON name (default: the attribute's name)."""

    number: int
    kind: Kind
    json: str = ""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A declared field: the attribute it lives in, and its Tag."""

    name: str
    number: int
    kind: Kind
    json: str


def _declared_fields(cls: type) -> tuple[FieldSpec, ...]:
    """The Tag-annotated attributes of cls (inherited ones too), in amino tag order; TypeError if one lacks a Tag."""
    specs = []
    for name, hint in get_type_hints(cls, include_extras=True).items():
        if get_origin(hint) is ClassVar:
            continue
        tags = [meta for meta in get_args(hint)[1:] if isinstance(meta, Tag)]
        if len(tags) != 1:
            raise TypeError(f"{cls.__name__}.{name} must declare exactly one Tag")
        tag = tags[0]
        specs.append(FieldSpec(name=name, number=tag.number, kind=tag.kind, json=tag.json or name.rstrip("_")))
    numbers, keys = [s.number for s in specs], [s.json for s in specs]
    if len(set(numbers)) != len(numbers) or len(set(keys)) != len(keys):
        raise TypeError(f"{cls.__name__} declares a field number or a JSON name twice")
    return tuple(sorted(specs, key=lambda s: s.number))


class Declared:
    """Base of every declared struct and message: derives sign JSON, amino fields and decoding."""

    __slots__ = ()
    FIELDS: ClassVar[tuple[FieldSpec, ...]] = ()
    SIGN_JSON: ClassVar[SignJson] = SignJson.PLAIN
    AMINO_NAME: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.FIELDS = _declared_fields(cls)

    def sign_json(self, *, amino: bool) -> dict[str, Any]:
        """The fields as JSON, keys sorted; int64 as strings when amino."""
        return {f.json: f.kind.to_json(getattr(self, f.name), amino=amino) for f in _json_order(self.FIELDS)}

    def sign_dict(self) -> dict[str, Any]:
        """The message as it appears in the sign bytes (keys are sorted on output)."""
        body = self.sign_json(amino=self.SIGN_JSON is not SignJson.PLAIN)
        return {"type": self.AMINO_NAME, "value": body} if self.SIGN_JSON is SignJson.AMINO_TYPED else body

    def encode_fields(self) -> bytes:
        """The amino fields, in tag order, without a type prefix (defaults omitted)."""
        return b"".join(f.kind.encode(f.number, getattr(self, f.name)) for f in self.FIELDS)

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        """Rebuild from amino fields; unknown fields, wrong wire types and repeated scalars raise DecodeError."""
        fields = decode_fields(body, {f.number: f.kind.wire for f in cls.FIELDS})
        build = cast(Callable[..., Self], cls)
        return build(**{f.name: f.kind.decode(fields, f.number, hrp) for f in cls.FIELDS})


def _json_order(fields: Iterable[FieldSpec]) -> list[FieldSpec]:
    return sorted(fields, key=lambda f: f.json)


def object_shape(cls: type[Declared], *, amino: bool) -> Shape:
    """The JSON shape of cls's fields as an object."""
    return ("object", tuple((f.json, f.kind.shape(amino=amino)) for f in _json_order(cls.FIELDS)))


def sign_shape(cls: type[Declared]) -> Shape:
    """A hashable description of cls's sign JSON: ordered keys and the JSON kind of each value, recursively.

    Two types with equal shapes can have identical sign bytes (the amino type prefix is not signed),
    so one signature may be valid as either; types with different shapes never sign the same bytes.
    """
    body = object_shape(cls, amino=cls.SIGN_JSON is not SignJson.PLAIN)
    if cls.SIGN_JSON is SignJson.AMINO_TYPED:
        return ("object", (("type", "string"), ("value", body)))
    return body


def json_shape(value: Any) -> Shape:
    """The shape of a JSON value (what sign_shape predicts); null and [] have none (TypeError)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return ("object", tuple((k, json_shape(value[k])) for k in sorted(value)))
    if isinstance(value, list) and value:
        shapes = {json_shape(item) for item in value}
        if len(shapes) == 1:
            return ("array", shapes.pop())
    raise TypeError(f"no single shape for {value!r}")


def group_by_sign_shape(types: Iterable[type[Declared]]) -> list[frozenset[type[Declared]]]:
    """types partitioned by sign_shape, in the order each class first appears."""
    classes: dict[Shape, list[type[Declared]]] = {}
    for cls in types:
        classes.setdefault(sign_shape(cls), []).append(cls)
    return [frozenset(members) for members in classes.values()]
