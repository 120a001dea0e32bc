"""Re-plan from what happened: the past fixed from (audited) reports, the remaining periods solved again.

The state at the end of a period, read from the plan in force and the reports of its enterprises:

* **Output in the past periods**, per (period, region, technology): the plan's figure, moved by each reporting
  enterprise's departure from its part of it (its share of the region's base capacity of that technology, the
  share the audit apportions a plan by): ``plan + Σ (figure − share × plan)``. A figure is the audit's estimate
  (``audit.estimate``: a report failing the capacity or material-balance check enters at that check's bound) or,
  with ``basis='reported'``, the report as it stands. Output no enterprise reports (new plants) stays as planned.
* **Building and rebuilding in the past periods**: as the plan started them (the reports say nothing of
  construction), so capacity under construction, furnaces rebuilt and the funds they took stand as planned.
* **Capacity in service**: an enterprise report may carry ``in_service`` [product units per year], the capacity
  standing at the end of the period; what is missing from the enterprise's capacity is out of service in every
  later period (a failed plant reports 0).
* **Decisions not to build**: where the plan in force builds nothing new because what it would build there stood
  idle (``solve_plan``'s rule on new capacity beside idle capacity), the re-plan builds nothing new there either,
  from its first stage; so it solves its stages once rather than again with that capacity left out. Only if
  the re-plan is then infeasible is the decision reconsidered.

The LP of the whole horizon is then built as for a plan and solved by the same stages with the same targets,
guardrails and objective (``solve_plan`` with an ``adjust`` hook), so the remaining periods are planned around
what happened, and what the past leaves in stocks, reserves and funds follows from the balances of the past
periods. Past output enters as an upper bound (``Σ x ≤ what happened``): what happened need not fit the plan's
balances (coal mined for iron that was never made has no use in them), and output beyond what the balances take
has no effect on later periods; past building enters fixed. The guardrails (``GUARDRAILS``) hold in the periods
ahead only, and in the past the households and the base year's deliveries took what was left (the balances
hold as 0 ≤ supply − uses ≤ demand there). The simulation's loop (``simulate.loop``) also knows the past harvests and what people ate, and
fixes them too (``grain``, ``eaten``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from leapplan.audit.estimate import audited_figures
from leapplan.errors import AuditError
from leapplan.plan.index import SEP
from leapplan.plan.model import PlanModel, SoftRows
from leapplan.plan.result import PlanResult
from leapplan.plan.solve import Progress, solve_plan
from leapplan.plan.terms import Terms
from leapplan.plan.upgrades import NAME as UPGRADE
from leapplan.scenario.model import Scenario

log = logging.getLogger(__name__)

Basis = Literal["audited", "reported"]
GROUP = ["period", "region", "technology", "product"]


@dataclass(frozen=True)
class PlanState:
    """What has happened up to the end of ``period`` (see the module docstring)."""

    period: str
    """The last period that has happened (its label, e.g. '1958')."""
    past: list[str]
    """The periods up to and including ``period``."""
    output: pd.DataFrame
    """[period, region, technology, product, planned, quantity]: output of every (region, technology) that made
    anything in a past period, by the plan and as it happened [product units in the period]."""
    builds: pd.DataFrame
    """[period, unit, new_capacity]: new capacity started in the past periods [product units per year]."""
    lost: pd.DataFrame
    """[unit, enterprise, lost]: capacity out of service from the next period on [product units per year]; with a
    column ``period``, each row only in that period (``lost_for`` then does not apply)."""
    figures: pd.DataFrame
    """The enterprise reports of the past periods: report_id, unit, period, product, reported, audited, basis, used."""
    flags: pd.DataFrame
    """The audit's flags on the reports."""
    basis: Basis
    grain: pd.DataFrame | None = None
    """[period, region, quantity]: grain harvested in the past periods where known (the simulation's loop) [t];
    the plan's grain in a past period is at most this."""
    lost_for: int | None = None
    """Periods after ``period`` that ``lost`` lasts (None: every later period)."""
    eaten: pd.DataFrame | None = None
    """[period, region, quantity]: grain households ate in the past periods where known [t]; the plan's is at
    least this (so that the reserve left is what eating it left)."""
    upgrades: pd.DataFrame | None = None
    """[period, path, rebuilt]: capacity rebuilt in the past periods (path 'region/upgrade/ownership') [old
    product units per year]; fixed, as building is (None: the plan's, read from nothing)."""
    no_new_capacity: tuple[str, ...] = ()
    """Build units where the plan in force builds nothing new because what it built there stood idle
    (``solve_plan``'s ``solver['no_new_capacity']``): the re-plan keeps that decision."""
    reserve: float | None = None
    """The state grain reserve counted in store at the end of ``period`` [t]: the plan's reserve then is at most
    this (None: what the past's balances leave, the books' figure)."""
    food_left_to_books: bool = False
    """What people ate in the past is left to the plan's books entirely, even below the ration the plan gave (and
    nobody counts as better fed there): for a past whose eating the books cannot balance, as the simulation's
    loop meets it (its state store feeds every region from one pool and hauls nothing)."""

    def apply(self, pm: PlanModel) -> None:
        """Fix the past in the plan LP ``pm`` (the ``adjust`` hook of ``solve_plan``)."""
        _fix_output(pm, self)
        _fix_builds(pm, self)
        _fix_upgrades(pm, self)
        _take_out(pm, self)
        _fix_grain(pm, self)
        _fix_eaten(pm, self)
        _fix_reserve(pm, self)
        _release_guardrails(pm, self)
        _release_past_demand(pm, self)


def read_state(
    scenario: Scenario,
    plan: PlanResult,
    reports: pd.DataFrame,
    *,
    period: str | None = None,
    basis: Basis = "audited",
    reserve: float | None = None,
) -> PlanState:
    """The state at the end of ``period`` (default: the latest period reported) from ``plan`` and ``reports``
    (columns as for ``leapplan audit``, optionally ``in_service``); ``reserve``: the grain reserve counted in store
    then [t] (None: the books'). Raises AuditError on bad reports or period."""
    periods = list(scenario.periods)
    figures, flags = audited_figures(scenario, reports, plan.production, support=plan.support)
    if period is None:
        if figures.empty:
            raise AuditError("no enterprise reports: nothing to re-plan from (give --period to re-plan anyway)")
        period = max(figures["period"].astype(str), key=periods.index)
    if period not in periods:
        raise AuditError(f"unknown period {period!r} (the scenario's periods are {', '.join(periods)})")
    k = periods.index(period)
    if k == len(periods) - 1:
        raise AuditError(f"{period} is the plan's last period: nothing is left to re-plan")
    past = periods[: k + 1]
    figures = figures[figures["period"].astype(str).isin(past)].copy()
    figures["used"] = figures["audited"] if basis == "audited" else figures["reported"]
    ent = {e.id: e for e in scenario.enterprises}
    return PlanState(
        period=period,
        past=past,
        output=_past_output(scenario, plan, figures, past),
        builds=past_builds(plan, past),
        upgrades=past_upgrades(plan, past),
        lost=_lost(reports, ent, period),
        figures=figures.reset_index(drop=True),
        flags=flags,
        basis=basis,
        no_new_capacity=kept_closed(plan),
        reserve=reserve,
    )


def kept_closed(plan: Any) -> tuple[str, ...]:
    """The build units the plan ``plan`` left without new capacity (its ``solver['no_new_capacity']``; none for
    a plan without solver information)."""
    solver = getattr(plan, "solver", None) or {}
    return tuple(str(u) for u in solver.get("no_new_capacity", ()))


def _past_output(scenario: Scenario, plan: PlanResult, figures: pd.DataFrame, past: list[str]) -> pd.DataFrame:
    prod = plan.production.assign(period=plan.production["period"].astype(str))
    planned = prod[prod["period"].isin(past)].groupby(GROUP, as_index=False)["quantity"].sum()
    planned = planned.rename(columns={"quantity": "planned"})
    techs = {t.id: t.product for t in scenario.technologies}
    ent = pd.DataFrame(
        {
            "unit": [e.id for e in scenario.enterprises],
            "region": [e.region for e in scenario.enterprises],
            "technology": [e.technology for e in scenario.enterprises],
            "capacity": [e.capacity for e in scenario.enterprises],
        }
    )
    ent["share"] = ent["capacity"] / ent.groupby(["region", "technology"])["capacity"].transform("sum")
    ent["product"] = ent["technology"].map(techs)
    rep = figures.merge(ent[["unit", "region", "technology", "share"]], on="unit")
    rep = rep.merge(planned, on=GROUP, how="left").fillna({"planned": 0.0})
    rep["departure"] = rep["used"] - rep["share"] * rep["planned"]
    moved = rep.groupby(GROUP, as_index=False)["departure"].sum()
    out = planned.merge(moved, on=GROUP, how="outer").fillna({"planned": 0.0, "departure": 0.0})
    out["quantity"] = (out["planned"] + out["departure"]).clip(lower=0.0)
    return out.drop(columns="departure").sort_values(GROUP, ignore_index=True)


def past_builds(plan: PlanResult, past: list[str]) -> pd.DataFrame:
    """[period, unit, new_capacity]: the capacity ``plan`` starts in the ``past`` periods (unit
    'region/technology/ownership') [units per year]."""
    b = plan.builds
    if not len(b):
        return pd.DataFrame({"period": [], "unit": [], "new_capacity": []})
    b = b.assign(period=b["period"].astype(str))
    b = b[b["period"].isin(past)]
    unit = b["region"].astype(str) + SEP + b["technology"].astype(str) + SEP + b["ownership"].astype(str)
    return b.assign(unit=unit).groupby(["period", "unit"], as_index=False)["new_capacity"].sum()


def past_upgrades(plan: PlanResult, past: list[str]) -> pd.DataFrame:
    """[period, path, rebuilt]: the capacity ``plan`` rebuilds in the ``past`` periods [units per year]."""
    u = plan.upgrades
    if u is None or not len(u):
        return pd.DataFrame({"period": [], "path": [], "rebuilt": []})
    u = u.assign(period=u["period"].astype(str))
    u = u[u["period"].isin(past)]
    path = u["region"].astype(str) + SEP + u["upgrade"].astype(str) + SEP + u["ownership"].astype(str)
    return u.assign(path=path).groupby(["period", "path"], as_index=False)["rebuilt"].sum()


def _lost(reports: pd.DataFrame, ent: dict[str, Any], period: str) -> pd.DataFrame:
    empty = pd.DataFrame({"unit": [], "enterprise": [], "lost": []})
    if "in_service" not in reports.columns:
        return empty
    r = reports[reports["period"].astype(str) == period]
    r = r[r["in_service"].notna() & r["unit"].astype(str).isin(list(ent))]
    rows = []
    for eid, value in zip(r["unit"].astype(str), r["in_service"], strict=True):
        v = pd.to_numeric(value, errors="coerce")
        if not np.isfinite(v) or v < 0:
            raise AuditError(f"{eid} in {period}: in_service {value!r} is not a capacity (a number ≥ 0)")
        e = ent[eid]
        lost = max(e.capacity - float(v), 0.0)
        if lost > 0:
            rows.append((SEP.join((e.region, e.technology, str(e.ownership))), eid, lost))
    return pd.DataFrame(rows, columns=["unit", "enterprise", "lost"]) if rows else empty


def _fix_output(pm: PlanModel, state: PlanState) -> None:
    """Rows Σ x[p, u] over the units of (region, technology) ≤ the state's output, for every past period and
    every (region, technology) of the plan (0 where nothing was made)."""
    u = pm.index.units
    periods = list(pm.index.periods)
    X = np.asarray(pm.model.variables["x"].labels.values)
    groups = (u["region"] + SEP + u["technology"]).to_numpy()
    names, col = np.unique(groups, return_inverse=True)
    ks = [periods.index(p) for p in state.past]
    G = pd.Index([f"{periods[k]}{SEP}{g}" for k in ks for g in names], name="past_output")
    terms = Terms([G])
    n = len(names)
    for j, k in enumerate(ks):
        terms.add(j * n + col, X[k], 1.0)
    want = pd.Series(0.0, index=G)
    o = state.output
    keys = o["period"].astype(str) + SEP + o["region"] + SEP + o["technology"]
    known = keys.isin(G)
    if (~known & (o["quantity"] > 0)).any():
        raise AuditError(f"output of {', '.join(keys[~known])} has no unit in the plan")
    want[keys[known].to_numpy()] = o["quantity"][known].to_numpy()
    product = pd.Series(u["product"].to_numpy(), index=groups).groupby(level=0).first().reindex(names)
    scale = pm.index.products["scale"].reindex(product.to_numpy()).to_numpy()
    pm.rows.add(
        pm.model,
        terms,
        "<=",
        terms.dataarray(want.to_numpy()),
        name="past_output",
        scaling=terms.dataarray(np.tile(1.0 / scale, len(ks))),
    )


def _fix_builds(pm: PlanModel, state: PlanState) -> None:
    """New capacity started in the past periods fixed at the state's (bounds lower = upper)."""
    _fix_past(pm, "b", "build", state.past, state.builds, "unit", "new_capacity", "builds")


def _fix_upgrades(pm: PlanModel, state: PlanState) -> None:
    """Capacity rebuilt in the past periods fixed at the state's: a re-plan cannot undo a furnace rebuilt last
    year, and the capacity tables of the versions then agree."""
    if state.upgrades is not None and UPGRADE in pm.model.variables:
        _fix_past(pm, UPGRADE, "path", state.past, state.upgrades, "path", "rebuilt", "rebuilds")


def _fix_past(
    pm: PlanModel, name: str, dim: str, past: list[str], frame: pd.DataFrame, key: str, column: str, verb: str
) -> None:
    """Variable ``name`` [period, ``dim``] fixed (lower = upper) in the ``past`` periods at ``frame``'s ``column``
    for its (period, ``key``) rows and at 0 elsewhere there."""
    v = pm.model.variables[name]
    index = pd.Index(v.labels.coords[dim].values)
    periods = list(pm.index.periods)
    lower = np.array(np.broadcast_to(np.asarray(v.lower.values, dtype=float), v.labels.shape))
    upper = np.array(np.broadcast_to(np.asarray(v.upper.values, dtype=float), v.labels.shape))
    ks = [periods.index(p) for p in past]
    lower[ks, :] = 0.0
    upper[ks, :] = 0.0
    for period, item, value in frame[["period", key, column]].itertuples(index=False):
        j = index.get_indexer([item])[0]
        if j < 0:
            raise AuditError(f"the plan {verb} {item} in {period}, which the scenario cannot")
        k = periods.index(str(period))
        lower[k, j] = upper[k, j] = float(value)
    coords = v.labels.coords
    v.update(lower=xr.DataArray(lower, coords=coords), upper=xr.DataArray(upper, coords=coords))


def _take_out(pm: PlanModel, state: PlanState) -> None:
    """Capacity out of service after the state's period: the capacity rows of the units of each (region,
    technology) concerned, summed, again with their base capacity less what was lost (rows 'in_service')."""
    if state.lost.empty:
        return
    u = pm.index.units
    group = (u["region"] + SEP + u["technology"]).to_numpy()
    parts = state.lost["unit"].astype(str).str.split(SEP)
    row_group = parts.str[0] + SEP + parts.str[1]
    names = set(row_group)
    missing = names - set(group)
    if missing:
        raise AuditError(f"capacity out of service at {', '.join(sorted(missing))}, which the plan does not have")
    G = pd.Index(sorted(names), name="in_service")
    at = G.get_indexer(group)
    periods = list(pm.index.periods)
    nP, nU, nG = len(periods), len(u), len(G)
    rows, labels, coeffs = pm.rows["capacity"].flat()
    p, k = rows // nU, at[rows % nU]
    terms = Terms([pm.index.periods, G])
    terms.add(np.where(k >= 0, p * nG + k, -1), labels, coeffs)
    base = pd.Series(u["base"].to_numpy(), index=group).groupby(level=0).sum().reindex(G).to_numpy()
    rhs = (base[None, :] - _lost_by_period(state, G.get_indexer(row_group), nG, periods)) * pm.index.dt
    product = pd.Series(u["product"].to_numpy(), index=group).groupby(level=0).first().reindex(G).to_numpy()
    scale = pm.index.products["scale"].reindex(product).to_numpy()
    pm.rows.add(
        pm.model,
        terms,
        "<=",
        terms.dataarray(rhs),
        name="in_service",
        scaling=terms.dataarray(np.tile(1.0 / scale, (nP, 1))),
    )


def _lost_by_period(state: PlanState, at: np.ndarray, nG: int, periods: list[str]) -> np.ndarray:
    """(periods, nG) capacity out of service per period and (region, technology) group [product units per year],
    ``at`` the group of each row of ``state.lost``: rows with a period in that period, the others in the
    ``lost_for`` periods after the state's."""
    out = np.zeros((len(periods), nG))
    first = periods.index(state.period) + 1
    if "period" in state.lost.columns:
        when = pd.Index(periods).get_indexer(state.lost["period"].astype(str))
        if (when < first).any():
            raise AuditError("capacity out of service in a period that has happened")
        np.add.at(out, (when, at), state.lost["lost"].to_numpy(dtype=float))
        return out
    last = len(periods) if state.lost_for is None else min(len(periods), first + state.lost_for)
    lost = np.zeros(nG)
    np.add.at(lost, at, state.lost["lost"].to_numpy(dtype=float))
    out[first:last] = lost
    return out


def _fix_grain(pm: PlanModel, state: PlanState) -> None:
    """Grain harvested in a past period at most what the state says (bounds)."""
    _bound_regions(pm, "grain", state.grain, "upper")


def _fix_eaten(pm: PlanModel, state: PlanState) -> None:
    """Grain eaten in a past period at least what the state says (bounds)."""
    _bound_regions(pm, "food", state.eaten, "lower")


def _fix_reserve(pm: PlanModel, state: PlanState) -> None:
    """The reserve at the end of the last past period, all granaries together, at most what was counted in store
    (a row): the past's balances leave the books free to skip deliveries and output that took grain, which would
    keep grain in a reserve that has gone. The reserve's rows ahead (its floor at the year ends, the harvest-risk
    cover) then get gaps, and refilling it is the re-plan's first level (``SoftRows``): a store a bad year emptied
    cannot always be refilled by the next year's end, and the plan should refill it as far as the harvests allow
    rather than fail."""
    if state.reserve is None or "stock" not in pm.model.variables:
        return
    m = pm.model
    v = m.variables["stock"]
    at = [str(p) for p in pm.index.periods].index(state.period)
    held = np.asarray(v.labels.values)[at]
    if not held.size:  # nobody to hold a reserve for
        return
    counted = Terms([pd.Index([state.period], name="reserve_counted")])
    counted.add(np.zeros(held.size, dtype=np.int64), held, 1.0)
    scaling = float(np.asarray(v.scaling.values).ravel()[0])
    pm.rows.add(m, counted, "<=", max(float(state.reserve), 0.0), name="reserve_counted", scaling=scaling)
    reserve = max(float(pm.scenario.agriculture.reserve), 1.0)
    labels, coeffs = [], []
    for name, sign in (("reserve_floor", 1.0), ("reserve_cover", -1.0)):
        if name not in m.constraints or name not in pm.rows.families:
            continue
        terms = pm.rows[name]
        gap = m.add_variables(lower=0, coords=terms.coords, name=f"{name}_gap", scaling=scaling)
        gl = np.asarray(gap.labels.values).ravel()
        terms.add(np.arange(gl.size), gl, sign)
        _add_again(pm, name, m.constraints[name].labels >= 0)
        # a risk window's cover short (rows [window, sample]) counts as its mean over the window's samples
        weight = 1.0 / terms.shape[1] if name == "reserve_cover" else 1.0
        labels.append(gl)
        coeffs.append(np.full(gl.size, weight / reserve))
    if labels:
        pm.soft.append(
            SoftRows(
                "grain reserve",
                np.concatenate(labels),
                np.concatenate(coeffs),
                "percentage points",
                100.0,
                "of the grain reserve short at the year ends and of its harvest-risk cover",
            )
        )


def _bound_regions(pm: PlanModel, name: str, frame: pd.DataFrame | None, side: str) -> None:
    """Set the ``side`` bound of variable ``name`` [period, region] to ``frame``'s quantity [period, region,
    quantity] (regions the variable does not have are left out)."""
    if frame is None or not len(frame):
        return
    v = pm.model.variables[name]
    periods = list(pm.index.periods)
    regions = pd.Index(v.labels.coords[v.labels.dims[1]].values)
    bound = np.array(np.broadcast_to(np.asarray(getattr(v, side).values, dtype=float), v.labels.shape))
    j = regions.get_indexer(frame["region"])
    k = np.array([periods.index(str(p)) for p in frame["period"]], dtype=np.int64)
    ok = j >= 0
    bound[k[ok], j[ok]] = np.maximum(frame["quantity"].to_numpy(dtype=float)[ok], 0.0)
    v.update(**{side: xr.DataArray(bound, coords=v.labels.coords)})


GUARDRAILS = ("food_floor", "min_farm", "grain_floor", "agriculture_value", "risk", "reserve_cover", "reserve_floor")
"""Guardrail rows that hold in the periods ahead only: in the past, food, farm labour, harvests, the reserve and its
cover were what they were (a bad harvest there makes no re-plan infeasible). The ``fed`` rows (food − fed ≥ the
guardrail's ration) still hold people's food in the past at the ration unless ``PlanState.food_left_to_books``."""


def _release_guardrails(pm: PlanModel, state: PlanState) -> None:
    """The GUARDRAILS rows of the past periods left out (and the ``fed`` rows, ``fed`` itself 0 there, when the
    state leaves the past's food to the books): each family is added again from its terms, masked there (its rows
    are frozen, so it is replaced rather than changed)."""
    periods = [str(p) for p in pm.index.periods]
    m = pm.model
    for name in GUARDRAILS + (("fed",) if state.food_left_to_books else ()):
        if name not in m.constraints or name not in pm.rows.families:
            continue
        c = m.constraints[name]
        labels = c.labels
        # the family's period dimension: all periods, or some of them (the reserve's year ends)
        dims = [d for d in labels.dims if {str(v) for v in labels.coords[d].values} <= set(periods)]
        if not dims:
            continue
        at = [str(v) for v in labels.coords[dims[0]].values]
        ahead = xr.DataArray(~np.isin(at, state.past), coords={dims[0]: labels.coords[dims[0]]})
        _add_again(pm, name, (labels >= 0) & ahead)
    if state.food_left_to_books and "fed" in m.constraints:
        _fix_past(pm, "fed", pm.layout.people.name, state.past, _NOTHING, "region", "fed", "feeds")


_NOTHING = pd.DataFrame({"period": [], "region": [], "fed": []})
"""No figures: ``_fix_past`` then fixes a variable at 0 in the past."""


def _add_again(pm: PlanModel, name: str, mask: xr.DataArray) -> None:
    """Constraint family ``name`` added again from its terms (``pm.rows``), on its rows where ``mask``: its rows
    are frozen, so a family is replaced rather than changed."""
    m = pm.model
    c = m.constraints[name]
    sign = str(np.asarray(c.sign.values).ravel()[0])
    rhs = c.rhs.fillna(0.0)  # NaN where the family was masked already
    scaling = c.scaling.fillna(1.0) if isinstance(c.scaling, xr.DataArray) else c.scaling
    m.remove_constraints(name)
    pm.rows.add(m, pm.rows[name], sign, rhs, name=name, mask=mask, scaling=scaling)


def _release_past_demand(pm: PlanModel, state: PlanState) -> None:
    """In the past periods the balances' households and base-year deliveries took what was left: their rows
    (``balance`` and ``pool``, equalities supply − uses = demand) become 0 ≤ supply − uses ≤ demand there."""
    periods = [str(p) for p in pm.index.periods]
    m = pm.model
    for name in ("balance", "pool"):
        if name not in m.constraints or name not in pm.rows.families:
            continue
        c = m.constraints[name]
        labels = c.labels
        dim = labels.dims[0]
        past = xr.DataArray(np.isin(periods, state.past), coords={dim: labels.coords[dim]})
        live = labels >= 0
        rhs = c.rhs.fillna(0.0)
        scaling = c.scaling.fillna(1.0) if isinstance(c.scaling, xr.DataArray) else c.scaling
        terms = pm.rows[name]
        m.remove_constraints(name)
        pm.rows.add(m, terms, "==", rhs, name=name, mask=live & ~past, scaling=scaling)
        pm.rows.add(m, terms, ">=", 0.0, name=f"{name}_past_low", mask=live & past, scaling=scaling)
        pm.rows.add(m, terms, "<=", rhs, name=f"{name}_past_high", mask=live & past, scaling=scaling)
        pm.rows.families[name] = terms


def replan(
    scenario: Scenario,
    state: PlanState,
    *,
    solver_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    explain: bool = True,
    settle: bool = True,
) -> PlanResult:
    """The plan for the periods after ``state.period`` with the past fixed at ``state`` (same targets,
    guardrails and objective as ``solve_plan``); the result covers the whole horizon, the past as it happened.
    ``explain`` False leaves out the weak links (``solve_plan``). A level whose targets fall in the past needs no
    stage of its own where the first stage already has it at the least the past allows (``solve_plan``'s
    ``past``); ``settle`` False solves every level by a stage as a plan does (the same plan to the solver's
    tolerance)."""
    log.info("re-planning %s after %s from %d %s figures", scenario.name, state.period, len(state.figures), state.basis)
    kw: dict[str, Any] = dict(
        solver_options=solver_options,
        progress=progress,
        adjust=state.apply,
        explain=explain,
        past=state.past if settle else (),
    )
    result = solve_plan(scenario, no_new_capacity=state.no_new_capacity, **kw)
    if result.status.value == "infeasible" and state.no_new_capacity:
        # what happened may need capacity where the plan in force found it idle: the decision is reconsidered
        result = solve_plan(scenario, **kw)
    result.solver["replan"] = {
        "after": state.period,
        "basis": state.basis,
        "fixed_periods": state.past,
        "reports": len(state.figures),
        "replaced_by_audit": int((state.figures["basis"] != "reported").sum()),
        "capacity_out_of_service": float(state.lost["lost"].sum()) if len(state.lost) else 0.0,
    }
    return result
