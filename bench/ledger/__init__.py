"""Audit-ledger benchmark: ``python -m bench.ledger --help``."""
