"""Small plan scenarios whose optimum is worked out by hand (see each test for the arithmetic).

``corridor()``: two counties, one year. County A mines coal (capacity 6,000 t/yr, base 5,000 t) and
runs carts (400,000 t-km/yr); county B has an iron works (2,000 t/yr) that needs 2 t of coal per t
of iron, carried 100 km from A over a road of 3,000 t/yr. Every technology is 'large' and the
regions are counties, so only the existing plants may expand. Funds: 20,000 yuan. Iron leaves the
scenario (export limit 1e9 t/yr); coal and transport must be used where they are made.
"""

from __future__ import annotations

import copy
from typing import Any

from leapplan.scenario import Scenario, parse

SRC = "estimate: test"
GUARDRAILS_OFF: dict[str, Any] = {
    "base_deliveries": 0.0,
    "agriculture": 0.0,
    "consumption_per_head": 0.0,
    "reference_floor": False,
    "food_risk": 0.0,
    "new_capacity_use": 0.0,
}
"""Every guardrail of a committee's plan (issue 18) off: the hand answers are worked without them."""


def furnace(**fields: Any) -> dict[str, Any]:
    """Indigenous iron furnace: 0.2 person-yr per t, 10 yuan per t/yr to build, built at once, 100 t/yr a plant."""
    tech = {
        "id": "furnace",
        "name": "Furnace",
        "product": "iron",
        "kind": "indigenous",
        "scale": "small",
        "labour": 0.2,
        "capital_cost": 10,
        "build_time": 0,
        "lifetime": 10,
        "plant_size": 100,
        "source": SRC,
    }
    return {**tech, **fields}


def corridor_raw() -> dict[str, Any]:
    """The two-county coal → iron scenario as plain data."""
    tech = dict(kind="modern", scale="large", build_time=0, lifetime=10, source=SRC)
    return {
        "name": "corridor",
        "base_year": 1957,
        "horizon": 1,
        "seed": 1,
        "regions": [
            {"id": "prov", "name": "Province", "kind": "province", "source": SRC},
            {"id": "a", "name": "County A", "kind": "county", "parent": "prov", "labour_force": 1000, "source": SRC},
            {"id": "b", "name": "County B", "kind": "county", "parent": "prov", "labour_force": 1000, "source": SRC},
        ],
        "products": [
            {"id": "grain", "name": "Grain", "unit": "t", "price": 100, "sector": "agriculture", "source": SRC},
            {"id": "coal", "name": "Coal", "unit": "t", "price": 10, "sector": "industry", "source": SRC},
            {
                "id": "iron",
                "name": "Iron",
                "unit": "t",
                "price": 200,
                "sector": "industry",
                "export_limit": 1e9,
                "source": SRC,
            },
            {
                "id": "transport",
                "name": "Transport",
                "unit": "t-km",
                "price": 0.01,
                "sector": "transport",
                "source": SRC,
            },
        ],
        "technologies": [
            {
                "id": "mine",
                "name": "Coal mine",
                "product": "coal",
                "labour": 0.001,
                "capital_cost": 4,
                "plant_size": 1000,
                **tech,
            },
            {
                "id": "works",
                "name": "Iron works",
                "product": "iron",
                "inputs": {"coal": 2},
                "labour": 0.002,
                "capital_cost": 10,
                "plant_size": 500,
                **tech,
            },
            {
                "id": "carts",
                "name": "Carts",
                "product": "transport",
                "labour": 0.0005,
                "capital_cost": 0.1,
                "plant_size": 100000,
                **tech,
            },
        ],
        "enterprises": [
            {
                "id": "a_mine",
                "name": "A mine",
                "region": "a",
                "ownership": "county",
                "technology": "mine",
                "capacity": 6000,
                "base_output": 5000,
                "source": SRC,
            },
            {
                "id": "b_works",
                "name": "B works",
                "region": "b",
                "ownership": "county",
                "technology": "works",
                "capacity": 2000,
                "base_output": 1500,
                "source": SRC,
            },
            {
                "id": "a_carts",
                "name": "A carts",
                "region": "a",
                "ownership": "county",
                "technology": "carts",
                "capacity": 400000,
                "base_output": 300000,
                "source": SRC,
            },
        ],
        "funds": [
            {
                "id": "budget",
                "name": "Budget",
                "kind": "state_budget",
                "amount": 20000,
                "available_from": 1958,
                "recipients": ["prov"],
                "source": SRC,
            },
        ],
        "links": [
            {
                "id": "ab",
                "from_region": "a",
                "to_region": "b",
                "mode": "road",
                "distance": 100,
                "capacity": 3000,
                "source": SRC,
            },
        ],
        "targets": [
            {
                "id": "iron_1958",
                "description": "Iron 3,000 t in 1958",
                "scope": {"metric": "output", "product": "iron"},
                "kind": "absolute",
                "value": 3000,
                "year": 1958,
                "source": SRC,
            },
        ],
        "agriculture": {"yield_curve": [[0, 0], [1, 1]], "base_farm_share": 0.5, "source": SRC},
        # the hand answers below are worked without the base year's deliveries carrying on (test_deliveries.py)
        # and without the guardrails of a committee's plan (test_committee.py works those out)
        "guardrails": {
            "food_per_head": 200,
            "min_farm_share": 0.5,
            **GUARDRAILS_OFF,
            "source": SRC,
        },
    }


def two_prefectures_raw() -> dict[str, Any]:
    """The corridor scenario with a third county C: A and C in prefecture 'east', B in 'west'; road 'ab' from A to B
    (between the prefectures, as before) and road 'ac' from A to C (inside 'east')."""
    raw = corridor_raw()
    raw["regions"] = [
        {"id": "prov", "name": "Province", "kind": "province", "source": SRC},
        {"id": "east", "name": "East", "kind": "prefecture", "parent": "prov", "source": SRC},
        {"id": "west", "name": "West", "kind": "prefecture", "parent": "prov", "source": SRC},
        {"id": "a", "name": "County A", "kind": "county", "parent": "east", "labour_force": 1000, "source": SRC},
        {"id": "b", "name": "County B", "kind": "county", "parent": "west", "labour_force": 1000, "source": SRC},
        {"id": "c", "name": "County C", "kind": "county", "parent": "east", "labour_force": 1000, "source": SRC},
    ]
    raw["links"].append(dict(raw["links"][0], id="ac", to_region="c", distance=50))
    return raw


def farm_raw() -> dict[str, Any]:
    """One county with people and fields: iron (labour 0.2 person-yr/t, 10 yuan per t/yr to build) against food.

    Population and labour force 1,000, farmland 1,000 ha, yield 1 t/ha at 1 worker/ha (linear up to
    there, flat beyond). Existing iron capacity 1,000 t/yr. Target: 3,000 t of iron in 1958.
    """
    raw = corridor_raw()
    raw["name"] = "farm"
    raw["regions"] = [
        {"id": "prov", "name": "Province", "kind": "province", "source": SRC},
        {
            "id": "c",
            "name": "County C",
            "kind": "county",
            "parent": "prov",
            "population": 1000,
            "labour_force": 1000,
            "farmland": 1000,
            "source": SRC,
        },
    ]
    raw["products"] = [p for p in raw["products"] if p["id"] in ("grain", "iron")]
    raw["technologies"] = [furnace()]
    raw["enterprises"] = [
        {
            "id": "c_furnace",
            "name": "C furnaces",
            "region": "c",
            "ownership": "county",
            "technology": "furnace",
            "capacity": 1000,
            "base_output": 1000,
            "source": SRC,
        },
    ]
    raw["funds"][0]["amount"] = 10000
    raw["links"] = []
    raw["agriculture"]["yield_curve"] = [[0, 0], [1, 1], [2, 1]]
    return raw


def priorities_raw() -> dict[str, Any]:
    """corridor with the road opened, coal free to leave and carts to spare: coal 8,000 t (priority 1) and iron
    4,000 t (priority 2) in 1958 compete for the 20,000 yuan of funds (test_hand.py works out the answer)."""
    raw = corridor_raw()
    raw["products"][1]["export_limit"] = 1e9
    raw["links"][0]["capacity"] = 1e9
    raw["enterprises"][2]["capacity"] = 1e7
    raw["targets"][0].update(value=4000, priority=2)
    raw["targets"].append(
        {
            "id": "coal_1958",
            "description": "Coal 8,000 t",
            "scope": {"metric": "output", "product": "coal"},
            "kind": "absolute",
            "value": 8000,
            "year": 1958,
            "priority": 1,
            "source": SRC,
        }
    )
    return raw


def build(raw: dict[str, Any], changes: dict[str, Any] | None = None) -> Scenario:
    """Parse ``raw`` after applying dotted-path changes, e.g. ``{'links.0.capacity': 1e9}``."""
    data = copy.deepcopy(raw)
    for path, value in (changes or {}).items():
        node: Any = data
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return parse(data, data["name"])
