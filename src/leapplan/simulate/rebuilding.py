"""Upgrades carried out: plants the plan rebuilds as another technology (the plan's ``upgrades`` table).

The plan's capacity table already has the old plants out of service from the period the rebuilding starts and the
rebuilt capacity in service ``time`` later. Carried out, the rebuilt capacity comes like new capacity does: late
by the build-delay friction (exponential, mean ``build_delay`` × the upgrade's time) and ramping up by the learning
friction, but from a higher start, since part of the workforce stays on: output starts at
``ramp_start + workforce_kept × (1 − ramp_start)`` of full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leapplan.errors import SimulationError
from leapplan.scenario.model import Scenario
from leapplan.simulate.mechanisms import late_by, ramp


@dataclass(frozen=True)
class Rebuilt:
    """Capacity rebuilt per period and cell, with the upgrade's time and the workforce it keeps."""

    started: np.ndarray
    """(T, C) new capacity whose rebuilding starts in the period [units per year]."""
    periods: np.ndarray
    """(C,) periods from the start of rebuilding to the planned first output [-]."""
    time: np.ndarray
    """(C,) the upgrade's time [years]."""
    kept: np.ndarray
    """(C,) share of the workforce kept [-]."""


def from_plan(s: Scenario, plan: Any, periods: list[str], cells: list[tuple[str, str]], dt: float) -> Rebuilt | None:
    """The rebuilt capacity of ``plan`` on the simulation's cells; None when the plan rebuilds nothing."""
    table = getattr(plan, "upgrades", None)
    if not isinstance(table, pd.DataFrame) or table.empty or not s.upgrades:
        return None
    by_id = {u.id: u for u in s.upgrades}
    tidx = {p: i for i, p in enumerate(periods)}
    cidx = {c: i for i, c in enumerate(cells)}
    T, C = len(periods), len(cells)
    started = np.zeros((T, C))
    time = np.zeros(C)
    kept = np.zeros(C)
    for period, region, upgrade, tech, cap in zip(
        table["period"].astype(str),
        table["region"],
        table["upgrade"],
        table["to_technology"],
        table["new_capacity"],
        strict=True,
    ):
        c = cidx.get((region, tech))
        u = by_id.get(upgrade)
        if c is None or u is None or period not in tidx:
            continue
        started[tidx[period], c] += float(cap)
        time[c], kept[c] = u.time, u.workforce_kept  # one upgrade leads to a technology in a region
    if not started.any():
        return None
    return Rebuilt(started, np.ceil(time / dt - 1e-9).astype(np.int64), time, kept)


def check(r: Rebuilt, capacity: np.ndarray, periods: list[str], cells: list[tuple[str, str]]) -> None:
    """Raise SimulationError where the plan's capacity table (T, C) [units per year] has less capacity in service
    than its upgrades rebuild into a cell by then (the two tables of one plan disagree: carried out, the cell
    would have negative capacity)."""
    T = len(periods)
    due = np.zeros_like(capacity)
    for s in range(T):
        for c in np.flatnonzero(r.started[s]):
            first = s + int(r.periods[c])
            if first < T:
                due[first:, c] += r.started[s, c]
    short = due - capacity
    bad = np.argwhere(short > 1e-6 * np.maximum(due, 1.0))
    if len(bad):
        t, c = bad[0]
        region, tech = cells[c]
        raise SimulationError(
            f"the plan's upgrades rebuild {due[t, c]:,.6g} a year of {tech} at {region} in service by {periods[t]}, "
            f"but its capacity table has {capacity[t, c]:,.6g}: the two tables disagree (a plan spliced from "
            "versions that differ in their upgrades?)"
        )


def lag(r: Rebuilt, settings: dict[str, float], dt: float, delay: np.ndarray | None) -> np.ndarray:
    """(n, T, C) periods that rebuilding started in each period comes late [-]. ``delay`` (n, T, C): the runs'
    standard exponential draws, or None without build delays (then n = 1 and no lag)."""
    if delay is None:
        return np.zeros((1, *r.started.shape))
    return late_by(delay, settings["build_delay"], r.time, dt)


def carried_out(
    r: Rebuilt,
    settings: dict[str, float],
    learning_time: np.ndarray,
    dt: float,
    lag: np.ndarray,
    learning: bool,
) -> np.ndarray:
    """(n, T, C) capacity in service the rebuilding changes, carried out less the plan's own figure (the plan's
    capacity table has the rebuilt capacity on time and at full output) [units per year]. ``lag`` (n, T, C):
    periods each period's rebuilding comes late (``lag``)."""
    T, C = r.started.shape
    n = lag.shape[0]
    out = np.zeros((n, T, C))
    ramp0 = settings["ramp_start"] + r.kept * (1 - settings["ramp_start"])
    for s in range(T):
        new = r.started[s]
        if not new.any():
            continue
        planned = s + r.periods
        arrive = planned + lag[:, s]
        for t in range(s, T):
            out[:, t] -= new * (t >= planned)
            age = t - arrive
            eff = ramp(np.maximum(age, 0), dt, ramp0, learning_time[t]) if learning else 1.0
            out[:, t] += new * (age >= 0) * eff
    return out
