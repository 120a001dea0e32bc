"""`leapplan simulate` and `leapplan replay` from the command line (in process, one worker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leapplan.cli import main
from leapplan.errors import SimulationError

DATA = Path(__file__).resolve().parents[1] / "data"


def test_simulate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", "china-1957", "--policies", "--runs", "12", "--workers", "1", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["runs"] == 12 and data["scenario"] == "china-1957" and data["mode"] == "policies"
    assert data["quantiles"] == [0.05, 0.5, 0.95]
    steel = data["bands"]["actual"]["0.5"]["steel"]
    assert set(steel) == {"1958", "1959", "1960", "1961", "1962"}


def test_simulate_tables(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", "china-1957", "--policies", "--runs", "8", "--workers", "1", "--no-frictions"])
    assert code == 0
    out = capsys.readouterr().out
    assert "frictions: none" in out and "steel" in out


def test_replay_prints_both_trajectories(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", "china-1957", "--runs", "8"])
    assert code == 0
    out = capsys.readouterr().out
    assert "announced" in out and "leapplan" in out and "food per head" in out


def test_replay_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import leapplan.plan

    def no_plan(s: object) -> object:
        raise SimulationError("planner switched off in this test")

    monkeypatch.setattr(leapplan.plan, "solve_plan", no_plan, raising=False)
    assert main(["replay", "--runs", "6", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["leapplan_source"].startswith("policy variant without the campaign (solve_plan failed")
    rows = [r for r in data["rows"] if r["series"] == "steel produced"]
    assert [r["period"] for r in rows] == ["1958", "1959", "1960", "1961", "1962"]
    assert all("announced" in r and "leapplan" in r for r in rows)
    wanted = {
        f"{product} {kind}" for product in ("steel", "pig iron", "coal") for kind in ("produced", "usable", "reported")
    }
    wanted |= {"grain harvested", "grain usable", "grain reported", "grain procured", "gross output value"}
    wanted |= {"food per head", "food per head, lowest region", "farm labour", "non-farm labour"}
    assert wanted <= {r["series"] for r in data["rows"]}
    for row in data["rows"]:
        for name in ("announced", "leapplan"):
            band = row[name]
            assert band["0.05"] <= band["0.5"] <= band["0.95"], (row["series"], name)
    assert set(data["share_below_floor"]["announced"]) == {"1958", "1959", "1960", "1961", "1962"}
    assert 0 <= data["share_below_floor_any_year"]["announced"] <= 1
    assert max(data["share_below_floor"]["announced"].values()) <= data["share_below_floor_any_year"]["announced"]
    assert "investment" in data["frictions"] and "reporting_bias" in data["frictions"]


def test_replay_without_a_mechanism_and_its_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import leapplan.plan

    out = tmp_path / "replay"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(leapplan.plan, "solve_plan", lambda s: (_ for _ in ()).throw(SimulationError("off")), raising=False)
        assert main(["replay", "--runs", "4", "--without", "hunger", "--without", "write_off", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Mechanisms and frictions on:" in text and "wrote" in text and "replay.json" in text
    data = json.loads((out / "replay.json").read_text())
    assert "hunger" not in data["frictions"] and "write_off" not in data["frictions"] and data["runs"] == 4
    csv_lines = (out / "replay.csv").read_text().splitlines()
    assert csv_lines[0] == "series,unit,period,trajectory,p5,median,p95" and len(csv_lines) == 1 + 2 * len(data["rows"])
    assert (out / "replay.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", "no-such-scenario", "--runs", "2", "-w", "1"], "no such file"),
        (["simulate", "tests/data/tiny.yaml", "--runs", "2", "-w", "1", "--without", "weather"], "unknown friction"),
        (["replay", "shanxi-1958", "--runs", "2"], "has no policies to replay"),
        (["replay", "--runs", "2", "--without", "famine"], "unknown friction 'famine'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_simulate_carries_out_a_saved_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`--plan DIR` carries out the plan `leapplan plan --out DIR` saved, without solving it again."""
    tiny = str(DATA / "tiny.yaml")
    assert main(["plan", tiny, "--json", "--out", str(tmp_path / "plan")]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert main(["simulate", tiny, "--plan", str(tmp_path / "plan"), "--runs", "8", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plan"] == f"the plan in {tmp_path / 'plan'} ({planned['status']})" and data["runs"] == 8
    assert [t["required"] for t in data["targets"]] == [t["required"] for t in planned["targets"]]
    assert main(["simulate", "shanxi-1958", "--plan", str(tmp_path / "plan"), "--runs", "2"]) == 2
    assert "the plan is for scenario 'tiny', not 'shanxi-1958'" in capsys.readouterr().err
    assert main(["simulate", tiny, "--plan", str(tmp_path / "plan"), "--policies"]) == 2
    assert "give --plan DIR or --policies, not both" in capsys.readouterr().err
    assert main(["simulate", tiny, "--plan", str(tmp_path / "nothing")]) == 2
    assert "no plan.json here" in capsys.readouterr().err
