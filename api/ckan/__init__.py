"""The CKAN Action API (``/api/3/action/NAME`` and ``/api/action/NAME``), for CKAN's clients."""
