"""The audit ledger's exchange-side half: signed checkpoints, regulator queries, exports and
the offline verifier (DESIGN.md §7). The append primitive and the tree live in ``core.ledger``."""
