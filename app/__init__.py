"""Binance Chain Signing Service."""

__version__ = "1.1.0"
