"""Pages for people: the catalog (home, search, dataset and organization pages), accounts, and
the exchange's pages. Rendering helpers are ``api.html``; templates are ``api/templates``."""
