"""DCAT-AP 3 (``/catalog.jsonld|ttl``, ``/dataset/NAME.jsonld|ttl``) and ``/data.json``."""
