"""The datastore: tabular resources loaded into tables, queried, aggregated and streamed.

``sources`` reads files (CSV in any Chinese encoding, XLSX, JSON, NDJSON) as rows; ``ingest``
infers a schema and loads a new table; ``query`` builds record queries under an
``access.AccessDecision``; ``services`` holds the rules; ``detectors`` find personal data.
"""
