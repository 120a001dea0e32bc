"""The command line: exit statuses, JSON output, and no tracebacks on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leapplan.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
def test_run_default_scenario(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The main job end to end: summary, plan, simulation and report of the default scenario."""
    code, out, _ = run(capsys, "run", "--out", str(tmp_path), "--runs", "20", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["scenario"]["name"] == "shanxi-1958"
    growth = {t["id"]: t["annual_growth"] for t in data["targets"]}
    assert growth["local_1959"] == pytest.approx(2**0.5 - 1)
    assert (tmp_path / "summary.json").is_file()
    assert data["plan"]["status"] in {"feasible", "targets_cut"}
    planned = {t["id"] for t in data["plan"]["targets"]}
    assert planned == set(growth)
    assert data["simulation"]["runs"] == 20
    assert (tmp_path / "report.html").is_file() and (tmp_path / "plan" / "plan.json").is_file()


def test_run_prints_tables(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "run", str(DATA / "tiny.yaml"), "--out", str(tmp_path))
    assert code == 0
    assert "Targets and the growth they imply" in out and "50.0 %" in out


def test_validate_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "validate", str(DATA / "tiny.yaml"))[0] == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (DATA / "tiny.yaml").read_text().replace("parent: prov, population: 200000", "parent: provv, population: -1")
    )
    code, _, err = run(capsys, "validate", str(bad))
    assert code == 2
    assert "regions[north].population" in err and "Traceback" not in err


def test_validate_json_lists_every_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (DATA / "tiny.yaml").read_text()
    bad.write_text(text.replace("region: north,", "region: nort,").replace("year: 1959", "year: 1970"))
    code, out, _ = run(capsys, "validate", str(bad), "--json")
    assert code == 2
    found = {(p["location"], p["message"]) for p in json.loads(out)["problems"]}
    assert ("enterprises[north_coal].region", "unknown region 'nort' (did you mean 'north'?)") in found
    assert ("targets[steel_1959].year", "year 1970 is outside the plan years 1958–1959") in found


def test_show_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "--json")
    assert code == 0 and json.loads(out)["scenario"]["zones"][0]["counties"] == 18
    code, out, _ = run(capsys, "scenario", "list", "--json")
    assert code == 0 and "shanxi-1958" in json.loads(out)


def test_export_then_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "scenario", "export", "shanxi-1958", str(tmp_path / "sx"))[0] == 0
    assert run(capsys, "validate", str(tmp_path / "sx"))[0] == 0
    code, _, err = run(capsys, "scenario", "export", "shanxi-1958", str(tmp_path / "sx"))
    assert code == 2 and "not empty" in err


def test_synth_writes_a_valid_scenario(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = run(capsys, "scenario", "synth", str(tmp_path / "s"), "--counties", "40", "--products", "9", "--years", "3")[
        0
    ]
    assert code == 0
    code, out, _ = run(capsys, "validate", str(tmp_path / "s"), "--json")
    assert code == 0 and json.loads(out)["scenario"]["regions"]["county"] == 40


def test_unknown_scenario_and_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "no-such-scenario")
    assert code == 2 and "embedded: " in err
    code, _, err = run(capsys, "scenario", "synth", "x", "--counties", "0")
    assert code == 2 and "Traceback" not in err
    assert run(capsys, "no-such-command")[0] == 2


def test_console_script_on_binary_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(bytes(range(256)) * 4)
    proc = subprocess.run([sys.executable, "-m", "leapplan", "validate", str(junk)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "binary file" in proc.stderr and "Traceback" not in proc.stderr
