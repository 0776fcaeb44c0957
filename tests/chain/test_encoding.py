"""Encoding: canonical sign-bytes JSON, amino varints and fields, tx decoding, addresses, order ids and symbols."""

import json
import random
from pathlib import Path

import bech32
import pytest

from app.chain.address import decode_address, encode_address, normalize_address
from app.chain.amino import bytes_field, iter_fields, read_uvarint, string_field, uvarint, varint_field
from app.chain.errors import DecodeError, InvalidInput
from app.chain.keys import SigningKey, verify
from app.chain.messages import (
    ORDER_ID_RE,
    CancelOrder,
    Coin,
    NewOrder,
    Send,
    TokenFreeze,
    Vote,
    check_pair_symbol,
    check_token_symbol,
    encode_msg,
)
from app.chain.tx import PUBKEY_PREFIX, STDTX_PREFIX, SignedTx, canonical_json, decode_tx, order_id, sign_bytes, sign_tx

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text())
PUBLISHED_TXS = [bytes.fromhex(v["expected_tx_hex"]) for v in VECTORS["sign_tx"] if v["expected_tx_hex"]]
ACCOUNT_12_KEY = "90335b9d2153ad1a9799a3ccc070bd64b4164e9642ee1dd48053c33f9a3a05e9"
ACCOUNT_12_BNB = "bnb1hgm0p7khfk85zpz5v0j8wnej3a90w709vhkdfu"
ACCOUNT_12_TBNB = "tbnb1hgm0p7khfk85zpz5v0j8wnej3a90w709zzlffd"
ACCOUNT_12_ID = bytes.fromhex("ba36f0fad74d8f41045463e4774f328f4af779e5")
OTHER_BNB = "bnb1grpf0955h0ykzq3ar5nmum7y6gdfl6lxfn46h2"
# wallet-core TEST(BinanceSigner, Sign): a new order, source 1, account 12, sequence 35.
TRADE_ORDER_TX = PUBLISHED_TXS[0]


def _tx(body_fields: bytes, prefix: bytes = STDTX_PREFIX) -> bytes:
    """A length-prefixed tx from StdTx field bytes."""
    body = prefix + body_fields
    return uvarint(len(body)) + body


def _std_sig(account_number: int = 12, sequence: int = 35) -> bytes:
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    return (
        bytes_field(1, PUBKEY_PREFIX + bytes([33]) + key.public_key)
        + bytes_field(2, bytes(range(64)))
        + varint_field(3, account_number)
        + varint_field(4, sequence)
    )


def _cancel() -> bytes:
    return encode_msg(CancelOrder(sender=ACCOUNT_12_BNB, symbol="NNB-338_BNB", refid="A-1"))


# ---- canonical JSON ----


def test_canonical_json_escapes_html_characters_like_go() -> None:
    """<, >, & become \\u003c, \\u003e, \\u0026 as Go's json.Marshal writes them."""
    assert canonical_json({"m": "<a>&"}) == b'{"m":"\\u003ca\\u003e\\u0026"}'


def test_canonical_json_escapes_line_and_paragraph_separators() -> None:
    """U+2028 and U+2029 are escaped, as Go does."""
    assert canonical_json({"m": "a\u2028b\u2029c"}) == b'{"m":"a\\u2028b\\u2029c"}'


def test_canonical_json_does_not_escape_slash() -> None:
    """'/' stays as is (ujson's \\/ broke python-binance-chain memo signatures)."""
    assert canonical_json({"m": "a/b"}) == b'{"m":"a/b"}'


def test_canonical_json_keeps_non_ascii_as_utf8() -> None:
    """Non-ASCII text is written as raw UTF-8, not \\u escapes."""
    assert canonical_json({"m": "café 😀"}) == '{"m":"café 😀"}'.encode()


def test_canonical_json_sorts_keys_at_every_level_without_whitespace() -> None:
    """Keys sorted recursively, compact separators, null for None."""
    value = {"b": [{"z": 1, "a": None}], "a": {"y": "x", "c": 2}}
    assert canonical_json(value) == b'{"a":{"c":2,"y":"x"},"b":[{"a":null,"z":1}]}'


def test_canonical_json_escapes_quotes_and_backslashes() -> None:
    """JSON's own escapes still apply."""
    assert canonical_json({"m": 'say "hi"\\'}) == b'{"m":"say \\"hi\\"\\\\"}'


def test_memo_with_slash_ampersand_and_angle_bracket_signs_expected_bytes() -> None:
    """A transfer memo "a/b & c<d" is signed as Go re-encodes it: "a/b \\u0026 c\\u003cd"."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    msg = Send.simple(sender=ACCOUNT_12_BNB, to=OTHER_BNB, coins=[Coin("BNB", 12345)])
    memo = "a/b & c<d"
    expected = (
        '{"account_number":"34","chain_id":"Binance-Chain-Tigris","data":null,'
        '"memo":"a/b \\u0026 c\\u003cd",'
        '"msgs":[{"inputs":[{"address":"' + ACCOUNT_12_BNB + '","coins":[{"amount":12345,"denom":"BNB"}]}],'
        '"outputs":[{"address":"' + OTHER_BNB + '","coins":[{"amount":12345,"denom":"BNB"}]}]}],'
        '"sequence":"7","source":"0"}'
    ).encode()
    args = {"msg": msg, "chain_id": "Binance-Chain-Tigris", "account_number": 34, "sequence": 7, "memo": memo}
    assert sign_bytes(**args) == expected
    tx = sign_tx(key=key, **args)
    assert tx.signature == key.sign(expected)
    assert verify(key.public_key, tx.signature, expected)
    raw = tx.encode()
    assert memo.encode() in raw  # the amino memo field carries the raw text, unescaped
    assert decode_tx(raw, "bnb") == tx


def test_sign_bytes_write_numbers_as_strings_and_vote_option_by_name() -> None:
    """account_number, sequence, source and proposal_id are JSON strings; the vote option is its name."""
    vote = Vote(proposal_id=347, voter=ACCOUNT_12_BNB, option=4)
    doc = sign_bytes(msg=vote, chain_id="c", account_number=0, sequence=0, source=3)
    assert (
        doc
        == (
            '{"account_number":"0","chain_id":"c","data":null,"memo":"","msgs":[{"option":"NoWithVeto",'
            '"proposal_id":"347","voter":"' + ACCOUNT_12_BNB + '"}],"sequence":"0","source":"3"}'
        ).encode()
    )


# ---- amino varints and fields ----


@pytest.mark.parametrize(
    ("value", "encoded"),
    [(0, "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"), (16384, "808001"), (2**63 - 1, "ff" * 8 + "7f")],
    ids=str,
)
def test_uvarint_edge_cases_round_trip(value: int, encoded: str) -> None:
    """LEB128 encoding and decoding agree at the byte boundaries."""
    assert uvarint(value).hex() == encoded
    assert read_uvarint(bytes.fromhex(encoded), 0) == (value, len(encoded) // 2)
    assert read_uvarint(b"\xaa" + bytes.fromhex(encoded) + b"\xbb", 1) == (value, 1 + len(encoded) // 2)


def test_uvarint_rejects_negative() -> None:
    """There is no zigzag: negatives are a programming error."""
    with pytest.raises(ValueError, match="non-negative"):
        uvarint(-1)


def test_zero_and_empty_fields_are_omitted() -> None:
    """Default values are not written, as amino does."""
    assert varint_field(3, 0) == b""
    assert bytes_field(1, b"") == b""
    assert string_field(2, "") == b""
    assert varint_field(3, 12) == b"\x18\x0c"
    assert string_field(2, "é") == b"\x12\x02\xc3\xa9"


@pytest.mark.parametrize(
    "data",
    [b"\x08", b"\x08\x80", b"\x0a\x05abc", b"\x0a", b"\x80", b"\x08" + b"\x80" * 10 + b"\x01"],
    ids=["no-value", "truncated-varint", "short-bytes", "no-length", "truncated-key", "varint-too-long"],
)
def test_iter_fields_rejects_truncated_input(data: bytes) -> None:
    """Cut-off keys, varints and length-delimited values raise DecodeError."""
    with pytest.raises(DecodeError):
        list(iter_fields(data))


@pytest.mark.parametrize("wire", [1, 3, 4, 5, 6, 7])
def test_iter_fields_rejects_unsupported_wire_types(wire: int) -> None:
    """Only varint (0) and length-delimited (2) occur in chain txs."""
    with pytest.raises(DecodeError):
        list(iter_fields(bytes([1 << 3 | wire]) + b"\x00" * 8))


def test_iter_fields_rejects_field_number_zero() -> None:
    """Field 0 does not exist."""
    with pytest.raises(DecodeError):
        list(iter_fields(b"\x00\x01"))


# ---- tx encoding and decoding ----


def test_account_number_and_sequence_zero_are_omitted_and_decode_as_zero() -> None:
    """A fresh account signs at 0/0: those StdSignature fields vanish from the bytes and decode back to 0."""
    key = SigningKey.from_hex(ACCOUNT_12_KEY)
    msg = Send.simple(sender=ACCOUNT_12_BNB, to=OTHER_BNB, coins=[Coin("BNB", 1)])
    tx = sign_tx(key=key, msg=msg, chain_id="Binance-Chain-Tigris", account_number=0, sequence=0)
    raw = tx.encode()
    _, pos = read_uvarint(raw, 0)
    std_tx = dict(iter_fields(raw[pos + 4 :]))
    assert set(std_tx) == {1, 2}  # no memo, source or data either
    assert isinstance(std_tx[2], bytes)
    assert [number for number, _ in iter_fields(std_tx[2])] == [1, 2]
    decoded = decode_tx(raw, "bnb")
    assert (decoded.account_number, decoded.sequence) == (0, 0)
    assert decoded == tx


@pytest.mark.parametrize(
    "msg",
    [
        NewOrder(
            sender=ACCOUNT_12_BNB,
            id=order_id(ACCOUNT_12_ID, 0),
            symbol="XYZ-000M_BNB",
            side=2,
            price=1,
            quantity=2**63 - 1,
            timeinforce=3,
        ),
        CancelOrder(sender=ACCOUNT_12_BNB, symbol="BTCB-1DE_BNB", refid="X-1"),
        Send.simple(sender=ACCOUNT_12_BNB, to=OTHER_BNB, coins=[Coin("BNB", 5), Coin("ANN-457", 7)]),
        TokenFreeze(from_=ACCOUNT_12_BNB, symbol="BNB", amount=1),
        Vote(proposal_id=2**40, voter=ACCOUNT_12_BNB, option=2),
    ],
    ids=["new-order", "cancel", "multi-coin-send", "freeze", "vote"],
)
def test_signed_tx_round_trips_through_decode(msg: object) -> None:
    """Every message type, with memo, source and data, decodes back to an equal SignedTx."""
    tx = SignedTx(
        msg=msg,  # type: ignore[arg-type]
        public_key=SigningKey.from_hex(ACCOUNT_12_KEY).public_key,
        signature=bytes(range(64)),
        account_number=99,
        sequence=2**33,
        memo="hi",
        source=7,
        data=b"\x01",
    )
    raw = tx.encode()
    assert decode_tx(raw, "bnb") == tx
    assert decode_tx(raw, "bnb").encode() == raw


def test_decode_tx_writes_addresses_with_requested_hrp() -> None:
    """Addresses are bytes on the wire; decode_tx spells them with the hrp it is given."""
    tx = decode_tx(TRADE_ORDER_TX, "tbnb")
    assert isinstance(tx.msg, NewOrder)
    assert tx.msg.sender == ACCOUNT_12_TBNB


def test_decode_tx_rejects_truncated_tx() -> None:
    """Dropping the last byte breaks the length prefix."""
    with pytest.raises(DecodeError):
        decode_tx(TRADE_ORDER_TX[:-1], "bnb")


def test_decode_tx_rejects_truncated_body_with_matching_prefix() -> None:
    """A body cut short but re-prefixed with its new length still fails inside the fields."""
    _, pos = read_uvarint(TRADE_ORDER_TX, 0)
    body = TRADE_ORDER_TX[pos:-1]
    with pytest.raises(DecodeError):
        decode_tx(uvarint(len(body)) + body, "bnb")


@pytest.mark.parametrize("garbage", [b"\x00", b"\x18\x01", b"garbage"], ids=repr)
def test_decode_tx_rejects_trailing_garbage(garbage: bytes) -> None:
    """Bytes after the tx the length prefix announced are refused."""
    with pytest.raises(DecodeError, match="length prefix"):
        decode_tx(TRADE_ORDER_TX + garbage, "bnb")


@pytest.mark.parametrize("raw", [b"", b"\x00", b"\x80", b"\x04\xf0\x62\x5d\xee"], ids=repr)
def test_decode_tx_rejects_empty_and_degenerate_input(raw: bytes) -> None:
    """Empty, zero-length and field-less txs raise DecodeError."""
    with pytest.raises(DecodeError):
        decode_tx(raw, "bnb")


def test_decode_tx_rejects_non_stdtx_prefix() -> None:
    """Only StdTx (F0625DEE) is a transaction."""
    fields = bytes_field(1, _cancel()) + bytes_field(2, _std_sig())
    assert decode_tx(_tx(fields), "bnb").sequence == 35
    with pytest.raises(DecodeError, match="StdTx"):
        decode_tx(_tx(fields, prefix=bytes.fromhex("F0625DEF")), "bnb")


def test_decode_tx_rejects_two_messages() -> None:
    """The service signs exactly one message per tx."""
    fields = bytes_field(1, _cancel()) + bytes_field(1, _cancel()) + bytes_field(2, _std_sig())
    with pytest.raises(DecodeError):
        decode_tx(_tx(fields), "bnb")


def test_decode_tx_rejects_two_signatures_and_no_signature() -> None:
    """Exactly one StdSignature."""
    with pytest.raises(DecodeError):
        decode_tx(_tx(bytes_field(1, _cancel()) + bytes_field(2, _std_sig()) * 2), "bnb")
    with pytest.raises(DecodeError):
        decode_tx(_tx(bytes_field(1, _cancel())), "bnb")


@pytest.mark.parametrize(
    "extra",
    [varint_field(6, 1), bytes_field(9, b"x"), bytes_field(100, b"x")],
    ids=["field6-varint", "field9-bytes", "field100"],
)
def test_decode_tx_rejects_unknown_stdtx_fields(extra: bytes) -> None:
    """Fields outside StdTx's five are refused."""
    with pytest.raises(DecodeError, match="unknown field"):
        decode_tx(_tx(bytes_field(1, _cancel()) + bytes_field(2, _std_sig()) + extra), "bnb")


def test_decode_tx_rejects_unknown_signature_and_message_fields() -> None:
    """Unknown fields inside the StdSignature or the message are refused too."""
    with pytest.raises(DecodeError):
        decode_tx(_tx(bytes_field(1, _cancel()) + bytes_field(2, _std_sig() + varint_field(5, 1))), "bnb")
    with pytest.raises(DecodeError):
        decode_tx(_tx(bytes_field(1, _cancel() + varint_field(4, 1)) + bytes_field(2, _std_sig())), "bnb")


@pytest.mark.parametrize(
    "fields",
    [
        bytes_field(1, _cancel()) + bytes_field(2, _std_sig()) + bytes_field(4, b"\x01"),  # source as bytes
        bytes_field(1, _cancel()) + bytes_field(2, _std_sig()) + varint_field(3, 5),  # memo as varint
        varint_field(1, 5) + bytes_field(2, _std_sig()),  # message as varint
        bytes_field(1, _cancel()) + bytes_field(2, _std_sig()[:-2] + bytes_field(4, b"\x01")),  # sequence as bytes
        bytes_field(1, _cancel()) + bytes_field(2, _std_sig()) + b"\x21" + b"\x00" * 8,  # fixed64 wire type
    ],
    ids=["source-bytes", "memo-varint", "msg-varint", "sequence-bytes", "fixed64"],
)
def test_decode_tx_rejects_wrong_wire_types(fields: bytes) -> None:
    """A known field with the wrong wire type is refused."""
    with pytest.raises(DecodeError):
        decode_tx(_tx(fields), "bnb")


@pytest.mark.parametrize(
    "message",
    [
        bytes.fromhex("DEADBEEF"),
        b"",
        b"\x16\x6e",
        encode_msg(Vote(proposal_id=1, voter=ACCOUNT_12_BNB, option=1))[:-1] + b"\x05",
        CancelOrder.TYPE_PREFIX + bytes_field(1, bytes(19)),
        CancelOrder.TYPE_PREFIX + bytes_field(1, ACCOUNT_12_ID) + bytes_field(2, b"\xff\xfe"),
    ],
    ids=["unknown-prefix", "empty", "short-prefix", "vote-option-5", "19-byte-address", "non-utf8-symbol"],
)
def test_decode_tx_rejects_malformed_messages(message: bytes) -> None:
    """Unknown types, bad vote options, wrong-size addresses and non-UTF-8 strings raise DecodeError."""
    with pytest.raises(DecodeError):
        decode_tx(_tx(bytes_field(1, message) + bytes_field(2, _std_sig())), "bnb")


@pytest.mark.parametrize(
    "public_key",
    [
        b"",
        PUBKEY_PREFIX + b"\x21" + bytes(32),
        b"\x00\x00\x00\x00\x21" + bytes(33),
        PUBKEY_PREFIX + b"\x20" + bytes(33),
    ],
    ids=["missing", "short", "wrong-prefix", "wrong-length-byte"],
)
def test_decode_tx_rejects_non_secp256k1_public_key(public_key: bytes) -> None:
    """The StdSignature key must be an amino-prefixed 33-byte secp256k1 key."""
    sig = bytes_field(1, public_key) + bytes_field(2, bytes(64))
    with pytest.raises(DecodeError):
        decode_tx(_tx(bytes_field(1, _cancel()) + bytes_field(2, sig)), "bnb")


def test_decode_tx_rejects_non_utf8_memo_and_repeated_fields() -> None:
    """A memo that is not UTF-8, or a scalar field written twice, is refused."""
    base = bytes_field(1, _cancel()) + bytes_field(2, _std_sig())
    with pytest.raises(DecodeError):
        decode_tx(_tx(base + bytes_field(3, b"\xc3")), "bnb")
    with pytest.raises(DecodeError):
        decode_tx(_tx(base + varint_field(4, 1) + varint_field(4, 2)), "bnb")


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """One to four random edits: bit flips, inserts, deletes, truncation, boundary bytes, spliced noise."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        edit = rng.randrange(6)
        at = rng.randrange(len(out) + 1)
        if edit == 0 and out:
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif edit == 1:
            out[at:at] = bytes([rng.randrange(256)])
        elif edit == 2 and out:
            del out[min(at, len(out) - 1)]
        elif edit == 3:
            del out[at:]
        elif edit == 4 and out:
            out[min(at, len(out) - 1)] = rng.choice([0x00, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x08, 0x18, 0x20])
        else:
            out[at:at] = rng.randbytes(rng.randrange(1, 12))
    return bytes(out)


def _mutate(rng: random.Random, raw: bytes) -> bytes:
    """A mutated tx: either the whole body, or one nested field re-wrapped so the outer layers stay valid."""
    _, pos = read_uvarint(raw, 0)
    body = raw[pos:]
    if rng.random() < 0.5:
        body = _mutate_bytes(rng, body)
    else:
        fields = list(iter_fields(body[4:]))
        target = rng.choice([i for i, (_, value) in enumerate(fields) if isinstance(value, bytes)])
        rebuilt = b""
        for i, (number, value) in enumerate(fields):
            if isinstance(value, int):
                rebuilt += varint_field(number, value)
            elif i == target:
                rebuilt += uvarint(number << 3 | 2) + uvarint(len(mutated := _mutate_bytes(rng, value))) + mutated
            else:
                rebuilt += bytes_field(number, value)
        body = body[:4] + rebuilt
    prefix = uvarint(len(body)) if rng.random() < 0.9 else uvarint(rng.randrange(300))
    return prefix + body


def test_decode_tx_fuzz_raises_only_decode_error() -> None:
    """~2000 random and mutated byte strings either decode or raise DecodeError, never anything else."""
    rng = random.Random(1234)
    samples = [rng.randbytes(rng.randrange(0, 80)) for _ in range(300)]
    samples += [_mutate(rng, rng.choice(PUBLISHED_TXS)) for _ in range(1700)]
    decoded = 0
    for raw in samples:
        try:
            tx = decode_tx(raw, "bnb")
        except DecodeError:
            continue
        decoded += 1
        assert isinstance(tx, SignedTx)
        tx.encode()  # whatever decodes can be encoded again
    assert decoded < len(samples)


# ---- addresses ----


def test_decode_address_accepts_any_hrp_when_none_given() -> None:
    """hrp=None checks only the bech32 checksum and the 20-byte payload."""
    assert decode_address(ACCOUNT_12_BNB) == ACCOUNT_12_ID
    assert decode_address(ACCOUNT_12_TBNB) == ACCOUNT_12_ID
    assert decode_address(ACCOUNT_12_TBNB, "tbnb") == ACCOUNT_12_ID


def test_decode_address_rejects_wrong_hrp() -> None:
    """A testnet address is refused for a mainnet wallet and vice versa."""
    with pytest.raises(InvalidInput):
        decode_address(ACCOUNT_12_TBNB, "bnb")
    with pytest.raises(InvalidInput):
        decode_address(ACCOUNT_12_BNB, "tbnb")


@pytest.mark.parametrize(
    "address",
    [
        ACCOUNT_12_BNB[:-1] + ("a" if ACCOUNT_12_BNB[-1] != "a" else "c"),
        ACCOUNT_12_BNB[:10] + ACCOUNT_12_BNB[11] + ACCOUNT_12_BNB[10] + ACCOUNT_12_BNB[12:],
        "bnb1HGM0p7khfk85zpz5v0j8wnej3a90w709vhkdfu",
        "",
        "bnb1",
        "bnb1" + "q" * 100,
        ACCOUNT_12_BNB[:-1] + "б",
        ACCOUNT_12_BNB + " ",
        "bnb1hgm0p7khfk85zpz5v0j8wnej3a90w709vhkdfb",
    ],
    ids=[
        "bad-checksum",
        "swapped-chars",
        "mixed-case",
        "empty",
        "hrp-only",
        "too-long",
        "non-ascii",
        "space",
        "bad-checksum-2",
    ],
)
def test_decode_address_rejects_malformed_addresses(address: str) -> None:
    """Bad checksums, mixed case, non-ASCII and over-long strings raise InvalidInput."""
    with pytest.raises(InvalidInput):
        decode_address(address)


@pytest.mark.parametrize("size", [0, 19, 21, 32])
def test_decode_address_rejects_non_20_byte_payloads(size: int) -> None:
    """Valid bech32 whose payload is not 20 bytes is not an account address."""
    address = bech32.bech32_encode("bnb", bech32.convertbits(bytes(range(size)), 8, 5))
    with pytest.raises(InvalidInput):
        decode_address(address, "bnb")


@pytest.mark.parametrize("value", [None, 123, b"bnb1"], ids=repr)
def test_decode_address_rejects_non_strings(value: object) -> None:
    """Non-string input raises InvalidInput, not TypeError."""
    with pytest.raises(InvalidInput):
        decode_address(value)  # type: ignore[arg-type]


def test_normalize_address_lowercases_upper_case_address() -> None:
    """All-upper-case bech32 is valid; the node signs the lower-case form."""
    assert normalize_address(ACCOUNT_12_BNB.upper(), "bnb") == ACCOUNT_12_BNB
    assert normalize_address(ACCOUNT_12_BNB, "bnb") == ACCOUNT_12_BNB


def test_encode_address_rejects_wrong_size() -> None:
    """Only 20-byte account ids are encoded."""
    with pytest.raises(InvalidInput):
        encode_address("bnb", bytes(21))
    assert encode_address("bnb", ACCOUNT_12_ID) == ACCOUNT_12_BNB


# ---- order ids, transfers and symbols ----


def test_order_id_is_upper_hex_address_dash_next_sequence() -> None:
    """HEXADDR-(sequence+1), as in the wallet-core vector signed at sequence 35."""
    assert order_id(ACCOUNT_12_ID, 35) == "BA36F0FAD74D8F41045463E4774F328F4AF779E5-36"
    assert order_id(ACCOUNT_12_ID, 0) == "BA36F0FAD74D8F41045463E4774F328F4AF779E5-1"
    assert ORDER_ID_RE.fullmatch(order_id(ACCOUNT_12_ID, 2**62))


def test_send_simple_sorts_coins_by_denom_on_both_sides() -> None:
    """Several coins are sorted by denom, and input and output carry the same list."""
    send = Send.simple(
        sender=ACCOUNT_12_BNB, to=OTHER_BNB, coins=[Coin("BNB", 1), Coin("ANN-457", 2), Coin("BTCB-1DE", 3)]
    )
    assert [c.denom for c in send.inputs[0].coins] == ["ANN-457", "BNB", "BTCB-1DE"]
    assert send.inputs[0].coins == send.outputs[0].coins
    assert (send.inputs[0].address, send.outputs[0].address) == (ACCOUNT_12_BNB, OTHER_BNB)
    assert len(send.inputs) == len(send.outputs) == 1


def test_send_simple_rejects_duplicate_denoms() -> None:
    """The same denom twice is refused, not merged."""
    with pytest.raises(InvalidInput):
        Send.simple(sender=ACCOUNT_12_BNB, to=OTHER_BNB, coins=[Coin("BNB", 1), Coin("ANN-457", 2), Coin("BNB", 3)])


@pytest.mark.parametrize(
    "symbol", ["BNB", "ANN-457", "BTCB-1DE", "XYZ-000M", "BCHSV.B-10F", "NNB-C3F", "BTC-5C4", "AB"]
)
def test_check_token_symbol_accepts_chain_tokens(symbol: str) -> None:
    """Native, BEP2 and mini tokens pass unchanged."""
    assert check_token_symbol(symbol) == symbol


@pytest.mark.parametrize(
    "symbol",
    [
        "bnb",
        "ann-457",
        "Bnb",
        "",
        "B",
        "ABCDEFGHI",
        "ABCDEFGHI-123",
        "BNБ",
        "ＢＮＢ",
        "BNB\n",
        " BNB",
        "ANN-457_BNB",
        "ANN-45",
        "ANN-4567",
        "ANN-45G",
        "ANN-457m",
        "BNB-",
    ],
    ids=repr,
)
def test_check_token_symbol_rejects_malformed(symbol: str) -> None:
    """Lower case, empty, too long, non-ASCII, bad suffixes and pairs are refused."""
    with pytest.raises(InvalidInput):
        check_token_symbol(symbol)


@pytest.mark.parametrize("symbol", ["ANN-457_BNB", "NNB-338_BNB", "XYZ-000M_BNB", "ADA.B-B63_BNB", "BNB_BUSD-BD1"])
def test_check_pair_symbol_accepts_trading_pairs(symbol: str) -> None:
    """BASE_QUOTE pairs of valid tokens pass unchanged."""
    assert check_pair_symbol(symbol) == symbol


@pytest.mark.parametrize(
    "symbol",
    ["BNB", "ann-457_bnb", "ANN-457_", "_BNB", "", "ANN-457__BNB", "ABCDEFGHI_BNB", "ANN-457_BNБ", "A_B_C"],
    ids=repr,
)
def test_check_pair_symbol_rejects_malformed(symbol: str) -> None:
    """Single tokens, lower case, empty halves, too long and non-ASCII are refused."""
    with pytest.raises(InvalidInput):
        check_pair_symbol(symbol)
