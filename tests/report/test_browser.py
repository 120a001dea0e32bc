"""The report for the default scenario in headless Chromium: no console errors, every chart shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leapplan.report import write_report
from leapplan.report.write import CAPTIONS


@pytest.mark.browser
def test_default_report_opens_with_every_chart(
    shanxi_fake: tuple, tmp_path: Path, browser_page: Any, console_errors: list[str]
) -> None:
    s, plan, ens = shanxi_fake
    path = write_report(tmp_path / "out", s, plan, ens)
    browser_page.goto(path.as_uri())
    browser_page.wait_for_load_state("load")
    assert browser_page.title() == s.title
    charts = browser_page.evaluate(
        """() => [...document.querySelectorAll('figure[data-chart] img')].map(img => ({
               name: img.closest('figure').dataset.chart, complete: img.complete,
               w: img.naturalWidth, h: img.naturalHeight, shown: img.getBoundingClientRect().width}))"""
    )
    assert {c["name"] for c in charts} == set(CAPTIONS)
    for c in charts:
        assert c["complete"] and c["w"] > 600 and c["h"] > 150 and c["shown"] > 300, c
    Path("test-artifacts").mkdir(exist_ok=True)
    browser_page.screenshot(path="test-artifacts/report.png", full_page=True)
    assert console_errors == []


@pytest.mark.slow
@pytest.mark.browser
def test_default_report_on_the_real_plan(
    shanxi: Any, tmp_path: Path, browser_page: Any, console_errors: list[str]
) -> None:
    """What `leapplan run` does: solve_plan, run_ensemble, write_report — opened in the browser."""
    from leapplan.plan import solve_plan
    from leapplan.simulate import run_ensemble

    plan = solve_plan(shanxi)
    ens = run_ensemble(shanxi, plan, runs=50, seed=shanxi.seed)
    path = write_report(tmp_path / "out", shanxi, plan, ens)
    browser_page.goto(path.as_uri())
    names = browser_page.evaluate(
        "() => [...document.querySelectorAll('figure[data-chart] img')]"
        ".filter(i => i.complete && i.naturalWidth > 600).map(i => i.closest('figure').dataset.chart)"
    )
    assert sorted(names) == sorted(CAPTIONS)
    assert plan.status.value in browser_page.inner_text("dl.inputs")
    Path("test-artifacts").mkdir(exist_ok=True)
    browser_page.screenshot(path="test-artifacts/report-shanxi.png", full_page=True)
    assert console_errors == []
