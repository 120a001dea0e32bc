"""The `leapplan` command line: a thin shell over the stages.

Every command that prints results takes --json. Domain errors (LeapplanError) become one red line
and exit status 2; usage errors exit 2 as well; nothing prints a traceback.

Starting is cheap: this module and the command modules it registers load only typer, rich and the
exception tree; each command imports what it needs (pandas, linopy, Dask …) when it runs, so `--help`
and every command start in a fraction of a second (``benchmarks/cli_start.py``). ``plan`` and ``audit``
are declared here, with the same options as ``leapplan.plan.command.plan`` and
``leapplan.audit.command.audit`` (a test holds them equal), because those modules load the planner and
pandas on import.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from leapplan import __version__
from leapplan.balance.command import balance
from leapplan.errors import LeapplanError, Problem, ScenarioError
from leapplan.service.command import db_app, serve
from leapplan.simulate import DEFAULT_RUNS
from leapplan.simulate.command import replay, simulate

app = typer.Typer(
    name="leapplan",
    help="Plan and simulate regional industrial development (default scenario: shanxi-1958).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
scenario_app = typer.Typer(help="Embedded and synthetic scenarios.", no_args_is_help=True, rich_markup_mode=None)

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
    runs: Annotated[
        int, typer.Option("--runs", min=1, help="Monte Carlo runs of the plan being carried out.")
    ] = DEFAULT_RUNS,
    replan_runs: Annotated[
        int,
        typer.Option(
            "--replan-runs",
            min=0,
            help="Also run the planning loops (simulate --replan all) with this many runs each and put them in the "
            "report; each run re-plans every period, about as long as the plan itself per re-plan.",
        ),
    ] = 0,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, help="Dask workers for the loops of --replan-runs.")
    ] = 1,
    decompose: Annotated[
        bool | None,
        typer.Option(
            "--decompose/--no-decompose",
            help="Solve the plan decomposed over prefectures on 2 Dask workers, or not (default: decomposed above "
            "150 counties).",
            show_default=False,
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Run every stage on a scenario: summary, plan, simulation and the HTML report."""
    with err.status("loading the scenario …"):
        from leapplan.console import scenario_summary
        from leapplan.plan import save_plan
        from leapplan.plan.command import solve_with_progress
        from leapplan.plan.decomposed import counties, decompose_by_size
        from leapplan.report import print_run_summary, write_report
        from leapplan.scenario import load
        from leapplan.scenario.summary import summary
        from leapplan.simulate.command import simulate_for_run

        s = load(scenario)
        data = summary(s)
    folder = out_dir or Path("out") / s.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    how = decompose_by_size(s, decompose)
    if how is not None:
        err.print(f"planning decomposed over the prefectures on {how.workers} Dask workers ({counties(s):,} counties)")
    plan_result = solve_with_progress(s, err, how)
    save_plan(plan_result, folder / "plan")
    with err.status(f"simulating the plan being carried out ({runs} runs)…"):
        ensemble = simulate_for_run(s, plan_result, runs=runs, seed=s.seed)
    loops = None
    if replan_runs > 0 and plan_result.status.value == "infeasible":
        err.print("[yellow]the plan is infeasible: there is nothing to re-plan (--replan-runs skipped)[/yellow]")
    elif replan_runs > 0:
        from leapplan.simulate.command import write_loops
        from leapplan.simulate.loop import run_loops

        result = run_loops(s, plan_result, replan_runs, seed=s.seed, workers=workers, progress=not json_out)
        loops = {**result.to_json(), "plan": "leapplan's plan", "food_floor": s.guardrails.food_per_head}
        write_loops(folder / "loops", loops)
    report = write_report(folder, s, plan_result, ensemble, console=None if json_out else err, loops=loops)
    if json_out:
        print_json(
            {
                **data,
                "plan": plan_result.to_json(),
                "simulation": ensemble.to_json(),
                **({"loops": loops} if loops is not None else {}),
                "report": str(report),
            }
        )
        return
    scenario_summary(out, data)
    counts = {t["id"]: t["counts"] for t in data["targets"]}
    print_run_summary(out, plan_result, ensemble, counts=counts, base_year=s.base_year)
    out.print(f"results written to {folder}; report: {report}")


@app.command()
def validate(
    path: Annotated[str, typer.Argument(help="Scenario file, folder or embedded name.")],
    strict: Annotated[bool, typer.Option("--strict", help="Treat plausibility warnings as errors (exit 2).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Check a scenario; print every problem with its place, and plausibility warnings.

    Exit 0 when valid (warnings are printed but do not fail it, unless --strict), 2 when not."""
    from leapplan.scenario import load
    from leapplan.scenario.plausibility import plausibility
    from leapplan.scenario.summary import overview

    try:
        s = load(path)
    except ScenarioError as exc:
        if json_out:
            print_json(
                {
                    "valid": False,
                    "problems": [{"location": p.location, "message": p.message} for p in exc.problems],
                    "warnings": [],
                }
            )
        else:
            _print_problems(f"{path}: {_count(exc.problems, 'problem')}", exc.problems, "red")
        raise typer.Exit(2) from None
    warnings = plausibility(s)
    failed = strict and bool(warnings)
    if json_out:
        print_json(
            {
                "valid": not failed,
                "problems": [{"location": p.location, "message": p.message} for p in warnings] if failed else [],
                "warnings": [] if failed else [{"location": p.location, "message": p.message} for p in warnings],
                "scenario": overview(s),
            }
        )
    elif failed:
        _print_problems(f"{path}: {_count(warnings, 'implausible value')} (--strict)", warnings, "red")
    else:
        if warnings:
            _print_problems(f"{path}: {_count(warnings, 'warning')}", warnings, "yellow")
        out.print(
            f"[green]{path}: valid[/green] ({len(s.regions)} regions, {len(s.enterprises)} enterprises, "
            f"{len(s.targets)} targets)"
            + (f"; {_count(warnings, 'warning')} (--strict makes them errors)" if warnings else "")
        )
    if failed:
        raise typer.Exit(2)


def _count(items: list[Problem], word: str) -> str:
    return f"{len(items)} {word}{'s' if len(items) != 1 else ''}"


def _print_problems(head: str, problems: list[Problem], colour: str) -> None:
    err.print(f"[{colour}]{escape(head)}[/{colour}]", soft_wrap=True)
    for p in problems:
        err.print(f"  {p}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def show(scenario: ScenarioArg = None, json_out: JsonOpt = False) -> None:
    """Describe a scenario: regions, capacity, base-year output value, targets and their growth."""
    from leapplan.console import scenario_summary
    from leapplan.scenario import load
    from leapplan.scenario.summary import summary

    data = summary(load(scenario))
    if json_out:
        print_json(data)
    else:
        scenario_summary(out, data)


@app.command("plan")
def plan(
    scenario: Annotated[str | None, typer.Argument(help="Embedded scenario name or scenario file/folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan summary as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write every plan table (CSV) and plan.json here.")] = None,
    decompose: Annotated[
        bool,
        typer.Option(
            "--decompose", help="Solve each stage by a block interior point over blocks of regions, the blocks on Dask."
        ),
    ] = False,
    blocks: Annotated[
        int | None,
        typer.Option("--blocks", help="With --decompose: N blocks balanced by size (default: one per prefecture)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="With --decompose: Dask worker processes (0: solve blocks here; default 2)."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="With --decompose: address of a running Dask scheduler.")
    ] = None,
    gap: Annotated[
        float,
        typer.Option(
            "--gap",
            help="With --decompose: a stage ends when (upper − lower) / max(|upper|, |lower|, 1e-6) is at most this.",
        ),
    ] = 1e-4,
) -> None:
    """Plan the scenario: meet the targets in priority order, say what must be cut and why."""
    with err.status("loading the planner …") if not as_json else nullcontext():
        from leapplan.plan.command import plan as plan_command
        from leapplan.scenario.summary import GROSS_AND_USABLE
    if not as_json:
        err.print(f"[dim]{GROSS_AND_USABLE}[/dim]")
    plan_command(
        scenario=scenario,
        as_json=as_json,
        out=out,
        decompose=decompose,
        blocks=blocks,
        workers=workers,
        scheduler=scheduler,
        gap=gap,
    )


@app.command("audit")
def audit(
    reports: Annotated[
        Path,
        typer.Argument(
            metavar="REPORTS.csv", help="CSV: report_id,unit,period,product,produced,labour,input:<product>…"
        ),
    ],
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Scenario name or path (default shanxi-1958).")
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Plan folder (from `leapplan plan`; its support.csv gives the technicians sent) or production CSV.",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Audit reports against the material balance, capacity, labour, history, peers, totals and plan."""
    from leapplan.audit.command import audit as audit_command

    audit_command(reports=reports, scenario=scenario, plan=plan, json_out=json_out)


@app.command("replan")
def replan(
    plan_dir: Annotated[Path, typer.Option("--plan", help="The plan in force (a folder from `leapplan plan --out`).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the new plan version (new or empty).")],
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports",
            help="CSV of reports up to the end of the period (as for `leapplan audit`; an optional in_service column "
            "gives an enterprise's capacity still standing, units per year).",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Read the reports from the monitoring service's database instead (sqlite:///FILE, "
            "postgresql+psycopg://…): the latest version of every report not returned. Exactly one of --reports, --db.",
        ),
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Scenario name or path (default: the plan's scenario).")
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="The last period that has happened (default: the latest reported).")
    ] = None,
    reported: Annotated[
        bool,
        typer.Option("--reported", help="Take the reports as they stand, not as audited (the historical ratchet)."),
    ] = False,
    reserve: Annotated[
        float | None,
        typer.Option(
            "--reserve",
            min=0.0,
            help="The state grain reserve counted in store at the end of the period, t (default: what the plan's "
            "books leave). Refilling it is then the re-plan's first aim, as far as the harvests allow.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the version record (what changed) as JSON.")] = False,
) -> None:
    """Re-plan the remaining periods from audited reports; write the new version and say what changed."""
    with err.status("loading the planner …") if not as_json else nullcontext():
        from leapplan.plan.replan_command import replan as replan_command
    replan_command(
        plan_dir=plan_dir,
        reports=reports,
        db=db,
        out=out,
        scenario=scenario,
        period=period,
        reported=reported,
        reserve=reserve,
        as_json=as_json,
    )


@scenario_app.command("list")
def scenario_list(json_out: JsonOpt = False) -> None:
    """List the embedded scenarios."""
    from leapplan.scenario import embedded

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
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            metavar="quarter",
            help="'quarter': write the yearly scenario as a quarterly one with its seasons "
            "(leapplan.scenario.quarterly.to_quarters).",
        ),
    ] = None,
    horizon: Annotated[int | None, typer.Option(min=1, max=50, help="Plan years of the quarterly scenario.")] = None,
) -> None:
    """Write a scenario to a folder of YAML plus CSV tables."""
    from leapplan.scenario import load, save
    from leapplan.scenario.quarterly import to_quarters

    if period not in (None, "quarter"):
        raise LeapplanError(f"--period {period!r}: the only conversion is to 'quarter'")
    if horizon is not None and period is None:
        raise LeapplanError("--horizon goes with --period quarter")
    s = load(name)
    if period == "quarter":
        s = to_quarters(s, horizon=horizon)
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
    from leapplan.scenario import save
    from leapplan.scenario.synth import synthesize

    s = synthesize(counties=counties, products=products, years=years, seed=seed)
    save(s, directory)
    out.print(f"wrote {s.name} to {directory} ({len(s.regions)} regions, {len(s.enterprises)} enterprises)")


app.add_typer(scenario_app, name="scenario")
app.command("balance")(balance)
app.command("simulate")(simulate)
app.command("replay")(replay)
app.command("serve")(serve)
app.add_typer(db_app, name="db")


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress to stderr, Dask's logs included.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not verbose:
        # Dask's own loggers log at INFO (cluster start, workers, shutdown); keep them to errors, here and in
        # the worker processes (they read the same setting from the environment).
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
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
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into a message
        if os.environ.get("LEAPPLAN_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} (set LEAPPLAN_DEBUG=1 for the traceback)",
            soft_wrap=True,
        )
        return 1
    return 0


__all__ = ["Problem", "app", "main"]
