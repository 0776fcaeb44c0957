"""The command line: serve, devnet, check-config, hash-password, gen-secret, keystore, audit.

May import every part of app; nothing imports it but app/__main__.py.
"""
