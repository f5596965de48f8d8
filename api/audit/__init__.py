"""The audit ledger's interfaces: the public log (``/audit/…``: checkpoints, leaves, proofs) and
the regulator's entries API (``/api/v1/audit/…``)."""
