"""The key tests' backends: a SoftHSM2 token set and a moto KMS server per session (tests/backends.py)."""

from tests.backends import aws_env, hsm_key, moto, softhsm  # noqa: F401 (fixtures)
