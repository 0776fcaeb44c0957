"""Log formats, request ids in log lines, secret redaction, and `serve --log-format`."""

import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import bcrypt
import pytest
import yaml

from app.auth.tokens import TokenVerifier
from app.cli import main as cli
from app.clock import SystemClock
from app.observability.logs import (
    REDACTED,
    REQUEST_ID,
    JsonFormatter,
    RedactingFilter,
    TextFormatter,
    configure_logging,
    logging_config,
    redact,
)
from tests.helpers import KEY_A, SECRET, make_config

PUBLIC_KEY = "02" + "ab" * 32  # 66 hex digits: a compressed public key, not a secret
TX_HEX = "ce01f0625dee0a" + "0f" * 100  # a long hex run: a signed tx, not a key


def _token() -> str:
    token, _ = TokenVerifier(secret=SECRET, expiry_minutes=5, clock=SystemClock()).issue(
        "alice", password_fingerprint="f"
    )
    return token


def _record(msg: str, *args: Any, exc: bool = False, **extra: Any) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"bad key {KEY_A}")
        except ValueError:
            exc_info = sys.exc_info()
    record = logging.LogRecord("app.test", logging.WARNING, __file__, 1, msg, args or None, exc_info)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def _filtered(record: logging.LogRecord) -> logging.LogRecord:
    assert RedactingFilter().filter(record) is True  # redacts, never drops
    return record


# ---- redact ----


def test_redact_removes_a_jwt() -> None:
    token = _token()
    assert redact(f"token {token} seen") == f"token {REDACTED} seen"


def test_redact_removes_a_bearer_value_but_keeps_the_scheme() -> None:
    assert redact("Authorization: Bearer abc.def") == f"Authorization: Bearer {REDACTED}"
    assert redact("authorization: bearer opaque-token_123") == f"authorization: bearer {REDACTED}"
    assert redact(f"Authorization: Bearer {_token()}") == f"Authorization: Bearer {REDACTED}"


@pytest.mark.parametrize("key", [KEY_A, KEY_A.upper(), "0x" + KEY_A])
def test_redact_removes_a_64_hex_private_key(key: str) -> None:
    assert redact(f"key={key},") == f"key={REDACTED},"
    assert redact(f"wallet_{key}") == f"wallet_{REDACTED}"


def test_redact_removes_a_bcrypt_hash() -> None:
    hashed = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()
    assert redact(f"hash {hashed} end") == f"hash {REDACTED} end"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"username": "alice", "password": "hunter22"}', f'{{"username": "alice", "password": "{REDACTED}"}}'),
        ("password=hunter22&username=alice", f"password={REDACTED}&username=alice"),
        ("{'passphrase': 'words here'}", f"{{'passphrase': '{REDACTED}'}}"),
    ],
)
def test_redact_removes_password_fields(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "request method=GET route=/api/wallet/{wallet_name} status=200",
        "logger app.chain.node and uvicorn.error",
        "node https://testnet-dex.binance.org unreachable: ConnectError",
        "address tbnb1yqprw3vkaw72vaw4yws0adxq6qw5nunzny0tvt",
        "request id 0123456789abcdef0123456789abcdef",
        "account id 7f756b1be93aa2e2fdc3d7cb713abc206f877802",
        f"public key {PUBLIC_KEY}",
        f"signed {TX_HEX}",
        "version 1.0.0 at 127.0.0.1:8000",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


# ---- RedactingFilter ----


def test_filter_redacts_the_formatted_message_and_its_arguments() -> None:
    record = _filtered(_record("login with %s and key %s", f"Bearer {_token()}", KEY_A))
    assert record.getMessage() == f"login with Bearer {REDACTED} and key {REDACTED}"


def test_filter_redacts_string_extra_fields() -> None:
    record = _filtered(_record("request", user="alice", header=f"Bearer {_token()}", status=200))
    assert record.header == f"Bearer {REDACTED}"  # type: ignore[attr-defined]
    assert record.user == "alice"  # type: ignore[attr-defined]
    assert record.status == 200  # type: ignore[attr-defined]


def test_filter_redacts_a_traceback() -> None:
    record = _filtered(_record("failed", exc=True))
    line = JsonFormatter().format(record)
    assert KEY_A not in line
    assert "ValueError: bad key [REDACTED]" in json.loads(line)["exc"]


def test_filter_keeps_a_record_with_a_broken_format_string() -> None:
    record = _record("%d items", "not a number")
    assert RedactingFilter().filter(record) is True


# ---- formatters ----


def test_json_formatter_writes_one_object_per_line_with_the_extra_fields() -> None:
    line = JsonFormatter().format(_record("request", method="GET", status=200, duration_ms=1.5))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "app.test"
    assert entry["message"] == "request"
    assert entry["ts"].endswith("Z")
    assert (entry["method"], entry["status"], entry["duration_ms"]) == ("GET", 200, 1.5)
    assert "request_id" not in entry


def test_formatters_add_the_current_request_id() -> None:
    context = REQUEST_ID.set("rid-1")
    try:
        assert json.loads(JsonFormatter().format(_record("inside")))["request_id"] == "rid-1"
        assert "request_id=rid-1" in TextFormatter().format(_record("inside"))
    finally:
        REQUEST_ID.reset(context)


def test_json_formatter_leaves_out_uvicorns_color_message() -> None:
    entry = json.loads(JsonFormatter().format(_record("Started", color_message="\x1b[1mStarted\x1b[0m")))
    assert "color_message" not in entry


def test_text_formatter_writes_key_value_pairs_quoting_spaces() -> None:
    line = TextFormatter().format(_record("request", route="/api/x", user=None, note="two words"))
    assert line.endswith('WARNING app.test: request route=/api/x user=None note="two words"')


def test_text_formatter_cannot_be_tricked_into_a_second_line() -> None:
    line = TextFormatter().format(_record("request", user="evil\nFAKE LINE"))
    assert "\n" not in line


# ---- logging_config and serve ----


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    loggers = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate) for name in names}
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, (handlers, propagate) in loggers.items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).propagate = propagate


@pytest.mark.parametrize(("log_format", "formatter"), [("json", JsonFormatter), ("text", TextFormatter)])
def test_configure_logging_sends_every_logger_through_one_redacting_handler(
    restore_logging: None, log_format: str, formatter: type
) -> None:
    configure_logging(log_format=log_format, level="info")
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler.formatter, formatter)
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    assert logging.getLogger().level == logging.INFO
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert logging.getLogger(name).handlers == []
        assert logging.getLogger(name).propagate


def test_logging_config_is_plain_data_for_uvicorns_workers() -> None:
    config = logging_config(log_format="json", level="debug")
    assert yaml.safe_load(yaml.safe_dump(config)) == config  # strings only: picklable, importable by path
    assert config["root"]["level"] == "DEBUG"


def test_serve_parses_log_format_with_text_as_default() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["serve"]).log_format == "text"
    assert parser.parse_args(["serve", "--log-format", "json"]).log_format == "json"
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--log-format", "xml"])


def test_serve_passes_the_log_config_to_uvicorn(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    import app.observability.logs

    config_file = tmp_path / "config.yml"
    config_file.write_text(yaml.safe_dump(make_config()))
    applied: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(
        app.observability.logs, "configure_logging", lambda **kw: applied.append(logging_config(**kw)) or applied[-1]
    )
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: runs.append(kw))
    monkeypatch.setenv("SIGNING_SERVICE_CONFIG", "unchanged")  # cmd_serve sets it; monkeypatch restores it
    cli.main(["serve", "--config", str(config_file), "--log-format", "json", "--log-level", "warning"])
    (kwargs,) = runs
    assert kwargs["log_config"] is applied[0]
    assert kwargs["log_config"]["formatters"]["default"]["()"] == "app.observability.logs.JsonFormatter"
    assert kwargs["log_config"]["root"]["level"] == "WARNING"
    assert kwargs["access_log"] is False
