"""The serving process freezes start-up's objects out of the garbage collector (issue #14)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: the settings are process-wide, and a test process builds many apps.
_PROBE = """
import asyncio, gc, sys
from pathlib import Path
from app.config import parse_config
from app.web.app import create_app
from app.web.gctune import YOUNG_THRESHOLD
from tests.helpers import make_config

async def main(serving):
    app = create_app(parse_config(make_config(), base_dir=Path(sys.argv[1])), serving=serving)
    async with app.router.lifespan_context(app):
        print(gc.get_freeze_count() > 10_000, gc.get_threshold()[0] == YOUNG_THRESHOLD)

asyncio.run(main(sys.argv[2] == "serving"))
"""


def _probe(tmp_path: Path, mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path), mode], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_serving_app_freezes_its_start_up_objects(tmp_path: Path) -> None:
    assert _probe(tmp_path, "serving") == "True True"


def test_an_app_built_by_a_test_leaves_the_collector_alone(tmp_path: Path) -> None:
    assert _probe(tmp_path, "test") == "False False"
