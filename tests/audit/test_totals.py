"""Parent totals and plan fulfilment on the tiny scenario.

Tree: prov → city (city_iron, city_steel, rail_prov), north (north_coal), south (south_coal, south_iron).
Units with plants for pig iron: prov's children city and south; south's child south_iron.
"""

from __future__ import annotations

import pandas as pd

from leapplan.audit import audit_reports
from leapplan.scenario import Scenario


def by_check(flags: pd.DataFrame, check: str) -> pd.DataFrame:
    return flags[flags["check"] == check]


def iron(unit: str, produced: float, period: str = "1958") -> dict:
    return {"unit": unit, "period": period, "product": "pig_iron", "produced": produced}


def test_parent_below_its_units(tiny: Scenario, reports) -> None:
    flags = by_check(audit_reports(tiny, reports(iron("south_iron", 3_000), iron("south", 2_500))), "parent_total")
    assert flags[["report_id", "unit", "severity"]].values.tolist() == [["r2", "south", "error"]]
    assert flags["message"].tolist() == [
        "pig iron 2,500 t in 1958 is less than the 3,000 t its units reported (1 report)"
    ]


def test_parent_above_its_units_when_all_reported(tiny: Scenario, reports) -> None:
    flags = by_check(audit_reports(tiny, reports(iron("south_iron", 3_000), iron("south", 3_500))), "parent_total")
    assert flags["message"].tolist() == [
        "pig iron 3,500 t in 1958 is more than the 3,000 t its units reported (all 1 with plants for it)"
    ]


def test_totals_roll_up_through_units_that_did_not_report(tiny: Scenario, reports) -> None:
    # city and south did not report: they count with city_iron 100,000 t and south_iron 3,000 t = 103,000 t
    base = [iron("city_iron", 100_000), iron("south_iron", 3_000)]
    flags = by_check(audit_reports(tiny, reports(*base, iron("prov", 120_000))), "parent_total")
    assert flags["message"].tolist() == [
        "pig iron 120,000 t in 1958 is more than the 103,000 t its units reported (all 2 with plants for it)"
    ]
    # within 1 % of 103,500 t: no flag
    assert by_check(audit_reports(tiny, reports(*base, iron("prov", 103_500))), "parent_total").empty


def test_missing_units_may_make_up_a_higher_total(tiny: Scenario, reports) -> None:
    # city has not reported: prov above south's 3,000 t is no contradiction; below it would be
    assert by_check(
        audit_reports(tiny, reports(iron("south_iron", 3_000), iron("prov", 120_000))), "parent_total"
    ).empty
    flags = by_check(audit_reports(tiny, reports(iron("south_iron", 3_000), iron("prov", 2_000))), "parent_total")
    assert flags["unit"].tolist() == ["prov"]


def test_totals_compare_the_same_period_and_product(tiny: Scenario, reports) -> None:
    r = reports(
        iron("south_iron", 3_000, "1958"),
        iron("south", 1_000, "1959"),
        {"unit": "south", "period": "1958", "product": "coal", "produced": 1_000},
    )
    assert by_check(audit_reports(tiny, r), "parent_total").empty


PLAN = pd.DataFrame(
    {
        "period": ["1958", "1958", "1959"],
        "region": ["south", "city", "south"],
        "technology": ["iron_indigenous", "iron_modern", "iron_indigenous"],
        "product": ["pig_iron", "pig_iron", "pig_iron"],
        "quantity": [2_000.0, 100_000.0, 8_000.0],
    }
)


def test_output_far_above_plan(tiny: Scenario, reports) -> None:
    # south_iron is the only indigenous furnace in south: its plan is 2,000 t; 3,100 t is 155 %
    flags = by_check(audit_reports(tiny, reports(iron("south_iron", 3_100), iron("city_iron", 100_000)), PLAN), "plan")
    assert flags["message"].tolist() == [
        "pig iron 3,100 t in 1958 is 155 % of the plan, 2,000 t (above 150 % is suspicious)"
    ]
    assert flags["severity"].tolist() == ["warning"]
    # prov plans 102,000 t in 1958: 160,000 t is 157 %
    flags = by_check(audit_reports(tiny, reports(iron("prov", 160_000)), PLAN), "plan")
    assert flags["message"].tolist() == [
        "pig iron 160,000 t in 1958 is 157 % of the plan, 102,000 t (above 150 % is suspicious)"
    ]


def test_planned_output_raises_a_regions_capacity(tiny: Scenario, reports) -> None:
    # south may make 6,500 t with its plants; the plan's 8,000 t in 1959 means new plants
    r = reports(iron("south", 7_000, "1959"))
    assert by_check(audit_reports(tiny, r), "capacity")["unit"].tolist() == ["south"]
    assert by_check(audit_reports(tiny, r, PLAN), "capacity").empty
    flags = by_check(audit_reports(tiny, reports(iron("south", 9_000, "1959")), PLAN), "capacity")
    assert flags["message"].tolist() == [
        "pig iron 9,000 t in 1959 exceeds capacity: 5,000 t per year, at most 6,500 t with technicians' help (+30 %), "
        "8,000 t with the plan's new plants"
    ]


def test_a_unit_that_reported_in_part_leaves_its_parent_unjudged_above(tiny_raw: dict, reports) -> None:
    # a second furnace in south: south's sum from south_iron alone is incomplete, so prov's 110,000 t
    # may be honest (south_iron_2 may make up the difference); once it reports, 100,000 + 3,000 + 2,000 =
    # 105,000 t is complete and 110,000 t is 4.8 % above it
    from leapplan.scenario import parse

    furnace = next(e for e in tiny_raw["enterprises"] if e["id"] == "south_iron")
    tiny_raw["enterprises"].append(dict(furnace, id="south_iron_2", name="South furnaces 2"))
    two = parse(tiny_raw, "tiny-two-furnaces")
    part = [iron("city_iron", 100_000), iron("south_iron", 3_000), iron("prov", 110_000)]
    assert by_check(audit_reports(two, reports(*part)), "parent_total").empty
    flags = by_check(audit_reports(two, reports(*part, iron("south_iron_2", 2_000))), "parent_total")
    assert flags["message"].tolist() == [
        "pig iron 110,000 t in 1958 is more than the 105,000 t its units reported (all 2 with plants for it)"
    ]
    # below the units' sum stays a contradiction however incomplete they are
    assert by_check(audit_reports(two, reports(*part[:2], iron("prov", 90_000))), "parent_total")["unit"].tolist() == [
        "prov"
    ]


def test_plan_rows_below_one_unit_are_not_plan_lines(tiny: Scenario, reports) -> None:
    crumbs = pd.DataFrame(
        {
            "period": ["1958"],
            "region": ["south"],
            "technology": ["iron_indigenous"],
            "product": ["pig_iron"],
            "quantity": [0.051],
        }
    )
    assert by_check(audit_reports(tiny, reports(iron("south_iron", 3_000)), crumbs), "plan").empty
    assert by_check(audit_reports(tiny, reports(iron("south", 3_000)), crumbs), "plan").empty
    # one unit is a plan line: 3,000 t against 1 t is 300,000 %
    one = crumbs.assign(quantity=1.0)
    assert by_check(audit_reports(tiny, reports(iron("south_iron", 3_000)), one), "plan")["message"].tolist() == [
        "pig iron 3,000 t in 1958 is 300,000 % of the plan, 1 t (above 150 % is suspicious)"
    ]
