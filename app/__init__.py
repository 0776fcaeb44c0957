"""Binance Chain Signing Service."""

__version__ = "1.0.0"
