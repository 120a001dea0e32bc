"""The `leapplan` command line: a thin shell over the stages.

Every command that prints results takes --json. Domain errors (LeapplanError) become one red line
and exit status 2; usage errors exit 2 as well; nothing prints a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from leapplan import __version__
from leapplan.audit.command import audit
from leapplan.balance.command import balance
from leapplan.console import scenario_summary
from leapplan.errors import LeapplanError, Problem, ScenarioError
from leapplan.plan.command import plan
from leapplan.scenario import embedded, load, save
from leapplan.scenario.summary import overview, summary
from leapplan.scenario.synth import synthesize
from leapplan.service.command import db_app, serve
from leapplan.simulate.command import replay, simulate

app = typer.Typer(
    name="leapplan",
    help="Plan and simulate regional industrial development (default scenario: shanxi-1958).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenario_app = typer.Typer(help="Embedded and synthetic scenarios.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
app.command("balance")(balance)
app.command("plan")(plan)
app.command("simulate")(simulate)
app.command("replay")(replay)
app.command("audit")(audit)
app.command("serve")(serve)
app.add_typer(db_app, name="db")

out = Console()
err = Console(stderr=True)

ScenarioArg = Annotated[
    str | None, typer.Argument(help="Scenario file, folder or embedded name (default shanxi-1958).", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, allow_nan=False) + "\n")


@app.command()
def run(
    scenario: ScenarioArg = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the results (default out/<scenario>).")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Monte Carlo runs of the plan being carried out.")] = 200,
    json_out: JsonOpt = False,
) -> None:
    """Run every stage on a scenario: summary, plan, simulation and the HTML report."""
    from leapplan.plan import save_plan
    from leapplan.plan.command import solve_with_progress
    from leapplan.report import print_run_summary, write_report
    from leapplan.simulate.command import simulate_for_run

    s = load(scenario)
    data = summary(s)
    folder = out_dir or Path("out") / s.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    plan_result = solve_with_progress(s, err)
    save_plan(plan_result, folder / "plan")
    with err.status(f"simulating the plan being carried out ({runs} runs)…"):
        ensemble = simulate_for_run(s, plan_result, runs=runs, seed=s.seed)
    report = write_report(folder, s, plan_result, ensemble, console=None if json_out else err)
    if json_out:
        print_json(
            {
                **data,
                "plan": plan_result.to_json(),
                "simulation": ensemble.to_json(),
                "report": str(report),
            }
        )
        return
    scenario_summary(out, data)
    print_run_summary(out, plan_result, ensemble)
    out.print(f"results written to {folder}; report: {report}")


@app.command()
def validate(
    path: Annotated[str, typer.Argument(help="Scenario file, folder or embedded name.")],
    json_out: JsonOpt = False,
) -> None:
    """Check a scenario; print every problem with its place. Exit 0 when valid, 2 when not."""
    try:
        s = load(path)
    except ScenarioError as exc:
        if json_out:
            print_json(
                {"valid": False, "problems": [{"location": p.location, "message": p.message} for p in exc.problems]}
            )
        else:
            err.print(f"[red]{path}: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}[/red]")
            for p in exc.problems:
                err.print(f"  {p}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    if json_out:
        print_json({"valid": True, "problems": [], "scenario": overview(s)})
    else:
        out.print(
            f"[green]{path}: valid[/green] ({len(s.regions)} regions, {len(s.enterprises)} enterprises, "
            f"{len(s.targets)} targets)"
        )


@app.command()
def show(scenario: ScenarioArg = None, json_out: JsonOpt = False) -> None:
    """Describe a scenario: regions, capacity, base-year output value, targets and their growth."""
    s = load(scenario)
    data = summary(s)
    if json_out:
        print_json(data)
    else:
        scenario_summary(out, data)


@scenario_app.command("list")
def scenario_list(json_out: JsonOpt = False) -> None:
    """List the embedded scenarios."""
    names = embedded.names()
    if json_out:
        print_json(names)
    else:
        for name in names:
            out.print(name)


@scenario_app.command("export")
def scenario_export(
    name: Annotated[str, typer.Argument(help="Embedded scenario name, file or folder.")],
    directory: Annotated[Path, typer.Argument(help="Folder to write (scenario.yaml + CSV tables).")],
) -> None:
    """Write a scenario to a folder of YAML plus CSV tables."""
    s = load(name)
    if directory.exists() and any(directory.iterdir()):
        raise LeapplanError(f"{directory} exists and is not empty; choose a new folder")
    save(s, directory)
    out.print(f"wrote {s.name} to {directory}")


@scenario_app.command("synth")
def scenario_synth(
    directory: Annotated[Path, typer.Argument(help="Folder (or .yaml file) to write.")],
    counties: Annotated[int, typer.Option(min=1, help="Number of counties.")] = 100,
    products: Annotated[int, typer.Option(min=3, help="Number of products.")] = 20,
    years: Annotated[int, typer.Option(min=1, max=50, help="Plan years.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Write a synthetic, valid, productive scenario of any size."""
    s = synthesize(counties=counties, products=products, years=years, seed=seed)
    save(s, directory)
    out.print(f"wrote {s.name} to {directory} ({len(s.regions)} regions, {len(s.enterprises)} enterprises)")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if version:
        out.print(f"leapplan {__version__}")
        raise typer.Exit(0)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `leapplan` console script; returns the exit status.

    Usage errors are handled by the command parser (message, exit 2); domain errors here.
    """
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="leapplan", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except LeapplanError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into a message
        if os.environ.get("LEAPPLAN_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} (set LEAPPLAN_DEBUG=1 for the traceback)"
        )
        return 1
    return 0


__all__ = ["Problem", "app", "main"]
