"""``leapplan plan --decompose``: the same plan as the monolithic solve, and clear errors for bad settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leapplan.cli import main

TINY = str(Path(__file__).resolve().parents[1] / "data" / "tiny.yaml")


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main(["plan", TINY, "--json", *args]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_decomposed_plan_of_tiny_matches_the_monolithic_one(capsys: pytest.CaptureFixture[str]) -> None:
    # tiny's two counties are the blocks; the monolithic plan (one HiGHS run per stage) is the second method
    mono = _json(capsys)
    dec = _json(capsys, "--decompose", "--workers", "0", "--gap", "1e-6")
    assert dec["status"] == mono["status"]
    # tiny's targets are far out of reach (about 20 t of 9.72 Mt): plans that reach the same levels differ in what
    # they spend (HiGHS's own interior point plans 14 t at a cost of 19.5, its simplex 24 t at 0.12), so the
    # stages' objectives are compared — the first and the last — and each target's achievable against what it asks
    first, last = dec["solver"]["stages"][0], dec["solver"]["stages"][-1]
    assert first["objective"] == pytest.approx(mono["solver"]["stages"][0]["objective"], rel=1e-5)
    assert last["objective"] == pytest.approx(mono["solver"]["stages"][-1]["objective"], rel=1e-5)
    required = {t["id"]: t["required"] for t in mono["targets"]}
    for t in dec["targets"]:
        want = next(w["achievable"] for w in mono["targets"] if w["id"] == t["id"])
        assert t["achievable"] == pytest.approx(want, abs=1e-6 * required[t["id"]])
    stages = [st for st in dec["solver"]["stages"] if "iterations" in st]
    assert stages and all(st["gap"] <= 1e-6 and st["violation"] <= 1e-6 for st in stages)
    # the decomposed plan says which block holds each weak link (tiny's city and two counties are under its root:
    # a block each, or the centre for a national row); the monolithic plan has no blocks
    assert dec["weak_links"] and all(w["block"] in ("city", "north", "south", "centre") for w in dec["weak_links"])
    assert all("block" not in w for w in mono["weak_links"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--decompose", "--blocks", "0"], "number of blocks must be at least 1"),
        (["--decompose", "--gap", "2"], "gap must be between 0 and 1"),
        (["--workers", "2"], "--blocks, --workers and --scheduler need --decompose"),
        (["--blocks", "2"], "--blocks, --workers and --scheduler need --decompose"),
    ],
)
def test_bad_decomposition_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["plan", TINY, *args]) == 2
    assert message in capsys.readouterr().err


def test_unreachable_scheduler_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from leapplan import dask_client

    monkeypatch.setattr(dask_client, "CONNECT_TIMEOUT", "1s")  # nothing listens on port 9
    assert main(["plan", TINY, "--decompose", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the dask scheduler" in capsys.readouterr().err


def test_run_decomposes_above_the_threshold_and_not_below() -> None:
    from leapplan.plan import decomposed
    from leapplan.scenario import load

    tiny = load(TINY)
    assert decomposed.counties(tiny) == 2  # north and south; the city and the province are not counties
    assert decomposed.decompose_by_size(tiny) is None  # 2 ≤ DECOMPOSE_ABOVE_COUNTIES: one HiGHS run per stage
    assert decomposed.decompose_by_size(tiny, forced=True) == decomposed.Decompose(workers=decomposed.RUN_WORKERS)
    assert decomposed.decompose_by_size(tiny, forced=False) is None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decomposed, "DECOMPOSE_ABOVE_COUNTIES", 1)  # 2 counties > 1: decomposed, unless told not to
        assert decomposed.decompose_by_size(tiny) == decomposed.Decompose(workers=decomposed.RUN_WORKERS)
        assert decomposed.decompose_by_size(tiny, forced=False) is None
    # ``leapplan run --help`` names the rule's threshold and workers as written (cli.py does not import the planner,
    # which loads linopy, to read them): the two stay equal
    import typer.main

    from leapplan.cli import app

    run = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    said = next(p.help for p in run.params if p.name == "decompose")
    assert f"on {decomposed.RUN_WORKERS} Dask workers" in said
    assert f"above {decomposed.DECOMPOSE_ABOVE_COUNTIES} counties" in said


def test_run_with_decompose_gives_the_plain_runs_plan(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from leapplan.plan import decomposed

    monkeypatch.setattr(decomposed, "RUN_WORKERS", 0)  # the blocks in this process: the same iterations as on Dask
    runs = {}
    for how in ("--no-decompose", "--decompose"):
        assert main(["run", TINY, how, "--runs", "2", "--json", "--out", str(tmp_path / how)]) == 0
        printed = capsys.readouterr()
        runs[how] = json.loads(printed.out)["plan"]
        assert ("planning decomposed over the prefectures" in printed.err) == (how == "--decompose")
    plain, dec = runs["--no-decompose"], runs["--decompose"]
    assert all("iterations" not in st for st in plain["solver"]["stages"])
    assert any("iterations" in st for st in dec["solver"]["stages"])  # the stages were decomposed
    assert dec["status"] == plain["status"]
    required = {t["id"]: t["required"] for t in plain["targets"]}
    for t in dec["targets"]:
        want = next(w["achievable"] for w in plain["targets"] if w["id"] == t["id"])
        assert t["achievable"] == pytest.approx(want, abs=1e-4 * required[t["id"]])
