"""The report for the default scenario in headless Chromium at 1280 px: no console errors, every chart shown
with a unit on each axis, no word broken across lines (screenshots in test-artifacts/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from leapplan.report import write_report
from leapplan.report.write import CAPTIONS

BROKEN_WORDS = """() => {
    // every word of the page whose letters lie on more than one line; a line may end after a hyphen or dash
    // ('county-' / 'run' is hyphenation, not a broken word), so words are split after them
    const broken = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const re = /[^\\s\\-\u2013\u2014]+[\\-\u2013\u2014]?/g;
        let m;
        while ((m = re.exec(node.textContent)) !== null) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
            if (lines.size > 1) broken.push(m[0]);
        }
    }
    return broken;
}"""
DIAGRAMS = {"support_flows", "region_map"}
"""Charts drawn without axes (flows between units, the region tree)."""
UNIT = re.compile(r"\[[^\]]+\]")


def check_page(page: Any, shot: str) -> None:
    """At 1280 px: no broken word; every chart but the diagrams gives, for each panel, an x and a y label with
    a unit ('[unit]', or a time axis: 'year' / 'quarter'); a full-page screenshot to test-artifacts/."""
    assert page.viewport_size["width"] == 1280
    assert page.evaluate(BROKEN_WORDS) == []
    axes = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('figure[data-chart]')]"
        ".map(f => [f.dataset.chart, f.dataset.axes]))"
    )
    for name, text in axes.items():
        if name in DIAGRAMS:
            assert text == "", name
            continue
        panels = [re.fullmatch(r"x: (.*); y: (.*)", p) for p in text.split(" | ")]
        assert panels and all(panels), (name, text)
        for match in panels:
            assert match is not None
            x, y = match.groups()
            assert x.startswith(("year", "quarter")) or UNIT.search(x), (name, x)
            assert UNIT.search(y), (name, y)
    Path("test-artifacts").mkdir(exist_ok=True)
    page.screenshot(path=f"test-artifacts/{shot}", full_page=True)


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
    check_page(browser_page, "report.png")
    assert console_errors == []


@pytest.mark.browser
def test_the_check_finds_a_broken_word(tmp_path: Path, browser_page: Any) -> None:
    """The broken-word check sees what the issue saw ("harves t shocks" under ``word-break: break-all``)."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<html><body><p style="width: 5ch; word-break: break-all; font: 16px monospace">harvest shocks</p>'
        '<p style="width: 5ch; font: 16px monospace">harvest shocks</p></body></html>'
    )
    browser_page.goto(page.as_uri())
    assert browser_page.evaluate(BROKEN_WORDS) == ["harvest", "shocks"]


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
    check_page(browser_page, "report-shanxi.png")
    assert console_errors == []
