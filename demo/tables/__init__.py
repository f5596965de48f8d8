"""The table generators behind the demo datasets' CSV files, one module per domain.

A generator is a ``TableFn``: given the dataset's random generator and its ``Scope`` (a district
or the city, and a span of years) it returns a ``Table``. Each domain module names its generators
``_t_<kind>`` and collects them in ``TABLES``; subjects name the one they use by that kind.
"""

from __future__ import annotations

from demo.tables import (
    agriculture,
    culture,
    economy,
    energy,
    environment,
    government,
    health,
    housing,
    society,
    transport,
    weather,
)
from demo.tables.base import TableFn

_DOMAINS = (
    agriculture,
    culture,
    economy,
    energy,
    environment,
    government,
    health,
    housing,
    society,
    transport,
    weather,
)

TABLES: dict[str, TableFn] = {kind: fn for domain in _DOMAINS for kind, fn in domain.TABLES.items()}
# Within a module ruff catches a generator defined twice (F811); across modules, this does.
if len(TABLES) != sum(len(domain.TABLES) for domain in _DOMAINS):
    raise RuntimeError("two demo table generators share a kind")

# Tables that describe what exists now rather than a period of time.
DIRECTORY_TABLES = frozenset(
    (
        "schools",
        "kindergartens",
        "hospitals",
        "community_health",
        "ev_chargers",
        "parking",
        "markets",
        "elderly_care",
        "heritage",
        "attractions",
        "hotels",
        "cultural_venues",
        "sports_venues",
        "pharmacies",
        "shelters",
        "public_toilets",
        "parks",
        "incubators",
        "coops",
        "polluters",
        "rivers",
        "ancient_trees",
        "police_stations",
        "service_centres",
        "canteens",
        "social_insurance_points",
        "fire_stations",
        "training_schools",
        "bus_routes",
        "weather_stations",
        "housing_projects",
    )
)
