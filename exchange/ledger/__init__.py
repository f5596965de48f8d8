"""The audit ledger's exchange-side half: signed checkpoints, regulator queries, exports and
the offline verifier (docs/architecture.md, "The audit ledger"). The append primitive and the
tree live in ``core.ledger``."""
