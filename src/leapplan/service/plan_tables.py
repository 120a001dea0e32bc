"""A plan's tables in the database: the files the plan writer (``save_plan``) writes, as {file name: text}.

Stored as JSON in ``plan_versions.tables`` so that a version can be read back whole (production, builds, support,
targets …) after a restart, on SQLite and PostgreSQL alike, and re-planned again.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from leapplan.errors import ServiceError


def plan_files(result: Any) -> dict[str, str]:
    """The files ``save_plan`` writes for ``result`` (a PlanResult): {file name: text}."""
    from leapplan.plan.result import save_plan

    with tempfile.TemporaryDirectory(prefix="leapplan-plan-") as folder:
        save_plan(result, folder)
        return {p.name: p.read_text() for p in sorted(Path(folder).iterdir()) if p.is_file()}


def plan_from_files(files: Any, what: str) -> Any:
    """The PlanResult written as ``files`` ({file name: text}); ServiceError naming ``what`` when unreadable."""
    from leapplan.errors import LeapplanError
    from leapplan.plan.result import load_plan

    if not isinstance(files, dict) or "plan.json" not in files:
        raise ServiceError(f"{what} was stored without its tables: it cannot be re-planned")
    with tempfile.TemporaryDirectory(prefix="leapplan-plan-") as folder:
        for name, text in files.items():
            if "/" in name or "\\" in name or name.startswith("."):
                raise ServiceError(f"{what}: bad table name {name!r}")
            (Path(folder) / name).write_text(str(text))
        try:
            return load_plan(folder)
        except (LeapplanError, OSError, ValueError, KeyError) as exc:
            raise ServiceError(f"{what}: its stored tables cannot be read ({exc})") from None
