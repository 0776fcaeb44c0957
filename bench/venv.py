"""The interpreter the measured servers run on: by default a venv with requirements.txt only.

The service ships with requirements.txt (the Docker image installs nothing else), so that is the
dependency set whose memory and speed count. The test venv adds packages that libraries import
whenever they are present (PyJWT imports cryptography, httpcore trio, httpx rich and pygments:
~16 MB of RSS the image never has). The reference apps run on the same interpreter, so ratios
compare like with like. Built once into .venv-bench and rebuilt when requirements.txt changes.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

from bench.procs import REPO

DEPLOY_VENV = REPO / ".venv-bench"
REQUIREMENTS = REPO / "requirements.txt"


def _fingerprint() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()


def deploy_python() -> Path:
    """.venv-bench's python, (re)built first if it is missing or older than requirements.txt."""
    python = DEPLOY_VENV / "bin" / "python"
    stamp = DEPLOY_VENV / "requirements.sha256"
    if python.exists() and stamp.exists() and stamp.read_text() == _fingerprint():
        return python
    print(f"building {DEPLOY_VENV.name} from requirements.txt (once; about a minute) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(DEPLOY_VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(_fingerprint())
    return python


def server_python(choice: str) -> Path:
    """deploy: .venv-bench (requirements.txt only); current: the interpreter running the bench."""
    return deploy_python() if choice == "deploy" else Path(sys.executable)
