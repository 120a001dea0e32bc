"""Targets as LP rows: metric(year) + norm × short ≥ required, with short the relative shortfall.

Metrics count *usable* output (gross output × the technology's usable share): output that fails
quality does not count, in the plan years and in the base year alike (the base year is read from the
enterprises' base output the same way; farm grain is all usable).

* ``absolute``:        metric ≥ value                        norm = value
* ``ratio_to_base``:   metric ≥ value × base-year metric     norm = value × base
* ``ratio_to_metric``: metric ≥ value × reference(year)      norm = value × base-year reference
  With ``guardrails.reference_floor`` the reference counts at no less than its base-year value: metric ≥ R,
  R ≥ value × reference(year), R ≥ value × base-year reference (a variable R = ``reference[target]``), so that a
  target "industry ≥ agriculture" cannot be met by lowering agriculture.
Metrics: ``output_value`` = Σ usable output × base-year price [yuan] (farm grain counts as collective
output, inside scopes without an ownership filter), ``output`` = usable output [product unit],
``new_plants`` = new capacity / typical plant size, counting plants started in the plan and
finished (built) by the end of the target year [plants].
A hard target's shortfall is fixed at 0 (it may move only in the infeasibility diagnosis).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from linopy import Model

from leapplan.plan.index import PlanIndex
from leapplan.plan.terms import Rows, Terms
from leapplan.scenario.accounts import _unit, base_output, measure, subtree
from leapplan.scenario.model import Metric, Scenario, Scope, TargetKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TargetRows:
    """The targets as laid out in the LP."""

    frame: pd.DataFrame
    """index target; description, year, hard, priority, kind, unit, base, norm, rhs, in_horizon."""
    metric: tuple[np.ndarray, np.ndarray, np.ndarray]
    """(row, label, coeff) triplets of each target's metric [target unit]."""
    reference: tuple[np.ndarray, np.ndarray, np.ndarray]
    """(row, label, coeff) triplets of value × reference metric, for ratio_to_metric targets."""
    counted: np.ndarray
    """Label of each target's ``reference`` variable (value × the reference it counts), −1 for other kinds."""


def scope_terms(m: Model, s: Scenario, ix: PlanIndex, scope: Scope, year: int) -> tuple[np.ndarray, np.ndarray]:
    """(labels, coeffs) of the scope's metric in ``year`` over the plan variables [metric unit]."""
    units = ix.units
    if scope.metric is Metric.new_plants:
        frame = units[units["buildable"]]
        ok = _scope_units(s, frame, scope)
        B = np.asarray(m.variables["b"].labels.values)
        cols = np.flatnonzero(ok)
        per = 1.0 / frame["plant_size"].to_numpy()[cols]
        done_by = year - (s.base_year + 1) + 1.0
        finished = ix.start[:, None] + frame["build_time"].to_numpy()[cols][None, :] <= done_by + 1e-9
        rows = [(np.where(finished[p], B[p, cols], -1), per) for p in range(len(ix.periods))]
        return _stack(rows)
    ok = _scope_units(s, units, scope)
    X = np.asarray(m.variables["x"].labels.values)
    coeff = units["usable"].to_numpy() * (units["price"].to_numpy() if scope.metric is Metric.output_value else 1.0)
    cols = np.flatnonzero(ok)
    rows = [(X[p, cols], coeff[cols]) for p in np.flatnonzero(ix.year == year)]
    grain_id = s.agriculture.grain_product
    if (
        not scope.ownership
        and (scope.sector is None or scope.sector.value == ix.products.at[grain_id, "sector"])
        and scope.product in (None, grain_id)
    ):
        farms = pd.Index(m.variables["grain"].labels.coords["farm"].values)
        inside = farms.isin(subtree(s, scope.region)) if scope.region else np.ones(len(farms), dtype=bool)
        G = np.asarray(m.variables["grain"].labels.values)
        price = ix.products.at[grain_id, "price"] if scope.metric is Metric.output_value else 1.0
        fc = np.flatnonzero(inside)
        rows += [(G[p, fc], np.full(fc.size, price)) for p in np.flatnonzero(ix.year == year)]
    return _stack(rows)


def _stack(rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate([r[0] for r in rows]), np.concatenate([r[1] for r in rows])


def _scope_units(s: Scenario, units: pd.DataFrame, scope: Scope) -> np.ndarray:
    ok = np.ones(len(units), dtype=bool)
    if scope.sector is not None:
        ok &= units["sector"].to_numpy() == scope.sector.value
    if scope.ownership:
        ok &= units["ownership"].isin([o.value for o in scope.ownership]).to_numpy()
    if scope.region is not None:
        ok &= units["region"].isin(subtree(s, scope.region)).to_numpy()
    if scope.product is not None:
        ok &= units["product"].to_numpy() == scope.product
    return ok


def add_targets(m: Model, s: Scenario, ix: PlanIndex, rows_out: Rows, *, elastic: bool) -> TargetRows:
    """Add the shortfall variables ``short[target]`` and rows ``target[target]`` to ``m``."""
    T = pd.Index([t.id for t in s.targets], name="target")
    base_frame = base_output(s, usable=True)
    rows = []
    for t in s.targets:
        base = 0.0 if t.scope.metric is Metric.new_plants else measure(s, base_frame, t.scope)
        if t.kind is TargetKind.absolute:
            norm, rhs = t.value, t.value
        elif t.kind is TargetKind.ratio_to_base:
            norm, rhs = t.value * base, t.value * base
        else:
            assert t.reference is not None
            norm, rhs = t.value * measure(s, base_frame, t.reference), 0.0
        in_horizon = bool((ix.year == t.year).any())
        if not in_horizon:
            log.warning("target %s is due in %d, outside the plan years; it is left out", t.id, t.year)
        rows.append(
            (
                t.description,
                t.year,
                t.hard,
                t.priority,
                t.kind.value,
                _unit(s, t.scope),
                base,
                norm if norm > 0 else 1.0,
                rhs,
                in_horizon,
            )
        )
    cols = ["description", "year", "hard", "priority", "kind", "unit", "base", "norm", "rhs", "in_horizon"]
    frame = pd.DataFrame(rows, columns=cols, index=T)
    fixed = (~frame["in_horizon"]) | (frame["hard"] & (not elastic)) if len(T) else frame["hard"]
    upper = np.where(fixed.to_numpy(dtype=bool), 0.0, np.where(frame["kind"] == "ratio_to_metric", np.inf, 1.0))
    short = m.add_variables(lower=0, upper=xr.DataArray(upper, coords=[T]), coords=[T], name="short")
    metric, ref = Terms([T]), Terms([T])
    for k, t in enumerate(s.targets):
        if not frame["in_horizon"].iat[k]:
            continue
        labels, coeffs = scope_terms(m, s, ix, t.scope, t.year)
        metric.add(np.full(labels.size, k), labels, coeffs)
        if t.reference is not None:
            labels, coeffs = scope_terms(m, s, ix, t.reference, t.year)
            ref.add(np.full(labels.size, k), labels, t.value * coeffs)
    live = frame["in_horizon"].to_numpy(dtype=bool)
    ratio = (frame["kind"] == "ratio_to_metric").to_numpy() & live
    floor = np.where(ratio & s.guardrails.reference_floor, frame["norm"].to_numpy(), 0.0)
    counted = m.add_variables(
        lower=xr.DataArray(floor, coords=[T]),
        coords=[T],
        name="reference",
        mask=xr.DataArray(ratio, coords=[T]),
        scaling=xr.DataArray(1 / frame["norm"].to_numpy(), coords=[T]),
    )
    R = np.asarray(counted.labels.values)
    row = Terms([T])
    r, lab, c = metric.flat()
    row.add(r, lab, c)
    row.add(np.arange(len(T)), R, -1.0)
    row.add(np.arange(len(T)), np.asarray(short.labels.values), frame["norm"].to_numpy())
    if ratio.any():
        counts = Terms([pd.Index(T, name="reference_target")])
        counts.add(np.arange(len(T)), R, 1.0)
        r, lab, c = ref.flat()
        counts.add(r, lab, -c)
        rows_out.add(m, counts, ">=", 0.0, name="reference", mask=counts.dataarray(ratio) > 0, scaling=counts.dataarray(1 / frame["norm"].to_numpy()))
    if live.any():
        rows_out.add(
            m,
            row,
            ">=",
            row.dataarray(frame["rhs"].to_numpy()),
            name="target",
            mask=row.dataarray(live) > 0,
            scaling=row.dataarray(1 / frame["norm"].to_numpy()),
        )
    return TargetRows(frame, metric.flat(), ref.flat(), R)
