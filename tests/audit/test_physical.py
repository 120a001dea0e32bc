"""Material balance, capacity and labour on the tiny scenario, worked out by hand.

tiny.yaml: city_iron (blast furnace: 1.5 t coal, 30 t-km transport, 0.005 person-years per t of pig
iron; capacity 120,000 t/yr, outside the iron network); south_iron (indigenous furnace: 3 t coal,
0.05 person-years per t; capacity 5,000 t/yr, workforce 150; in iron_net whose technicians add at most 30 %).
"""

from __future__ import annotations

import pandas as pd
import pytest

from leapplan.audit import audit_reports
from leapplan.scenario import Scenario


def messages(flags: pd.DataFrame, check: str) -> list[str]:
    return flags.loc[flags["check"] == check, "message"].tolist()


def test_inflated_report_gets_the_exact_message(coal_two: Scenario, reports) -> None:
    # 1,200 t × 2 t coal/t = 2,400 t needed; 600 t received
    r = reports(
        {"unit": "city_iron", "period": "1958", "product": "pig_iron", "produced": 1200, "inputs": {"coal": 600}}
    )
    flags = audit_reports(coal_two, r)
    assert flags.to_dict(orient="records") == [
        {
            "report_id": "r1",
            "unit": "city_iron",
            "period": "1958",
            "product": "pig_iron",
            "check": "material_balance",
            "severity": "error",
            "message": "pig iron 1,200 t needs ≥ 2,400 t of coal; 600 t were received",
        }
    ]


def test_honest_report_has_no_flag(tiny: Scenario, reports) -> None:
    # 100,000 t: coal 150,000 t, transport 3,000,000 t-km, 500 workers needed; capacity 120,000 t
    r = reports(
        {
            "unit": "city_iron",
            "period": "1958",
            "product": "pig_iron",
            "produced": 100_000,
            "labour": 600,
            "inputs": {"coal": 150_000, "transport": 3_000_000},
        }
    )
    assert audit_reports(tiny, r).empty


@pytest.mark.parametrize(("coal", "flagged"), [(2_280, False), (2_279, True)])
def test_balance_tolerance_is_five_percent(tiny: Scenario, reports, coal: float, flagged: bool) -> None:
    # south_iron 800 t × 3 = 2,400 t; 95 % of it is 2,280 t
    r = reports(
        {"unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 800, "inputs": {"coal": coal}}
    )
    got = messages(audit_reports(tiny, r), "material_balance")
    assert got == (["pig iron 800 t needs ≥ 2,400 t of coal; 2,279 t were received"] if flagged else [])


def test_each_short_input_is_flagged_and_unstated_inputs_are_not(tiny: Scenario, reports) -> None:
    # steel 10,000 t needs 11,000 t pig iron and 5,000 t coal; transport not stated → not checked
    r = reports(
        {
            "unit": "city_steel",
            "period": "1959",
            "product": "steel",
            "produced": 10_000,
            "inputs": {"pig_iron": 5_000, "coal": 1_000},
        }
    )
    assert messages(audit_reports(tiny, r), "material_balance") == [
        "steel 10,000 t needs ≥ 11,000 t of pig iron; 5,000 t were received",
        "steel 10,000 t needs ≥ 5,000 t of coal; 1,000 t were received",
    ]


def test_input_columns_work_like_the_inputs_dict(tiny: Scenario) -> None:
    wide = pd.DataFrame(
        {
            "report_id": ["a"],
            "unit": ["south_iron"],
            "period": ["1958"],
            "product": ["pig_iron"],
            "produced": [800.0],
            "input:coal": [1000.0],
            "input:transport": [None],
        }
    )
    assert messages(audit_reports(tiny, wide), "material_balance") == [
        "pig iron 800 t needs ≥ 2,400 t of coal; 1,000 t were received"
    ]


def test_region_needs_at_least_what_its_leanest_plants_need(tiny: Scenario, reports) -> None:
    # prov's pig-iron plants: city_iron (1.5 t coal, 120,000 t) runs first, then south_iron (3 t, 6,500 t with
    # technicians), then new plants at the least coefficient of any technology (1.5 t)
    r = reports(
        {"unit": "prov", "period": "1958", "product": "pig_iron", "produced": 10_000, "inputs": {"coal": 10_000}},
        {"unit": "prov", "period": "1959", "product": "pig_iron", "produced": 130_000, "inputs": {"coal": 10_000}},
    )
    assert messages(audit_reports(tiny, r), "material_balance") == [
        "pig iron 10,000 t needs ≥ 15,000 t of coal; 10,000 t were received",  # 10,000 × 1.5
        "pig iron 130,000 t needs ≥ 204,750 t of coal; 10,000 t were received",  # 180,000 + 19,500 + 3,500 × 1.5
    ]


def test_region_without_plants_gets_the_least_coefficient(tiny: Scenario, reports) -> None:
    # north has no iron plant: the least coal coefficient of the pig-iron technologies is 1.5 (blast furnace)
    r = reports({"unit": "north", "period": "1958", "product": "pig_iron", "produced": 1_000, "inputs": {"coal": 600}})
    flags = audit_reports(tiny, r)
    assert messages(flags, "material_balance") == ["pig iron 1,000 t needs ≥ 1,500 t of coal; 600 t were received"]
    assert messages(flags, "capacity") == []  # unknown new capacity: not checked


def test_capacity_with_technicians_gain(tiny: Scenario, reports) -> None:
    # south_iron: 5,000 t × 1.3 = 6,500 t allowed, plus 1 % tolerance = 6,565 t
    ok = reports({"unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 6_500})
    assert messages(audit_reports(tiny, ok), "capacity") == []
    bad = reports({"unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 6_600})
    flags = audit_reports(tiny, bad)
    assert messages(flags, "capacity") == [
        "pig iron 6,600 t in 1958 exceeds capacity: 5,000 t per year, at most 6,500 t with technicians' help (+30 %)"
    ]
    assert flags.loc[flags["check"] == "capacity", "severity"].tolist() == ["error"]


def test_capacity_without_network(tiny: Scenario, reports) -> None:
    # city_iron is in no network: 120,000 t, tolerance 1 % → 121,200 t
    r = reports(
        {"unit": "city_iron", "period": "1958", "product": "pig_iron", "produced": 121_200},
        {"unit": "city_iron", "period": "1959", "product": "pig_iron", "produced": 121_300},
    )
    flags = audit_reports(tiny, r)
    assert flags.loc[flags["check"] == "capacity", "report_id"].tolist() == ["r2"]
    assert messages(flags, "capacity") == ["pig iron 121,300 t in 1959 exceeds capacity: 120,000 t per year"]


def test_region_capacity_sums_its_plants(tiny: Scenario, reports) -> None:
    # prov: 120,000 + 5,000 × 1.3 = 126,500 t allowed (+1.2 %); 1 % tolerance → 127,765 t
    r = reports({"unit": "prov", "period": "1958", "product": "pig_iron", "produced": 128_000})
    assert messages(audit_reports(tiny, r), "capacity") == [
        "pig iron 128,000 t in 1958 exceeds capacity: 125,000 t per year, at most 126,500 t with technicians' help (+1 %)"
    ]


def test_quarter_capacity_is_a_quarter_of_the_year(quarterly: Scenario, reports) -> None:
    # 5,000 / 4 = 1,250 t, × 1.3 = 1,625 t, × 1.01 = 1,641.25 t
    r = reports(
        {"unit": "south_iron", "period": "1958Q1", "product": "pig_iron", "produced": 1_641},
        {"unit": "south_iron", "period": "1958Q2", "product": "pig_iron", "produced": 1_700},
    )
    flags = audit_reports(quarterly, r)
    assert messages(flags, "capacity") == [
        "pig iron 1,700 t in 1958Q2 exceeds capacity: 1,250 t per quarter, at most 1,625 t with technicians' help (+30 %)"
    ]


def test_labour_reported(tiny: Scenario, reports) -> None:
    # 3,000 t × 0.05 = 150 workers; tolerance 10 %: 137 × 1.1 = 150.7 passes, 130 × 1.1 = 143 does not
    r = reports(
        {"unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 3_000, "labour": 137},
        {"unit": "south_iron", "period": "1959", "product": "pig_iron", "produced": 3_000, "labour": 130},
    )
    flags = audit_reports(tiny, r)
    assert messages(flags, "labour") == [
        "pig iron 3,000 t in 1959 needs ≥ 150 workers (0.05 person-years per t); 130 were reported"
    ]
    assert flags.loc[flags["check"] == "labour", "severity"].tolist() == ["warning"]


def test_labour_not_reported_uses_the_workforce(tiny: Scenario, reports) -> None:
    # 4,000 t × 0.05 = 200 workers > 150 × 1.1 = 165
    r = reports({"unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 4_000})
    assert messages(audit_reports(tiny, r), "labour") == [
        "pig iron 4,000 t in 1958 needs ≥ 200 workers (0.05 person-years per t); the workforce is 150"
    ]


def test_labour_in_a_quarter(quarterly: Scenario, reports) -> None:
    # 1,000 t in a quarter × 0.05 person-years / 0.25 years = 200 workers over the quarter
    r = reports({"unit": "south_iron", "period": "1959Q3", "product": "pig_iron", "produced": 1_000, "labour": 150})
    assert messages(audit_reports(quarterly, r), "labour") == [
        "pig iron 1,000 t in 1959Q3 needs ≥ 200 workers over the quarter (0.05 person-years per t); 150 were reported"
    ]


def test_byproducts_need_no_inputs_of_their_own(tiny_raw: dict, reports) -> None:
    from leapplan.scenario import parse

    for t in tiny_raw["technologies"]:
        if t["id"] == "iron_indigenous":
            t["byproducts"] = {"steel": 0.1}  # a made-up by-product, to test the rule
    s = parse(tiny_raw, "tiny-byproduct")
    r = reports(
        {"unit": "south_iron", "period": "1958", "product": "steel", "produced": 300, "inputs": {"coal": 0}},
        {
            "unit": "south_iron",
            "period": "1958",
            "product": "pig_iron",
            "produced": 3_000,
            "labour": 150,
            "inputs": {"coal": 9_000},
        },
    )
    assert audit_reports(s, r).empty


def _support(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Plan support rows (period, member, technicians) sent by iron_net's hub city_steel."""
    return pd.DataFrame(
        [
            {
                "period": p,
                "source": "city_steel",
                "member": m,
                "kind": "technicians",
                "quantity": q,
                "network": "iron_net",
            }
            for p, m, q in rows
        ]
    )


def test_technicians_gain_is_the_one_the_plan_assigns(tiny: Scenario, reports) -> None:
    # iron_net: +2 % per technician, at most +30 %. The plan keeps 5 technicians at south_iron in 1958
    # (+10 %: 5,500 t allowed, 5,555 t with 1 % tolerance) and none in 1959 (5,000 t, 5,050 t)
    support = _support([("1958", "south_iron", 5.0)])
    r = reports(
        {"unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 5_550},
        {"unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 5_600, "report_id": "x"},
    )
    assert messages(audit_reports(tiny, r.iloc[[0]], support=support), "capacity") == []
    assert messages(audit_reports(tiny, r.iloc[[1]], support=support), "capacity") == [
        "pig iron 5,600 t in 1958 exceeds capacity: 5,000 t per year, at most 5,500 t with technicians' help (+10 %)"
    ]
    later = reports({"unit": "south_iron", "period": "1959", "product": "pig_iron", "produced": 5_100})
    assert messages(audit_reports(tiny, later), "capacity") == []  # without a plan: up to +30 %
    assert messages(audit_reports(tiny, later, support=support), "capacity") == [
        "pig iron 5,100 t in 1959 exceeds capacity: 5,000 t per year"
    ]


def test_assigned_gain_is_capped_and_adds_up_the_region(tiny: Scenario, reports) -> None:
    # 20 technicians would give +40 %: capped at +30 % (6,500 t). prov: city_iron 120,000 t + 6,500 t = 126,500 t
    support = _support([("1958", "south_iron", 20.0)])
    ok = reports({"unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 6_560})
    assert messages(audit_reports(tiny, ok, support=support), "capacity") == []
    prov = reports({"unit": "prov", "period": "1958", "product": "pig_iron", "produced": 128_000})
    assert messages(audit_reports(tiny, prov, support=support), "capacity") == [
        "pig iron 128,000 t in 1958 exceeds capacity: 125,000 t per year, at most 126,500 t with technicians' help (+1 %)"
    ]
