"""Fixtures for the audit tests: report frames and variants of the tiny scenario."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from leapplan.scenario import Scenario, parse

Reports = Callable[..., pd.DataFrame]


@pytest.fixture()
def reports() -> Reports:
    """``reports(dict, dict, …)``: a report frame; report_id defaults to r1, r2, …, labour to blank."""

    def make(*rows: dict[str, Any]) -> pd.DataFrame:
        full = [{"report_id": f"r{i + 1}", "labour": None, "inputs": None, **r} for i, r in enumerate(rows)]
        return pd.DataFrame(full)

    return make


@pytest.fixture()
def quarterly(tiny_raw: dict[str, Any]) -> Scenario:
    """The tiny scenario planned by quarter (periods 1958Q1 … 1959Q4)."""
    tiny_raw["period"] = "quarter"
    return parse(tiny_raw, "tiny-quarterly")


@pytest.fixture()
def coal_two(tiny_raw: dict[str, Any]) -> Scenario:
    """The tiny scenario with a blast furnace needing 2 t of coal per t of pig iron."""
    for t in tiny_raw["technologies"]:
        if t["id"] == "iron_modern":
            t["inputs"]["coal"] = 2.0
    return parse(tiny_raw, "tiny-coal-two")
