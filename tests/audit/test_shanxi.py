"""The audit on shanxi-1958 enterprises and regions, checked against hand figures and the scenario itself."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.audit import audit_reports
from leapplan.scenario import Scenario


def one(unit: str, product: str, produced: float, **kw: object) -> pd.DataFrame:
    return pd.DataFrame(
        [{"report_id": "x", "unit": unit, "period": "1958", "product": product, "produced": produced, **kw}]
    )


def test_indigenous_furnace_short_of_coal(shanxi: Scenario) -> None:
    # iron_indigenous: 2.5 t ore and 4 t coal per t of pig iron, 0.2 person-years per t
    flags = audit_reports(
        shanxi, one("qingxu_iron", "pig_iron", 1_200, labour=240, inputs={"iron_ore": 3_000, "coal": 600})
    )
    assert flags[["check", "severity", "message"]].values.tolist() == [
        ["material_balance", "error", "pig iron 1,200 t needs ≥ 4,800 t of raw coal; 600 t were received"]
    ]


def test_coal_pit_capacity_with_network_technicians(shanxi: Scenario) -> None:
    # qingxu_coal (33,000 t) stands in jinzhong, a member region of the coal network (max gain 50 %)
    assert audit_reports(shanxi, one("qingxu_coal", "coal", 49_500)).query("check == 'capacity'").empty
    flags = audit_reports(shanxi, one("qingxu_coal", "coal", 50_000))
    assert flags.query("check == 'capacity'")["message"].tolist() == [
        "raw coal 50,000 t in 1958 exceeds capacity: 33,000 t per year, at most 49,500 t with technicians' help (+50 %)"
    ]


def test_province_needs_at_least_what_its_leanest_plants_need(shanxi: Scenario) -> None:
    """Coal for 700,000 t of pig iron: fill the plants in order of coal per t (a plain loop here)."""
    assert not any("pig_iron" in n.products for n in shanxi.networks)  # no technicians' gain for iron
    tech = {t.id: t for t in shanxi.technologies}
    plants = sorted(
        (
            (tech[e.technology].inputs.get("coal", 0.0), e.capacity)
            for e in shanxi.enterprises
            if tech[e.technology].product == "pig_iron"
        ),
    )
    left, coal = 700_000.0, 0.0
    for a, cap in plants:
        used = min(left, cap)
        coal, left = coal + a * used, left - used
    least_new = min(t.inputs.get("coal", 0.0) for t in shanxi.technologies if t.product == "pig_iron")
    coal += left * least_new
    assert coal > 0 and least_new == 0.0
    flags = audit_reports(shanxi, one("shanxi", "pig_iron", 700_000, inputs={"coal": 0.0}))
    assert flags.query("check == 'material_balance'")["message"].tolist() == [
        f"pig iron 700,000 t needs ≥ {coal:,.0f} t of raw coal; 0 t were received"
    ]


def test_honest_batch_of_every_enterprise_and_year(shanxi: Scenario) -> None:
    """Every enterprise, every year, at 90-105 % of its base output with its inputs and labour: no flag."""
    rng = np.random.default_rng(1958)
    tech = {t.id: t for t in shanxi.technologies}
    rows = []
    for period in shanxi.periods:
        for e in shanxi.enterprises:
            t = tech[e.technology]
            q = e.base_output * rng.uniform(0.9, 1.05)
            rows.append(
                {
                    "report_id": f"{e.id}-{period}",
                    "unit": e.id,
                    "period": period,
                    "product": t.product,
                    "produced": q,
                    "labour": q * t.labour * rng.uniform(1.0, 1.2),
                    "inputs": {k: v * q * rng.uniform(1.0, 1.1) for k, v in t.inputs.items()},
                }
            )
    frame = pd.DataFrame(rows)
    assert len(frame) == 5 * 818
    assert audit_reports(shanxi, frame).empty
    # the same batch with one county plant's coal cut to a tenth is flagged on that report only
    i = frame.index[frame["report_id"] == "qingxu_iron-1960"][0]
    frame.at[i, "inputs"] = {**frame.at[i, "inputs"], "coal": frame.at[i, "inputs"]["coal"] / 10}
    flags = audit_reports(shanxi, frame)
    assert flags[["report_id", "check"]].values.tolist() == [["qingxu_iron-1960", "material_balance"]]


def test_region_totals_of_an_honest_batch_and_one_padded_county(shanxi: Scenario) -> None:
    """Regions report the sums of their enterprises (added up here by walking the tree): no flag;
    then one county pads its total by 20 % and gets exactly one parent_total flag."""
    parent = {r.id: r.parent for r in shanxi.regions}
    tech = {t.id: t for t in shanxi.technologies}
    totals: dict[tuple[str, str], np.ndarray] = {}
    rows = []
    for e in shanxi.enterprises:
        product = tech[e.technology].product
        # labour as the technology needs it (the city-run plants' base workforce of 300 is below that)
        out = np.array([e.base_output, e.base_output * tech[e.technology].labour])
        rows.append(
            {
                "report_id": e.id,
                "unit": e.id,
                "period": "1958",
                "product": product,
                "produced": out[0],
                "labour": out[1],
            }
        )
        region: str | None = e.region
        while region is not None:
            totals[region, product] = totals.get((region, product), 0.0) + out
            region = parent[region]
    rows += [
        {"report_id": f"{r}/{p}", "unit": r, "period": "1958", "product": p, "produced": q[0], "labour": q[1]}
        for (r, p), q in totals.items()
    ]
    frame = pd.DataFrame(rows)
    assert audit_reports(shanxi, frame).empty
    i = frame.index[frame["report_id"] == "qingxu/pig_iron"][0]
    frame.at[i, "produced"] = frame.at[i, "produced"] * 1.2  # 1,155 t → 1,386 t
    flags = audit_reports(shanxi, frame)
    # jinzhong's 18 county furnaces make 18 × 1,155 = 20,790 t; with qingxu padded its units sum to 21,021 t
    assert flags[["report_id", "check", "message"]].values.tolist() == [
        [
            "qingxu/pig_iron",
            "labour",
            "pig iron 1,386 t in 1958 needs ≥ 277 workers (0.2 person-years per t); 231 were reported",
        ],
        [
            "qingxu/pig_iron",
            "parent_total",
            "pig iron 1,386 t in 1958 is more than the 1,155 t its units reported (all 1 with plants for it)",
        ],
        [
            "jinzhong/pig_iron",
            "parent_total",
            "pig iron 20,790 t in 1958 is less than the 21,021 t its units reported (18 reports)",
        ],
    ]
