"""What a re-plan changed against the plan it replaces, in words and as JSON; plan versions on disk.

A version is a plan folder (``save_plan``) with ``version.json``: its number (the first plan, without one, is
version 1), the folder it revises, the period after which it was made, the basis (audited or reported figures)
and the account of what changed: targets whose achievable figure moved, reports the audit replaced, capacity out
of service, weak links new in this version, and the largest changes of output in the periods re-planned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leapplan.audit.rules import fmt
from leapplan.errors import LeapplanError
from leapplan.plan.replan import PlanState
from leapplan.plan.result import PlanResult, _jsonable, save_plan

MOVED = 1e-6
"""A target has moved when its achievable figure changed by more than this share of what is required [-]."""
SHOWN = 5
"""Output changes and new weak links listed in words."""
WEAK_KEY = ["target", "kind", "region", "product", "period"]


def what_changed(old: PlanResult, new: PlanResult, state: PlanState) -> dict[str, Any]:
    """The account of a re-plan: ``targets`` (every target with its achievable figure before and after, and
    ``moved``), ``replaced`` (reports entered at the audit's bound), ``out_of_service``, ``new_weak_links``,
    ``output`` (the largest changes in the re-planned periods, by region and technology) and ``words``."""
    targets = _targets(old, new)
    replaced = state.figures[state.figures["basis"] != "reported"]
    weak = _new_weak_links(old, new)
    if "period" in weak.columns:  # the past is fixed: what binds there is no link to strengthen now
        weak = weak[~weak["period"].astype(str).isin(state.past)].reset_index(drop=True)
    output = _output_changes(old, new, state)
    account = {
        "after": state.period,
        "basis": state.basis,
        "status": {"before": old.status.value, "after": new.status.value},
        "targets": targets,
        "replaced": _records(replaced[["report_id", "unit", "period", "product", "reported", "audited", "basis"]]),
        "out_of_service": _records(state.lost),
        "new_weak_links": _records(weak),
        "output": _records(output),
    }
    account["words"] = _words(account, state)
    return _jsonable(account)


def _targets(old: PlanResult, new: PlanResult) -> list[dict[str, Any]]:
    cols = ["id", "year", "required", "achievable", "cut"]
    both = old.targets[cols].merge(new.targets[cols], on=["id", "year", "required"], suffixes=("_before", "_after"))
    out = []
    for r in both.itertuples(index=False):
        delta = float(r.achievable_after) - float(r.achievable_before)
        scale = max(abs(float(r.required)), 1.0)
        out.append(
            {
                "id": r.id,
                "year": int(r.year),
                "required": float(r.required),
                "achievable_before": float(r.achievable_before),
                "achievable_after": float(r.achievable_after),
                "moved": bool(abs(delta) > MOVED * scale),
            }
        )
    return out


def _new_weak_links(old: PlanResult, new: PlanResult) -> pd.DataFrame:
    w_new, w_old = new.weak_links, old.weak_links
    if not len(w_new):
        return pd.DataFrame(columns=[*WEAK_KEY, "explanation"])
    keys = [c for c in WEAK_KEY if c in w_new.columns and c in w_old.columns]
    if not keys:
        return w_new.head(SHOWN)
    seen = set(map(tuple, w_old[keys].astype(str).to_numpy())) if len(w_old) else set()
    fresh = [tuple(row) not in seen for row in w_new[keys].astype(str).to_numpy()]
    cols = [c for c in [*WEAK_KEY, "value_of_one_percent", "explanation"] if c in w_new.columns]
    return w_new.loc[fresh, cols].reset_index(drop=True)


def _output_changes(old: PlanResult, new: PlanResult, state: PlanState) -> pd.DataFrame:
    """Output over the re-planned periods by (region, technology, product), before and after, largest change
    first (changes below 1e-6 of the larger figure left out)."""
    keys = ["region", "technology", "product"]

    def ahead(plan: PlanResult) -> pd.Series:
        p = plan.production.assign(period=plan.production["period"].astype(str))
        return p[~p["period"].isin(state.past)].groupby(keys)["quantity"].sum()

    frame = pd.concat({"before": ahead(old), "after": ahead(new)}, axis=1).fillna(0.0)
    frame["change"] = frame["after"] - frame["before"]
    big = frame["change"].abs() > 1e-6 * np.maximum(frame[["before", "after"]].abs().max(axis=1), 1.0)
    frame = frame[big].reset_index()
    return frame.reindex(frame["change"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def _words(a: dict[str, Any], state: PlanState) -> list[str]:
    what = "audited reports" if state.basis == "audited" else "reports as they stand"
    words = [f"Re-planned after {a['after']} from {what}: {', '.join(state.past)} as it happened, the rest anew."]
    for r in a["replaced"]:
        words.append(
            f"{r['unit']} reported {fmt(r['reported'])} of {r['product']} in {r['period']}; it enters at "
            f"{fmt(r['audited'])}, the audit's {r['basis']}."
        )
    for r in a["out_of_service"]:
        words.append(f"{r['enterprise']} has {fmt(r['lost'])} a year of capacity out of service from now on.")
    moved = [t for t in a["targets"] if t["moved"]]
    for t in moved:
        words.append(
            f"Target {t['id']} ({t['year']}) moves from {fmt(t['achievable_before'])} to "
            f"{fmt(t['achievable_after'])} of the required {fmt(t['required'])}."
        )
    if not moved:
        words.append("No target moves.")
    for r in a["output"][:SHOWN]:
        words.append(
            f"{r['technology']} in {r['region']}: {fmt(r['before'])} → {fmt(r['after'])} {r['product']} over the "
            "periods re-planned."
        )
    for r in a["new_weak_links"][:SHOWN]:
        words.append(f"New weak link: {r.get('explanation', '')}")
    return words


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def previous_version(folder: Path) -> int:
    """The version number of the plan in ``folder`` (1 when it has no ``version.json``)."""
    path = folder / "version.json"
    if not path.is_file():
        return 1
    try:
        return int(json.loads(path.read_text())["version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise LeapplanError(f"{path}: not a plan version file ({exc})") from None


def check_new_folder(previous: Path, out: Path) -> None:
    """Raise LeapplanError unless ``out`` is a new or empty folder other than ``previous``."""
    if out.resolve() == previous.resolve():
        raise LeapplanError(f"{out}: write the new version to a folder of its own, not over the plan it revises")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise LeapplanError(f"{out} exists and is not an empty folder; choose a new folder for the new version")


def save_version(new: PlanResult, account: dict[str, Any], previous: Path, out: Path) -> dict[str, Any]:
    """Write ``new`` to ``out`` as the version after the plan in ``previous``, with ``version.json`` (number,
    previous folder, period, basis and the account of what changed); returns that record."""
    check_new_folder(previous, out)
    record = {
        "version": previous_version(previous) + 1,
        "previous": str(previous),
        "after": account["after"],
        "basis": account["basis"],
        "changes": account,
    }
    save_plan(new, out)
    (out / "version.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
    return record
