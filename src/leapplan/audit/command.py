"""``leapplan audit REPORTS.csv``: check a CSV of reports and list the flags.

Registered in ``cli.py`` as ``app.command("audit")(audit)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from leapplan.audit.core import audit_reports
from leapplan.audit.reports import PLAN_COLUMNS
from leapplan.errors import AuditError

TEXT = {"report_id": str, "unit": str, "period": str, "product": str}


def read_csv(path: Path, what: str, text: dict[str, Any]) -> pd.DataFrame:
    """A CSV file as a frame; a missing or unreadable file is an :class:`AuditError`."""
    if not path.is_file():
        raise AuditError(f"{path}: no such {what} file")
    try:
        return pd.read_csv(path, dtype=text)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise AuditError(f"{path}: not a readable CSV {what} file ({str(exc).strip().splitlines()[0]})") from None


def read_plan_production(path: Path) -> pd.DataFrame:
    """The production table of a saved plan: ``DIR/production.csv`` (or a CSV file given directly)."""
    file = path / "production.csv" if path.is_dir() else path
    return read_csv(file, "plan production", {c: str for c in PLAN_COLUMNS[:4]})


def read_plan_support(path: Path) -> pd.DataFrame | None:
    """The support table of a saved plan (``DIR/support.csv``), None when ``path`` is a CSV file or has none."""
    file = path / "support.csv"
    if not path.is_dir() or not file.is_file():
        return None
    return read_csv(file, "plan support", {"period": str, "source": str, "member": str, "kind": str})


def flags_json(flags: pd.DataFrame, n_reports: int) -> dict[str, Any]:
    """The ``--json`` payload: counts and the flags as records."""
    counts = flags["severity"].value_counts()
    return {
        "reports": n_reports,
        "flagged_reports": int(flags["report_id"].nunique()),
        "errors": int(counts.get("error", 0)),
        "warnings": int(counts.get("warning", 0)),
        "flags": flags.astype(str).to_dict(orient="records"),
    }


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
    from leapplan.scenario import load

    frame = read_csv(reports, "reports", TEXT)
    s = load(scenario)
    production = read_plan_production(plan) if plan is not None else None
    support = read_plan_support(plan) if plan is not None else None
    flags = audit_reports(s, frame, production, support=support)
    data = flags_json(flags, len(frame))
    if json_out:
        typer.echo(json.dumps(data, indent=1, ensure_ascii=False))
        return
    console = Console()
    console.print(
        f"[bold]{s.name}[/]: {len(frame):,} reports, {data['flagged_reports']:,} flagged "
        f"([red]{data['errors']:,} errors[/], [yellow]{data['warnings']:,} warnings[/])"
    )
    if flags.empty:
        return
    t = Table(title="Flags (red: error, yellow: warning)", title_justify="left")
    for c in ["report", "unit", "period"]:
        t.add_column(c, no_wrap=True)
    t.add_column("check: reason", ratio=1)
    for r in flags.itertuples(index=False):
        colour = "red" if r.severity == "error" else "yellow"
        t.add_row(str(r.report_id), r.unit, r.period, f"[{colour}]{r.check}[/]: {escape(r.message)}")
    console.print(t)
