"""The report on real stage results: solve_plan and run_ensemble on tests/data/tiny.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from leapplan.plan import PlanResult, solve_plan
from leapplan.report import print_run_summary, write_report
from leapplan.report.charts_plan import local_vs_agriculture, province_food, yearly_output_value
from leapplan.report.write import CAPTIONS
from leapplan.scenario import Scenario
from leapplan.simulate import EnsembleResult, run_ensemble


@pytest.fixture(scope="module")
def tiny_real(tiny: Scenario) -> tuple[Scenario, PlanResult, EnsembleResult]:
    plan = solve_plan(tiny)
    return tiny, plan, run_ensemble(tiny, plan, runs=50, seed=tiny.seed)


def test_local_industry_in_the_chart_sums_the_plan_table(tiny_real: tuple) -> None:
    s, plan, _ = tiny_real
    both = local_vs_agriculture(yearly_output_value(s, plan))
    local = {"provincial", "prefecture", "city", "county", "township", "cooperative"}
    expect: dict[int, float] = {}
    for row in plan.output_value.itertuples(index=False):
        if row.sector == "industry" and row.ownership in local:
            expect[int(str(row.period)[:4])] = expect.get(int(str(row.period)[:4]), 0.0) + float(row.usable_value)
    for year, value in expect.items():
        assert both.loc[year, "local_industry"] == pytest.approx(value)
    # base year from tiny.yaml, usable output: north coal 3.5 m + south coal 2.8 m + south iron 40 % of 0.45 m yuan
    assert both.loc[1957, "local_industry"] == pytest.approx(6_480_000)


def test_food_per_head_is_weighted_by_population(tiny_real: tuple) -> None:
    s, plan, _ = tiny_real
    food = province_food(s, plan)
    pop = {"city": 100_000, "north": 200_000, "south": 150_000}
    for period, row in food.set_index("period").iterrows():
        rows = plan.food[plan.food["period"].astype(str) == period]
        expect = sum(pop[r] * v for r, v in zip(rows["region"], rows["food_per_head"], strict=True)) / 450_000
        assert row["food_per_head"] == pytest.approx(expect)
        assert row["lowest"] >= s.guardrails.food_per_head - 1e-6  # the plan keeps the floor


def test_report_and_summary_on_real_results(tiny_real: tuple, tmp_path: Path) -> None:
    s, plan, ens = tiny_real
    path = write_report(tmp_path, s, plan, ens)
    text = path.read_text(encoding="utf-8")
    assert {p.stem for p in (tmp_path / "charts").glob("*.png")} == set(CAPTIONS)
    assert plan.status.value in text and f"<dd>{plan.solver['status']}</dd>" in text
    assert all(f"<td>{t}</td>" in text for t in plan.targets["id"])
    worst = float(np.max(ens.share_below_floor))
    assert f'<div class="value">{100 * worst:.0f} %</div>' in text  # runs with a region below the floor
    console = Console(record=True, width=160)
    print_run_summary(console, plan, ens)
    out = console.export_text()
    assert plan.status.value in out and "steel_1959" in out and f"{ens.runs} runs" in out


@pytest.mark.browser
def test_real_report_in_the_browser(
    tiny_real: tuple, tmp_path: Path, browser_page: Any, console_errors: list[str]
) -> None:
    s, plan, ens = tiny_real
    path = write_report(tmp_path, s, plan, ens)
    browser_page.goto(path.as_uri())
    sizes = browser_page.evaluate(
        "() => [...document.querySelectorAll('figure[data-chart] img')].map(i => [i.naturalWidth, i.naturalHeight])"
    )
    assert len(sizes) == len(CAPTIONS) and np.min(sizes) > 150
    assert console_errors == []
