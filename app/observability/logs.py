"""Logging set-up for `serve`: text or one JSON object per line, request ids, and secret redaction.

The root handler carries RedactingFilter, so every record that reaches it (the service's own and
uvicorn's) is scrubbed of anything that looks like a bearer token, a JWT, a 64-hex private key,
a bcrypt hash or a password field. The code never logs those on purpose; this is defence in
depth against an exception message or a third-party logger that does.
"""

import json
import logging
import logging.config
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The id of the request being handled, set by app.observability for the length of the request.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

REDACTED = "[REDACTED]"
# One pattern, compiled once, scanned once per string. Token-like runs are only tried where a run
# starts (the lookbehinds), so a long hex or base64 string costs one pass, not one per position.
_SECRET_RE = re.compile(
    # "Bearer <anything>": the scheme stays, the credential goes.
    r"(?P<bearer>(?i:\bbearer)\s+)[A-Za-z0-9._~+/=-]+"
    # A JWT, or any token of three base64url segments; short dotted names (app.chain.node) stay.
    r"|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
    r"|\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}"  # a bcrypt hash
    # 64 hex digits: a private key (tx hashes look the same and go too; the audit log keeps them).
    r"|(?<![0-9A-Fa-f])(?:0x)?[0-9A-Fa-f]{64}(?![0-9A-Fa-f])"
    # A password-like field in JSON, a dict repr or a form: the whole value, quoted or not.
    r"|(?P<field>(?i:password|passphrase|secret_key|private_key|mnemonic)[\"']?\s*[:=]\s*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\"'\s,}&]+)"
)
_SHORTEST_SECRET = 8  # "bearer x"; anything shorter cannot hold one


def _replace(match: re.Match[str]) -> str:
    if match["bearer"] is not None:
        return match["bearer"] + REDACTED
    if match["field"] is not None:
        quote = match["value"][0] if match["value"][0] in "\"'" else ""
        return f"{match['field']}{quote}{REDACTED}{quote}"
    return REDACTED


# LogRecord's own attributes; anything else on a record came from `extra=` and is logged as a field.
_RECORD_FIELDS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's colored copy of the message
}


def redact(text: str) -> str:
    """text with every secret-looking value replaced by [REDACTED]."""
    return text if len(text) < _SHORTEST_SECRET else _SECRET_RE.sub(_replace, text)


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a record was given with `extra=`."""
    return {k: v for k, v in record.__dict__.items() if k not in _RECORD_FIELDS and not k.startswith("_")}


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, string extras, traceback and stack with secrets redacted."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it, with nothing to redact
            return True
        record.msg, record.args = redact(message), None
        for key, value in extra_fields(record).items():
            if isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = extra_fields(record)
    request_id = REQUEST_ID.get()
    if request_id is not None:
        fields.setdefault("request_id", request_id)
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the record's extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


def _logfmt(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if not text or any(c in text for c in ' "=\n') else text


class TextFormatter(logging.Formatter):
    """`ts LEVEL logger: message key=value ...`, then the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        for key, value in _fields(record).items():
            line += f" {key}={_logfmt(value)}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


FORMATTERS = {"text": "app.observability.logs.TextFormatter", "json": "app.observability.logs.JsonFormatter"}


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """A dictConfig for the root logger and uvicorn's loggers (uvicorn applies it in every worker)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "app.observability.logs.RedactingFilter"}},
        "formatters": {"default": {"()": FORMATTERS[log_format]}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["redact"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
        # uvicorn's loggers keep no handler of their own: their records reach the root handler.
        "loggers": {
            name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure_logging(*, log_format: str, level: str) -> dict[str, Any]:
    """Apply logging_config in this process now and return it (for uvicorn's log_config)."""
    config = logging_config(log_format=log_format, level=level)
    logging.config.dictConfig(config)
    return config
