"""Sign-bytes classes: types whose signatures are interchangeable, computed from the field declarations.

The amino type prefix is not part of the sign bytes, so two types whose sign JSON can be equal share
signatures. bnb-chain/node declares FreezeMsg and UnfreezeMsg (plugins/tokens/freeze/msg.go), MintMsg
(plugins/tokens/issue/msg.go) and BurnMsg (plugins/tokens/burn/msg.go) with the same three fields,
`json:"from"` AccAddress, `json:"symbol"` string, `json:"amount"` int64, each signed with json.Marshal.
"""

from dataclasses import dataclass
from typing import Annotated, ClassVar

import pytest

from app.chain.messages import (
    MESSAGE_TYPES,
    Burn,
    Declared,
    Mint,
    Msg,
    TokenFreeze,
    TokenUnfreeze,
    decode_msg,
    encode_msg,
    sign_classes,
    sign_shape,
)
from app.chain.messages.base import ACCOUNT
from app.chain.messages.spec import Tag, Text, Uint, group_by_sign_shape, json_shape
from app.chain.tx import sign_bytes
from tests.chain.samples import SAMPLES, A

TOKEN_FAMILY = frozenset({TokenFreeze, TokenUnfreeze, Mint, Burn})


def test_samples_cover_every_message_type() -> None:
    """The table below is complete: a new type needs a sample here."""
    assert [type(m) for m in SAMPLES] == list(MESSAGE_TYPES)


def test_freeze_unfreeze_mint_burn_form_the_only_sign_bytes_class() -> None:
    """Pinned: the token family shares sign bytes; every other type is alone. Fails when a new type joins a class."""
    classes = sign_classes()
    assert [c for c in classes if len(c) > 1] == [TOKEN_FAMILY]
    members = [cls for c in classes for cls in c]
    assert sorted(members, key=str) == sorted(MESSAGE_TYPES, key=str)  # a partition: each type once


def test_members_of_a_class_sign_identical_bytes() -> None:
    """What the class means: the same fields give the same sign bytes whatever the type, prefix aside."""
    docs = {
        sign_bytes(msg=cls(from_=A, symbol="ABC-123", amount=5), chain_id="c", account_number=1, sequence=2)
        for cls in TOKEN_FAMILY
    }
    assert docs == {
        b'{"account_number":"1","chain_id":"c","data":null,"memo":"",'
        b'"msgs":[{"amount":5,"from":"' + A.encode() + b'","symbol":"ABC-123"}],"sequence":"2","source":"0"}'
    }
    assert len({encode_msg(cls(from_=A, symbol="ABC-123", amount=5)) for cls in TOKEN_FAMILY}) == len(TOKEN_FAMILY)


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_sign_shape_describes_the_sign_json_the_type_writes(msg: Msg) -> None:
    """sign_shape is derived from the declaration; it matches the JSON a real message signs, recursively."""
    assert sign_shape(type(msg)) == json_shape(msg.sign_dict())  # type: ignore[arg-type]


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_every_declared_type_round_trips_through_amino(msg: Msg) -> None:
    """Encoding and decoding derive from the same declaration, so they are inverse for every type."""
    assert decode_msg(encode_msg(msg), "bnb") == msg


@dataclass(frozen=True, slots=True)
class _LookAlike(Declared):
    """A hypothetical new type whose sign JSON is the token family's, in another amino order."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("01020304")
    amount: Annotated[int, Tag(1, Uint())]
    symbol: Annotated[str, Tag(2, Text())]
    owner: Annotated[str, Tag(3, ACCOUNT, json="from")]


@dataclass(frozen=True, slots=True)
class _Distinct(Declared):
    """A hypothetical new type with one more key: its sign bytes can never equal another type's."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("01020305")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    symbol: Annotated[str, Tag(2, Text())]
    amount: Annotated[int, Tag(3, Uint())]
    memo: Annotated[str, Tag(4, Text())]


def test_a_new_type_with_the_same_sign_json_joins_the_class() -> None:
    """The classes are computed, not listed: a look-alike joins the family, a type with another key stays alone."""
    classes = group_by_sign_shape([*MESSAGE_TYPES, _LookAlike, _Distinct])
    assert TOKEN_FAMILY | {_LookAlike} in classes
    assert frozenset({_Distinct}) in classes


def test_a_field_without_a_tag_is_refused_when_the_class_is_defined() -> None:
    """Every field must carry its chain facts: a bare annotation fails at import, not at signing time."""
    with pytest.raises(TypeError, match="Tag"):

        class _Untagged(Declared):
            from_: str
