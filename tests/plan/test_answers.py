"""Weak links, infeasible hard targets, the CLI payload and saving/loading a plan."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.plan.scenarios import build, corridor_raw
from typer.testing import CliRunner

from leapplan.cli import app, main
from leapplan.plan import PlanStatus, load_plan, save_plan, solve_plan


@pytest.fixture(scope="module")
def corridor_plan():  # type: ignore[no-untyped-def]
    return solve_plan(build(corridor_raw()))


def test_weak_links_name_the_road_and_the_coal(corridor_plan) -> None:  # type: ignore[no-untyped-def]
    # the road binds: one more t/yr of it carries one more t of coal, which makes 0.5 t of iron, less the freight
    # of hauling it (100 km at 0.01 yuan/t-km = 1 yuan, worth 1/200 t of iron at 200 yuan/t in the target's stage):
    # 0.495 t; one more t of coal in county B is worth 0.5 t, hauled nowhere. 1 % of 3,000 t: 14.85 and 15 t of iron.
    w = corridor_plan.weak_links
    top = w.head(2).set_index("kind")
    assert set(top.index) == {"corridor", "material"}
    assert top.loc["corridor", "shadow_price"] == pytest.approx(0.495, rel=1e-6)
    assert top.loc["corridor", "region"] == "ab"
    assert top.loc["material", "shadow_price"] == pytest.approx(0.5, rel=1e-6)
    assert (top.loc["material", "region"], top.loc["material", "product"]) == ("b", "coal")
    assert top.loc[["material", "corridor"], "value_of_one_percent"].to_numpy() == pytest.approx(
        [15.0, 14.85], rel=1e-6
    )
    assert top.loc["corridor", "unit"] == "t per t/yr of corridor capacity"
    assert "adds 0.495 t of iron_1958" in top.loc["corridor", "explanation"]
    # coal in county A is plentiful: worth nothing, so not a weak link
    assert not ((w["kind"] == "material") & (w["region"] == "a") & (w["product"] == "coal")).any()


def test_weak_link_ranking_follows_value_of_one_percent() -> None:
    # a tighter works (1,200 t/yr) binds before the road: capacity leads, worth 1 t of iron per t/yr less the
    # freight of its 2 t of coal (2 × 100 km × 0.01 yuan = 2 yuan = 0.01 t of iron): 0.99
    r = solve_plan(
        build(corridor_raw(), {"enterprises.1.capacity": 1200, "enterprises.1.base_output": 1000, "funds.0.amount": 1})
    )
    w = r.weak_links
    assert w.iloc[0]["kind"] == "capacity"
    assert w.iloc[0]["shadow_price"] == pytest.approx(0.99, rel=1e-6)
    assert list(w["value_of_one_percent"]) == sorted(w["value_of_one_percent"], reverse=True)
    assert r.targets.set_index("id").loc["iron_1958", "achievable"] == pytest.approx(1200.1, rel=1e-6)


def test_infeasible_hard_target_names_target_and_blocker() -> None:
    raw = corridor_raw()
    raw["targets"][0]["hard"] = True
    r = solve_plan(build(raw))
    assert r.status is PlanStatus.infeasible
    assert "iron_1958" in r.reason
    assert "1,500" in r.reason and "3,000" in r.reason  # at most 1,500 of the required 3,000 t
    assert "corridor" in r.reason or "coal" in r.reason
    assert r.targets.set_index("id").loc["iron_1958", "achievable"] == pytest.approx(1500, rel=1e-6)


def test_hard_target_that_holds_is_kept() -> None:
    raw = corridor_raw()
    raw["targets"][0].update(hard=True, value=1400)
    r = solve_plan(build(raw))
    assert r.status is PlanStatus.feasible
    assert r.targets["cut"].iloc[0] == 0


def test_save_and_load_round_trip(corridor_plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    save_plan(corridor_plan, tmp_path)
    back = load_plan(tmp_path)
    assert back.status is corridor_plan.status
    assert back.objective == pytest.approx(corridor_plan.objective, abs=1e-9)
    pd.testing.assert_frame_equal(back.targets, corridor_plan.targets, check_dtype=False)
    assert list(back.production["period"]) == list(corridor_plan.production["period"])


def test_cli_json_shape(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plan", "tests/data/tiny.yaml", "--json", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] in ("feasible", "targets_cut")
    assert isinstance(data["objective"], float)
    assert {"id", "required", "achievable", "cut"} <= set(data["targets"][0])
    assert {"kind", "region", "product", "period", "shadow_price", "unit", "explanation"} <= set(data["weak_links"][0])
    steel = next(t for t in data["targets"] if t["id"] == "steel_1959")
    # tiny's steel has no export outlet: only what its plants and agreements use can be made
    assert steel["cut"] > 0.5 * steel["required"]
    assert (tmp_path / "plan.json").is_file() and (tmp_path / "targets.csv").is_file()


def test_cli_bad_scenario_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "no-such-scenario"]) == 2
    assert "no such file, folder or embedded scenario" in capsys.readouterr().err
