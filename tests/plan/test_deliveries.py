"""The base year's deliveries beyond the scenario's own uses carry on in every plan period.

corridor (scenarios.py) in the base year: the mine made 5,000 t of coal, the works 1,500 t of iron using
2 t of coal each (3,000 t), carts carry freight (transport is left out). So 2,000 t of coal and 1,500 t of
iron went outside the two counties, all of it from the county that made it.
"""

from __future__ import annotations

import pytest
from tests.plan.scenarios import build, corridor_raw

from leapplan.plan import solve_plan
from leapplan.plan.index import base_deliveries, build_index


def test_base_deliveries_by_hand() -> None:
    s = build(corridor_raw())
    d = base_deliveries(s, build_index(s)).set_index(["region", "product"])["quantity"]
    assert d.to_dict() == pytest.approx({("a", "coal"): 2000.0, ("b", "iron"): 1500.0})


def _two_years(share: float) -> dict:  # type: ignore[type-arg]
    # two years, the iron target only in the first: what is made in 1959 is what must be delivered
    raw = corridor_raw()
    raw["horizon"] = 2
    raw["guardrails"]["base_deliveries"] = share
    raw["links"][0]["capacity"] = 1e9
    return raw


@pytest.mark.parametrize(
    ("share", "iron_1959", "coal_1959"), [(0.0, 0.0, 0.0), (0.5, 750.0, 2500.0), (1.0, 1500.0, 5000.0)]
)
def test_output_in_an_untargeted_year_is_what_is_delivered(share: float, iron_1959: float, coal_1959: float) -> None:
    # least cost (tie-break on output value) makes no more than is owed: iron = share × 1,500 t; coal = its
    # own delivery share × 2,000 t plus 2 t for each t of iron
    r = solve_plan(build(_two_years(share)))
    made = r.production[r.production["period"] == "1959"].groupby("product")["quantity"].sum()
    assert made.get("iron", 0.0) == pytest.approx(iron_1959, abs=1e-6)
    assert made.get("coal", 0.0) == pytest.approx(coal_1959, abs=1e-6)
