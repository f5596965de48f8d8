"""What the JSON API answers and the pages show, built once: records as JSON, and the search a
request asks for. Shared by ``api.v1`` and ``api.web`` so both say the same thing."""
