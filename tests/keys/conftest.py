"""The key tests use the session's SoftHSM2 token set and moto KMS server (tests/backends.py)."""
