"""The loops chart draws each loop's median over runs, period by period, from ``LoopResult.to_json()``."""

from __future__ import annotations

from typing import Any

import numpy as np

from leapplan.report.charts_loops import COLOURS, PANELS, loops_figure
from leapplan.report.style import chart_style


def data() -> dict[str, Any]:
    """Two loops, three runs, two years; every metric of run r in year t of loop k is 1 + k + 2r + 10t, grain in
    store a million t more, so the medians (run 1) are 3 + k + 10t and the means the same."""
    rows = []
    for k, loop in enumerate(("audited", "none")):
        for r in range(3):
            for t, period in enumerate(("1958", "1959")):
                v = 1.0 + k + 2 * r + 10 * t
                rows.append({"loop": loop, "run": r, "period": period, **{m: v for m, *_ in PANELS}})
                rows[-1]["grain_stock"] = 1e6 + v
    return {"scenario": "x", "runs": 3, "periods": ["1958", "1959"], "per_run": rows}


def _panels(fig: Any) -> dict[str, Any]:
    return {ax.get_title("left"): ax for ax in fig.axes if ax.get_visible()}


def test_each_loop_median_per_year() -> None:
    with chart_style():
        fig = loops_figure(data(), food_floor=165.0)
    panels = _panels(fig)
    assert len(panels) == len(PANELS)
    store = {line.get_color(): line.get_ydata() for line in panels["Grain in store at the year's end"].get_lines()}
    # in million t: 1 + (3 + k + 10t) / 1e6
    assert np.allclose((store[COLOURS["audited"]] - 1) * 1e6, [3.0, 13.0])
    assert np.allclose((store[COLOURS["none"]] - 1) * 1e6, [4.0, 14.0])
    farm = {line.get_color(): line.get_ydata() for line in panels["Farm workers in the plan in force"].get_lines()}
    assert np.allclose(np.asarray(farm[COLOURS["none"]]) * 1e6, [4.0, 14.0])
    # runs below the floor: the mean over runs in % (of 1, 3 and 5 in 1958 here, of 11, 13 and 15 in 1959)
    below = {
        line.get_color(): line.get_ydata() for line in panels["Runs with a region below the food floor"].get_lines()
    }
    assert np.allclose(below[COLOURS["audited"]], [300.0, 1300.0])


def test_loops_written_before_a_metric_leave_its_panel_out() -> None:
    d = data()
    for row in d["per_run"]:
        del row["grain_stock"], row["farm_workers"]
    with chart_style():
        fig = loops_figure(d)
    panels = _panels(fig)
    assert len(panels) == len(PANELS) - 2
    assert "Grain in store at the year's end" not in panels
