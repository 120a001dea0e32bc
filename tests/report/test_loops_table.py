"""The loops' table as shown (console and HTML report): one list of columns, figures in the shown units."""

import pandas as pd

from leapplan.report.loops_table import CAPACITY, LOOP_COLUMNS, OUTPUT, loop_figures, replans_made


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


def test_replans_made_from_the_log() -> None:
    log = [
        {"loop": "audited", "made": True, "seconds": 60.0, "lps": 7, "settled": 1},
        {"loop": "audited", "made": True, "seconds": 70.0, "lps": 8, "settled": 0},
        {"loop": "audited", "made": False, "seconds": 5.0},
        {"loop": "reported", "made": True, "seconds": 50.0, "lps": 6, "settled": 0},
    ]
    # the two made: (60 + 70) / 2 = 65.0 s, (7 + 8) / 2 = 7.5 LPs, 1 level settled; the failed one only in the total
    assert replans_made("audited", 2, 1, 135.0, log) == (
        "audited 2 (1 failed, 135.0 s: 65.0 s and 7.5 LPs a re-plan; 1 levels settled by the past)"
    )
    assert replans_made("none", 0, 0, 0.0, log) == "none 0 (0 failed, 0.0 s)"
    # loops written before the log: the counts only
    assert replans_made("audited", 2, 0, 4095.4, []) == "audited 2 (0 failed, 4,095.4 s)"
