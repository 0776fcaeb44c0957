"""Collects what a test run produces (log records, HTTP answers, process logs) to search for secrets."""

import logging
from pathlib import Path

from tests.helpers import KEY_A, KEY_B, KEY_UNFUNDED, MNEMONIC, PASSWORDS, SECRET, password_hashes

_captured: list[str] = []
_log_files: list[Path] = []


def secrets() -> list[str]:
    """Every secret the test configs hold (long enough to be unambiguous)."""
    found = [KEY_A, KEY_B, KEY_UNFUNDED, MNEMONIC, SECRET, *PASSWORDS.values(), *password_hashes()]
    found += [" ".join(MNEMONIC.split()[i : i + 3]) for i in range(0, 21, 3)]  # pieces of the mnemonic
    return found


def record(text: str) -> None:
    """Keep text (an HTTP answer, an error message) for the end-of-run search."""
    _captured.append(text)


def add_log_file(path: Path) -> None:
    """A process log to search at the end of the run."""
    _log_files.append(path)


class CaptureHandler(logging.Handler):
    """Keeps every log record of the test process, at every level."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _captured.append(self.format(record))
        except Exception:  # noqa: S110 - a record that cannot be formatted cannot leak either
            pass


def leaks() -> list[str]:
    """(secret prefix, where) for every secret found in what the run produced."""
    corpus = [("captured", text) for text in _captured]
    corpus += [(str(path), path.read_text(errors="replace")) for path in _log_files if path.exists()]
    return [f"{secret[:6]}... in {where}" for secret in secrets() for where, text in corpus if secret in text]
