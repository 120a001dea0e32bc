"""The loops' table as shown (console and HTML report): one list of columns, figures in the shown units."""

import pandas as pd

from leapplan.report.loops_table import CAPACITY, LOOP_COLUMNS, OUTPUT, loop_figures


def test_figures_in_the_shown_units() -> None:
    row = {
        "loop": "audited",
        "period": "1959",
        "output_real": 1_298_742_722.9,
        "fulfilment_usable": 0.743119,
        "food_lowest": 165.0,
        "below_floor": 0.0625,
        "gap": -0.0312,
    }
    heads, rows = loop_figures(pd.DataFrame([row]), OUTPUT)
    # a loops table written before a metric existed lacks its column: only the metrics present are shown
    assert heads == ["loop", "period", "output (real), M yuan", "usable", "least food per head, kg", "runs below floor"]
    # 1,298.742722 million yuan to 0.1; 74.3119 % to 0.1; 165 kg; 1 run in 16 = 6.25 % to a whole per cent
    assert rows == [["audited", "1959", "1,298.7", "74.3 %", "165", "6 %"]]
    heads, rows = loop_figures(pd.DataFrame([row]), CAPACITY)
    assert heads == ["loop", "period", "reported − real"] and rows == [["audited", "1959", "-3.1 %"]]
    assert len(loop_figures(pd.DataFrame([row]))[0]) == 2 + 5


def test_every_column_in_one_of_the_two_tables_once() -> None:
    metrics = [c.metric for c in LOOP_COLUMNS]
    assert len(metrics) == len(set(metrics))
    assert {c.table for c in LOOP_COLUMNS} == {OUTPUT, CAPACITY}
