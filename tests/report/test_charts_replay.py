"""The replay chart draws both trajectories' medians and bands from ``Replay.to_json()``."""

from __future__ import annotations

from typing import Any

import numpy as np

from leapplan.report.charts_replay import ANNOUNCED, LEAPPLAN, PANELS, replay_figure
from leapplan.report.style import chart_style


def data() -> dict[str, Any]:
    rows = []
    for k, (series, reported, _) in enumerate(PANELS):
        for name in [series] + ([reported] if reported else []):
            for t, period in enumerate(("1958", "1959")):
                mid = 10.0 * (k + 1) + t
                band = {"0.05": mid - 1, "0.5": mid, "0.95": mid + 1}
                rows.append(
                    {
                        "series": name,
                        "unit": "Mt",
                        "period": period,
                        "announced": band,
                        "leapplan": {**band, "0.5": 1.0},
                    }
                )
    return {
        "scenario": "x",
        "runs": 3,
        "rows": rows,
        "food_floor": 190.0,
        "share_below_floor_any_year": {"announced": 0.5, "leapplan": 0.0},
    }


def test_both_trajectories_with_their_medians() -> None:
    with chart_style():
        fig = replay_figure(data())
    axes = [ax for ax in fig.axes if ax.axison]
    assert len(axes) == len(PANELS)
    steel = axes[0]
    lines = {(line.get_color(), line.get_linestyle()): line.get_ydata() for line in steel.get_lines()}
    assert np.allclose(lines[(ANNOUNCED, "-")], [10.0, 11.0])
    assert np.allclose(lines[(LEAPPLAN, "-")], [1.0, 1.0])
    assert (ANNOUNCED, "--") in lines  # the announced reported figures, dashed
    food = axes[4]
    assert any(np.allclose(line.get_ydata(), 190.0) for line in food.get_lines())
    assert "announced 50 %" in fig.get_suptitle()


def test_a_missing_series_says_so() -> None:
    d = data()
    d["rows"] = [r for r in d["rows"] if r["series"] != "grain procured"]
    with chart_style():
        fig = replay_figure(d)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "no grain procured in this replay" in texts
