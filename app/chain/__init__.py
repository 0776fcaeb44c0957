"""The Binance Chain protocol: keys, addresses, amounts, messages, transactions and the node client.

Nothing in this package knows about HTTP requests, the service's config or its store.
"""
