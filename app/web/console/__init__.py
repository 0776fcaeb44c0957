"""The operator console at /console: server-rendered pages (Jinja2), plain forms, no script.

routes.py (the pages), session.py (cookie and CSRF), views.py (wallets, health), audit.py (the audit
page), approvals.py (the approvals page, over the ApprovalDesk), templates/ and static/ (one
stylesheet). Part of app.web: may import what web may.
"""
