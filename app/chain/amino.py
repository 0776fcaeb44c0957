"""The subset of amino (protobuf3 wire format plus 4-byte type prefixes) the chain's txs use.

Hand-written: protobuf's runtime needs generated classes and knows nothing of amino prefixes,
while the chain's txs need only varint and length-delimited fields; every encoder here is checked
byte for byte against published signed transactions in tests/chain.
"""

from collections.abc import Iterator

from app.chain.errors import DecodeError

WIRE_VARINT = 0
WIRE_BYTES = 2
_MAX_VARINT_BYTES = 10


def uvarint(value: int) -> bytes:
    """Unsigned LEB128 varint."""
    if value < 0:
        raise ValueError("uvarint takes a non-negative integer")
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint_field(number: int, value: int) -> bytes:
    """A varint field; zero is the default value and is omitted, as amino does."""
    if value == 0:
        return b""
    return uvarint(number << 3 | WIRE_VARINT) + uvarint(value)


def bytes_field(number: int, value: bytes) -> bytes:
    """A length-delimited field; empty values are omitted."""
    if not value:
        return b""
    return uvarint(number << 3 | WIRE_BYTES) + uvarint(len(value)) + value


def string_field(number: int, value: str) -> bytes:
    """A UTF-8 string field; the empty string is omitted."""
    return bytes_field(number, value.encode())


def read_uvarint(data: bytes, pos: int) -> tuple[int, int]:
    """Read a varint at pos; return (value, next position)."""
    result = shift = 0
    for i in range(_MAX_VARINT_BYTES):
        if pos + i >= len(data):
            raise DecodeError("truncated varint")
        byte = data[pos + i]
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos + i + 1
        shift += 7
    raise DecodeError("varint too long")


def iter_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """Yield (field number, value) for each field; varints as int, length-delimited as bytes."""
    pos = 0
    while pos < len(data):
        key, pos = read_uvarint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise DecodeError("field number 0")
        if wire == WIRE_VARINT:
            value, pos = read_uvarint(data, pos)
            yield number, value
        elif wire == WIRE_BYTES:
            length, pos = read_uvarint(data, pos)
            if pos + length > len(data):
                raise DecodeError("truncated field")
            yield number, data[pos : pos + length]
            pos += length
        else:
            raise DecodeError(f"unsupported wire type {wire}")


def decode_fields(data: bytes, schema: dict[int, type]) -> dict[int, list[int | bytes]]:
    """Group the fields of a message by number, checking each against schema (int or bytes)."""
    fields: dict[int, list[int | bytes]] = {}
    for number, value in iter_fields(data):
        expected = schema.get(number)
        if expected is None:
            raise DecodeError(f"unknown field {number}")
        if not isinstance(value, expected):
            raise DecodeError(f"field {number} has the wrong wire type")
        fields.setdefault(number, []).append(value)
    return fields


Fields = dict[int, list[int | bytes]]


def _single(fields: Fields, number: int) -> int | bytes | None:
    values = fields.get(number, [])
    if len(values) > 1:
        raise DecodeError(f"field {number} repeated")
    return values[0] if values else None


def one_int(fields: Fields, number: int) -> int:
    """The varint field `number` (0 when absent, as amino omits defaults)."""
    value = _single(fields, number)
    if value is None:
        return 0
    if not isinstance(value, int):
        raise DecodeError(f"field {number} has the wrong wire type")
    return value


def one_bool(fields: Fields, number: int) -> bool:
    """A bool field: a varint that must be 0 or 1."""
    value = one_int(fields, number)
    if value > 1:
        raise DecodeError(f"field {number} is not a bool")
    return value == 1


def one_bytes(fields: Fields, number: int) -> bytes:
    """The length-delimited field `number` (empty when absent)."""
    value = _single(fields, number)
    if value is None:
        return b""
    if not isinstance(value, bytes):
        raise DecodeError(f"field {number} has the wrong wire type")
    return value


def many_bytes(fields: Fields, number: int) -> list[bytes]:
    """Every occurrence of the repeated length-delimited field `number`."""
    values = fields.get(number, [])
    if not all(isinstance(v, bytes) for v in values):
        raise DecodeError(f"field {number} has the wrong wire type")
    return [v for v in values if isinstance(v, bytes)]


def bool_field(number: int, value: bool) -> bytes:
    """A bool field; false is the default and is omitted."""
    return varint_field(number, 1 if value else 0)
