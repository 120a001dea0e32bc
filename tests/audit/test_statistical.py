"""History and peer checks on shanxi-1958's 34 indigenous iron plants (iron_indigenous).

Every plant's base year has 5 t of pig iron per worker (1,155 t / 231 or 980 t / 196 workers).
Expected medians and MADs are computed here with the statistics module, independently of pandas.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd

from leapplan.audit import AuditRules, audit_reports
from leapplan.scenario import Scenario


def iron_plants(shanxi: Scenario) -> list:
    return [e for e in shanxi.enterprises if e.technology == "iron_indigenous"]


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"report_id": f"r{i}", **r} for i, r in enumerate(rows)])


def by_check(flags: pd.DataFrame, check: str) -> pd.DataFrame:
    return flags[flags["check"] == check]


def test_output_per_worker_outlier_among_equal_peers(shanxi: Scenario) -> None:
    plants = iron_plants(shanxi)
    assert len(plants) == 34
    rows = [
        {"unit": e.id, "period": "1958", "product": "pig_iron", "produced": e.base_output, "labour": e.workforce}
        for e in plants
    ]
    rows[0]["labour"] = plants[0].workforce / 3  # 15 t per worker, 3× the other 33
    flags = by_check(audit_reports(shanxi, frame(rows)), "peers")
    assert flags["unit"].tolist() == [plants[0].id]
    assert flags["message"].tolist() == [
        "pig iron output per worker in 1958: 15 t is 3.0× the median of 34 peers (5 t; most peers report the same)"
    ]
    assert flags["severity"].tolist() == ["warning"]


def test_output_per_worker_robust_z(shanxi: Scenario) -> None:
    plants = iron_plants(shanxi)
    spread = np.exp(np.linspace(-0.2, 0.2, 34))  # ± 20 % around 5 t per worker
    rows = [
        {"unit": e.id, "period": "1958", "product": "pig_iron", "produced": e.base_output, "labour": e.workforce / f}
        for e, f in zip(plants, spread, strict=True)
    ]
    rows[5]["labour"] = rows[5]["produced"] / 12.0  # 12 t per worker
    flags = by_check(audit_reports(shanxi, frame(rows)), "peers")
    logs = [math.log(r["produced"] / r["labour"]) for r in rows]
    med = statistics.median(logs)
    sigma = 1.4826 * statistics.median(abs(x - med) for x in logs)
    z = (math.log(12.0) - med) / sigma
    m = math.exp(med)
    assert z > 3.5 and 12 / m > 1.5
    assert flags["unit"].tolist() == [plants[5].id]
    assert flags["message"].tolist() == [
        f"pig iron output per worker in 1958: 12 t is {12 / m:.1f}× the median of 34 peers ({m:.3g} t; robust z {z:.1f})"
    ]


def test_honest_spread_has_no_peer_flag(shanxi: Scenario) -> None:
    plants = iron_plants(shanxi)
    use = np.linspace(0.5, 1.0, 34)  # 50 % … 100 % of capacity, output per worker 5 t
    rows = [
        {
            "unit": e.id,
            "period": "1958",
            "product": "pig_iron",
            "produced": e.capacity * u,
            "labour": e.capacity * u / 5,
        }
        for e, u in zip(plants, use, strict=True)
    ]
    assert audit_reports(shanxi, frame(rows)).empty


def test_growth_beyond_the_factor(shanxi: Scenario) -> None:
    e = iron_plants(shanxi)[0]
    rows = [
        {"unit": e.id, "period": "1958", "product": "pig_iron", "produced": 600},
        {"unit": e.id, "period": "1959", "product": "pig_iron", "produced": 1_260},
        {"unit": e.id, "period": "1961", "product": "pig_iron", "produced": 1_600},
    ]
    flags = by_check(audit_reports(shanxi, frame(rows)), "history")
    # 1,260 / 600 = 2.10 > 2; 1,600 / 1,260 over two periods = 1.127 per period: fine
    assert flags["message"].tolist() == [
        "pig iron 1,260 t in 1959 is 2.10× the 600 t reported for 1958 (more than 2× is not believable)"
    ]
    strict = audit_reports(shanxi, frame(rows), rules=AuditRules(growth_factor=1.1))
    assert by_check(strict, "history")["message"].tolist()[1] == (
        "pig iron 1,600 t in 1961 means growth of 1.13× a period since the 1,260 t reported for 1959 "
        "(more than 1.1× is not believable)"
    )


def test_growth_outlier_among_peers(shanxi: Scenario) -> None:
    plants = iron_plants(shanxi)
    growth = list(np.linspace(1.0, 1.2, 34))
    growth[7] = 1.9  # below the 2× factor, far above the peers
    rows = []
    for e, g in zip(plants, growth, strict=True):
        rows += [
            {"unit": e.id, "period": "1958", "product": "pig_iron", "produced": 700.0},
            {"unit": e.id, "period": "1959", "product": "pig_iron", "produced": 700.0 * g},
        ]
    flags = by_check(audit_reports(shanxi, frame(rows)), "history")
    logs = [math.log(g) for g in growth]
    med = statistics.median(logs)
    sigma = 1.4826 * statistics.median(abs(x - med) for x in logs)
    assert (math.log(1.9) - med) / sigma > 3.5 and 1.9 / math.exp(med) > 1.5
    assert flags["unit"].tolist() == [plants[7].id]
    assert flags["message"].tolist() == [
        f"pig iron 1,330 t in 1959 is 1.90× the 700 t reported for 1958; its 34 peers grew {math.exp(med):.2f}× (median)"
    ]
    growth[7] = 1.25  # high, but less than 1.5 × the median growth: not flagged
    rows[15]["produced"] = 700.0 * 1.25
    assert by_check(audit_reports(shanxi, frame(rows)), "history").empty


def test_history_needs_a_previous_output(shanxi: Scenario) -> None:
    e = iron_plants(shanxi)[0]
    rows = [
        {"unit": e.id, "period": "1958", "product": "pig_iron", "produced": 0},
        {"unit": e.id, "period": "1959", "product": "pig_iron", "produced": 1_000},
    ]
    assert by_check(audit_reports(shanxi, frame(rows)), "history").empty
