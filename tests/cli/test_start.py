"""How the command line starts: nothing heavy imported, flags shown as flags, one default run count, and the
commands declared in cli.py for a fast start kept equal to the ones they stand for. (Start-up time itself is
measured in benchmarks/cli_start.py.)"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from typing import Any

import pytest
import typer

from leapplan.cli import app, main

HEAVY = ("numpy", "pandas", "scipy", "xarray", "pydantic", "linopy", "highspy", "dask", "distributed", "matplotlib")


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"{code}; import sys, json; sys.__stdout__.write(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(proc.stdout))


def test_import_leapplan_and_the_cli_load_no_heavy_library() -> None:
    assert _loaded_after("import leapplan") == []
    assert _loaded_after("import leapplan.cli") == []
    quiet = "import contextlib, io; contextlib.redirect_stdout(io.StringIO()).__enter__()"
    assert _loaded_after(f"{quiet}; from leapplan.cli import main; main(['--help'])") == []


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        out += _commands(command, path) if hasattr(command, "commands") else [path]
    return out


def test_every_help_shows_flags_as_flags(capsys: pytest.CaptureFixture[str]) -> None:
    paths = _commands(typer.main.get_command(app))
    assert ("simulate",) in paths and ("db", "backup") in paths and len(paths) >= 15
    for path in [(), *paths]:
        assert main([*path, "--help"]) == 0
        out = capsys.readouterr().out
        assert "<bool>" not in out, path
        assert "--help  " in out or "--help\n" in out or "  --help" in out, path
    main(["simulate", "--help"])
    assert "--no-frictions  " in capsys.readouterr().out


def _params(command: Any) -> list[tuple[Any, ...]]:
    return [
        (p.name, tuple(p.opts), p.default, getattr(p, "help", None), getattr(p, "is_flag", False), p.required)
        for p in command.params
    ]


@pytest.mark.parametrize(
    ("name", "module", "function"),
    [
        ("plan", "leapplan.plan.command", "plan"),
        ("audit", "leapplan.audit.command", "audit"),
        ("replan", "leapplan.plan.replan_command", "replan"),
    ],
)
def test_commands_declared_in_cli_match_their_implementation(name: str, module: str, function: str) -> None:
    """cli.py declares `plan` and `audit` itself (their modules load the planner and pandas); same options."""
    import importlib

    implementation = getattr(importlib.import_module(module), function)
    alone = typer.Typer(add_completion=False)
    alone.command(name)(implementation)
    declared = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    assert _params(declared) == _params(typer.main.get_command(alone))
    assert declared.help == typer.main.get_command(alone).help


def test_one_default_run_count_everywhere() -> None:
    import leapplan
    from leapplan.simulate import DEFAULT_RUNS

    assert DEFAULT_RUNS == 200
    assert inspect.signature(leapplan.simulate.simulate).parameters["runs"].default == 200
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name in ("run", "simulate", "replay"):
        runs = next(p for p in commands[name].params if p.name == "runs")
        assert runs.default == 200, name


def test_names_kept_for_a_fast_start_match_the_stage() -> None:
    from leapplan.balance.command import SolverName
    from leapplan.balance.solve import Method
    from leapplan.simulate.command import FRICTION_NAMES, MECHANISM_NAMES
    from leapplan.simulate.frictions import FRICTIONS, MECHANISMS

    assert [m.value for m in SolverName] == [m.value for m in Method]
    assert FRICTION_NAMES == ", ".join(FRICTIONS)
    assert MECHANISM_NAMES == ", ".join(MECHANISMS)
