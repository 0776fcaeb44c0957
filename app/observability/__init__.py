"""Logs and metrics: log formatting and redaction, and the metrics registry of one app instance.

May import app.errors and prometheus-client; never FastAPI, web, signing or store.
"""
