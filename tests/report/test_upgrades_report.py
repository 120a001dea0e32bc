"""The report lists what the plan rebuilt where (the hand-worked upgrade plan of tests/plan/test_upgrades.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.plan.scenarios import build
from tests.plan.test_upgrades import upgrade_raw

from leapplan.plan import load_plan, save_plan, solve_plan
from leapplan.report import write_report
from leapplan.report.plan_views import upgrades_by_region
from leapplan.simulate import simulate

REBUILT = 15000 / 21
"""Furnace capacity rebuilt as small modern capacity in 1958 [t per year]."""


def test_report_lists_the_upgrades(tmp_path: Path) -> None:
    s = build(upgrade_raw(12))
    plan = load_plan(save_plan(solve_plan(s), tmp_path / "plan"))  # the table survives a round trip
    view = upgrades_by_region(s, plan)
    assert len(view) == 1
    row = view.iloc[0]
    assert (row["region"], row["upgrade"], row["start"], row["in_service"]) == (
        "County C",
        "Furnace → Small modern furnace",
        "1958",
        "1958",
    )
    assert row["rebuilt"] == pytest.approx(REBUILT, rel=1e-6)
    assert row["cost"] == pytest.approx(12 * REBUILT, rel=1e-6)
    assert (row["kept"], row["released"]) == (round(0.05 * REBUILT), round(0.15 * REBUILT))
    page = write_report(tmp_path / "report", s, plan, simulate(s, plan, runs=4))
    html = page.read_text()
    assert "What the plan rebuilds, by region" in html
    assert "Furnace → Small modern furnace" in html
    table = pd.read_csv(tmp_path / "report" / "tables" / "plan_upgrades.csv")
    assert table["rebuilt"].sum() == pytest.approx(REBUILT, rel=1e-6)
