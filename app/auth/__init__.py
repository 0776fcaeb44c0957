"""Who is calling: passwords, tokens (one verifier per app), users and their grants, the login throttle.

May import app.config, app.permissions, app.errors, app.clock and app.store; never web or signing.
"""
