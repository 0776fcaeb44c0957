"""The signing pipeline (service.py), the message table (table.py), policy, idempotency, the audit record, wallets.

May import app.keys, app.store, app.chain, app.config, app.errors, app.permissions, app.clock and
app.observability; never FastAPI, Starlette, app.web or app.auth.
"""
