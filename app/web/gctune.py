"""Garbage-collector settings for a serving process (measured: they were the largest cause of sign p99).

Start-up leaves ~170,000 long-lived objects (FastAPI's routes and schemas, SQLAlchemy's
compiled statements, pydantic validators, the message table). CPython's full collection walks
every one of them (~40 ms here), and with the default thresholds one ran every few hundred
requests: a 40 ms pause for every request in flight. Freezing them once started moves them to
the permanent generation, which collections never walk; a larger first threshold makes the young
collections, which a request's short-lived objects trigger, rarer. Cycles are still collected.

Process-wide state: only the serving entry points call it (never a test, which builds many apps).
"""

import gc

YOUNG_THRESHOLD = 10_000  # container allocations between young collections (CPython's default: 700)


def freeze_startup_objects() -> None:
    """Collect start-up's garbage, then exempt what survives from every later collection."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
