"""One vocabulary: `show`, `plan --json` and the report state the same required value for every target,
counted in usable output; number cells never wrap."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rich.console import Console

import leapplan
from leapplan.cli import main
from leapplan.console import band, fmt, scenario_summary
from leapplan.plan import load_plan
from leapplan.scenario import Scenario
from leapplan.scenario.model import LOCAL_OWNERSHIP
from leapplan.scenario.summary import summary

DATA = Path(__file__).resolve().parents[1] / "data"


def json_of(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def local_industry_usable(s: Scenario) -> float:
    """Base-year local industry, usable output value [yuan], summed enterprise by enterprise."""
    local = set(LOCAL_OWNERSHIP)
    tech = {t.id: t for t in s.technologies}
    price = {p.id: p.price for p in s.products}
    sector = {p.id: p.sector.value for p in s.products}
    total = 0.0
    for e in s.enterprises:
        t = tech[e.technology]
        if e.ownership in local and sector[t.product] == "industry":
            total += e.base_output * t.usable_share * price[t.product]
    return total


def same_required(s: Scenario, shown: dict[str, Any], planned: dict[str, Any], folder: Path) -> None:
    """The report in ``folder`` states each target's required value as the plan does (CSV exactly, page as
    text in the target's unit), and `show` gives the same number wherever it is known before planning."""
    page = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
    table = pd.read_csv(folder / "tables" / "plan_targets.csv").set_index("id")
    assert set(shown) == set(planned) == set(table.index) == {t.id for t in s.targets}
    for key, t in planned.items():
        if shown[key]["required"] is None:  # a multiple of agriculture in the target year: the plan decides it
            assert shown[key]["kind"] == "ratio_to_metric" and "agriculture" in shown[key]["requirement"]
        else:
            assert shown[key]["required"] == pytest.approx(t["required"], rel=1e-12), key
        assert table.at[key, "required"] == pytest.approx(t["required"], rel=1e-12), key
        assert f"<td>{fmt(t['required'], t['unit'])}</td>" in page, key


def test_tiny_show_plan_and_report_agree(capsys: pytest.CaptureFixture[str], tmp_path: Path, tiny: Scenario) -> None:
    shown = {t["id"]: t for t in json_of(capsys, "show", str(DATA / "tiny.yaml"), "--json")["targets"]}
    plan_dir = tmp_path / "plan"
    planned = {
        t["id"]: t
        for t in json_of(capsys, "plan", str(DATA / "tiny.yaml"), "--json", "--out", str(plan_dir))["targets"]
    }
    plan = load_plan(plan_dir)
    leapplan.write_report(tmp_path / "out", tiny, plan, leapplan.simulate(tiny, plan, runs=10))
    same_required(tiny, shown, planned, tmp_path / "out")
    # by hand, tests/data/tiny.yaml: local industry in 1957, usable: north coal 350,000 t × 10 + south coal
    # 280,000 t × 10 + 40 % of south's 3,000 t of indigenous pig iron × 150 = 6,480,000 yuan; × 1.5 in 1958
    assert local_industry_usable(tiny) == pytest.approx(6_480_000)
    assert shown["local_x15"]["required"] == pytest.approx(9_720_000)
    assert shown["steel_1959"]["required"] == 120_000 and shown["steel_1959"]["unit"] == "t"
    assert shown["local_x15"]["counts"] == "usable output value of local industry"


@pytest.mark.slow
def test_default_scenario_show_plan_and_report_agree(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shanxi: Scenario
) -> None:
    shown = {t["id"]: t for t in json_of(capsys, "show", "--json")["targets"]}
    plan_dir = tmp_path / "plan"
    planned = {t["id"]: t for t in json_of(capsys, "plan", "--json", "--out", str(plan_dir))["targets"]}
    plan = load_plan(plan_dir)
    leapplan.write_report(tmp_path / "out", shanxi, plan, leapplan.simulate(shanxi, plan, runs=20))
    same_required(shanxi, shown, planned, tmp_path / "out")
    base = local_industry_usable(shanxi)
    assert shown["local_1958"]["required"] == pytest.approx(1.5 * base)
    assert shown["local_1959"]["required"] == pytest.approx(2.0 * base)
    assert [k for k, t in shown.items() if t["required"] is None] == ["catch_up_1961", "exceed_1962"]


def test_number_cells_never_wrap(shanxi: Scenario) -> None:
    """At 60 columns every figure of `show` still stands whole on one line."""
    console = Console(record=True, width=60)
    data = summary(shanxi)
    scenario_summary(console, data)
    lines = console.export_text().splitlines()
    for t in data["targets"]:
        if t["required"] is not None:
            assert any(fmt(t["required"], t["unit"]) in line for line in lines), t["id"]
    for r in data["capacity"]:
        assert any(fmt(r["usable_output"]) in line for line in lines), r["product"]


def test_a_band_is_written_in_the_scale_of_its_median() -> None:
    assert band(3.14e9, 3.15e9, 3.18e9) == "3.15 billion (3.14–3.18)"
    assert band(146.0, 170.0, 170.0) == "170 (146–170)"
    assert band(349.8e6, 349.8e6, 349.8e6) == "349.8 million"
    assert band(186_499.0, 249_936.0, 330_338.0) == "250 thousand (186–330)"
