"""Dataset search: one interface (``SearchBackend``), an embedded and an Elasticsearch backend."""
