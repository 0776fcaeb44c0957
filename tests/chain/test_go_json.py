"""Sign bytes are what the node signs: Go 1.19's encoding/json over sdk.MustSortJSON's decoded tree.

The expected strings were printed by Go 1.19.8 (Debian's golang-1.19-go) running bnc-cosmos-sdk's
SortJSON (types/utils.go: json.NewDecoder + UseNumber, then json.Marshal) on json.Marshal'd structs.
Go 1.19 writes backspace and form feed as \\u0008 and \\u000c (the \\b \\f short forms came in Go 1.22),
and Python's json module writes \\b and \\f: a signature over those is refused by the node.
"""

import dataclasses

import pytest

from app.chain.messages import Msg
from app.chain.messages.spec import Text
from app.chain.tx import canonical_json, sign_bytes
from tests.chain.samples import SAMPLES

ALL_CONTROLS = "".join(chr(i) for i in range(0x20)) + '\x7f<>&/"\\\u2028\u2029é😀'
GO_ALL_CONTROLS = (
    '{"amount":9007199254740993,"description":"'
    r"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\t\n\u000b\u000c\r\u000e\u000f"
    r"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"
    "\x7f" r"\u003c\u003e\u0026/\"\\\u2028\u2029" 'é😀"}'
)  # fmt: skip
GO_SIGN_DOC = (
    '{"account_number":"1","chain_id":"c","data":null,"memo":"","msgs":[{"amount":[{"amount":1,"denom":"BNB"}],'
    r'"description":"a\u0008b\u000cc\u0000\u003c\u0026\u003e\u2028",'
    '"from":"bnb1x","lock_time":9223372036854775807}],"sequence":"2","source":"0"}'
)


def test_every_control_character_is_escaped_as_go_1_19_writes_it() -> None:
    """All 32 C0 controls, DEL, the HTML characters, "/", quotes, U+2028/9 and non-ASCII, against Go's output."""
    doc = canonical_json({"description": ALL_CONTROLS, "amount": 9007199254740993})
    assert doc == GO_ALL_CONTROLS.encode()


def test_a_sign_doc_is_byte_identical_to_go_sort_json() -> None:
    """A whole StdSignDoc (nested lists, null data, an int64 beyond 2^53) as the node's sign-bytes path writes it."""
    msg = {
        "from": "bnb1x",
        "description": "a\bb\fc\x00<&>\u2028",
        "amount": [{"denom": "BNB", "amount": 1}],
        "lock_time": 2**63 - 1,
    }
    doc = {"chain_id": "c", "account_number": "1", "sequence": "2", "memo": "", "source": "0", "msgs": [msg]}
    assert canonical_json(doc | {"data": None}) == GO_SIGN_DOC.encode()


STRING_FIELDS = [
    pytest.param(msg, field.name, id=f"{type(msg).__name__}.{field.json}")
    for msg in SAMPLES
    for field in type(msg).FIELDS  # type: ignore[attr-defined]
    if isinstance(field.kind, Text)
]


@pytest.mark.parametrize(("msg", "attr"), STRING_FIELDS)
def test_every_string_field_signs_control_characters_in_go_form(msg: Msg, attr: str) -> None:
    """Descriptions, token names, expected_income, other-chain fields, symbols, ids: \\b and \\f as \\u0008 \\u000c."""
    changed = dataclasses.replace(msg, **{attr: "x\b\f\x1f<"})  # type: ignore[type-var]
    doc = sign_bytes(msg=changed, chain_id="c", account_number=1, sequence=2)
    assert b'"x\\u0008\\u000c\\u001f\\u003c"' in doc
    assert b"\\b" not in doc and b"\\f" not in doc


def test_sign_bytes_refuse_values_json_cannot_carry() -> None:
    """Only the JSON types the messages use are written; anything else is a programming error, not a guess."""
    with pytest.raises(TypeError):
        canonical_json({"amount": 1.5})
