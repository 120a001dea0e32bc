"""The plan LP in linopy: variables, then one ``define_*`` function per constraint family.

Variables (all ≥ 0, quantities per period unless noted):
  x[period, unit]          gross output of a unit (region/technology/ownership) [product units]
  b[period, build]         new annual capacity started in the period [product units per year]
  s[period, flow]          shipment along a link in one direction [product units]
  imp[period, entry]       imports into a region from outside the scenario [product units]
  exp[period, exit]        deliveries out of the scenario (central allocation) [product units]
  farm[period, farm]       farm workers in a region [persons], grain[period, farm] grain output [t]
  food[period, people]     grain eaten by households [t]; fed[period, people] the part above the guardrail that
                           counts as better fed (up to satiation) [t]
  lift[period]             share above the guardrail by which every region is fed in that period [-]
  more[period, node]       household consumption of a consumer good above the base year's per head [units]
  dump[period, grain node] grain nobody eats, stores or uses [t]
  put, take[period, people] grain into / out of the state reserve at a region [t]; stock[period, people] the
                           reserve held in the region's granaries at the end of the period [t]
  uncovered[window, sample, period, farm] harvest shortfall a region's margin above the food floor does not
                           cover in a run of adverse harvests, to be covered from the reserve [t]
  moved[period, farm]      share of the base year's farm workers out of the fields [-]
  spend[period, pair]      funds of a fund class spent on a unit's new capacity [yuan]
  n[period, assignment]    network technicians a hub keeps at a member [persons]
  z[period, zone_link]     zone-centre technicians sent to a member county [persons]
  d[period, agreement]     deliveries under a zone agreement [agreement unit]
  up[period, path]         capacity of an existing unit rebuilt as another technology (``upgrades.py``) [units/yr]
  short[target]            relative shortfall of a target [-];  slack[agreement] of an agreement [-]
  reference[target]        the reference metric a ratio_to_metric target counts [metric unit]
With ``elastic=True`` (diagnosis of an infeasible plan) the guardrails and balances get slacks too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from linopy import Model, Variable

from leapplan.plan.index import PlanIndex
from leapplan.plan.layout import Layout, build_layout
from leapplan.plan.targets import TargetRows, add_targets
from leapplan.plan.terms import RowFilter, Rows
from leapplan.scenario.model import Scenario
from leapplan.simulate.harvest import RiskOutcomes

log = logging.getLogger(__name__)

RISK_SAMPLES = 8
"""Draws of the regions' own shocks and harvest draws for each run of adverse harvests; the plan covers the worst
of them, judged at base-year harvests (one row per run: more rows cost time in every stage)."""


@dataclass(frozen=True)
class SoftRows:
    """Rows given gap variables (a re-plan's ``adjust`` adds them): ``solve_plan`` makes Σ coeffs × gap a level
    minimised before every target and held after, named ``name`` and measured as ``unit`` × ``scale``."""

    name: str
    labels: np.ndarray
    """The gap variables' labels."""
    coeffs: np.ndarray
    """Level units per unit of each gap."""
    unit: str
    scale: float
    what: str


@dataclass
class PlanModel:
    """A built plan LP with the coordinates needed to read it back."""

    model: Model
    index: PlanIndex
    scenario: Scenario
    targets: TargetRows
    elastic: bool
    layout: Layout
    risk: RiskOutcomes | None
    """The adverse harvest outcomes the plan covers (None when ``guardrails.food_risk`` is 0)."""
    empty_rows: list[str] = field(default_factory=list)
    """Balance rows with a demand but nothing that could supply them (the plan is infeasible)."""
    rows: Rows = field(default_factory=Rows)
    """Every constraint family with the (row, label, coeff) triplets it was built from."""
    interior: bool = False
    """The solution is an interior point method's (its dust is read as 0 in the tables)."""
    soft: list[SoftRows] = field(default_factory=list)
    """Hard rows a re-plan's past has put out of reach, held as far as they can be before every target."""
    remote: Callable[[str, np.ndarray], list[Any]] | None = None
    """A decomposed plan's centre (``decomposed.build_decomposed``): given a family and the solution by variable
    label, each host's (price, |right-hand side|, gross flow) of its rows of the family, or None
    (``weak_links.family_values``)."""

    @property
    def nodes(self) -> pd.DataFrame:
        return self.layout.nodes

    @property
    def flows(self) -> pd.DataFrame:
        return self.layout.flows

    @property
    def imports(self) -> pd.DataFrame:
        return self.layout.imports

    @property
    def exports(self) -> pd.DataFrame:
        return self.layout.exports

    @property
    def farms(self) -> pd.Index:
        return self.layout.farms

    @property
    def people(self) -> pd.Index:
        return self.layout.people

    def var(self, name: str) -> Variable:
        return self.model.variables[name]


@dataclass
class Build:
    """What every ``define_*`` function needs: the model under construction and its coordinates."""

    m: Model
    s: Scenario
    ix: PlanIndex
    lay: Layout
    rows: Rows
    elastic: bool
    risk: RiskOutcomes | None = None
    empty_rows: list[str] = field(default_factory=list)

    @property
    def P(self) -> pd.Index:
        return self.ix.periods

    @property
    def nP(self) -> int:
        return len(self.ix.periods)

    @property
    def step(self) -> float:
        return self.ix.dt

    def labels(self, name: str) -> np.ndarray:
        """Variable labels of ``name`` as an array (−1 where masked)."""
        return np.asarray(self.m.variables[name].labels.values)

    def per(self, coords: pd.Index, values: np.ndarray | float) -> xr.DataArray:
        """``values`` over ``coords``, the same in every period."""
        row = np.broadcast_to(np.asarray(values, dtype=float), (len(coords),))
        return xr.DataArray(np.tile(row, (self.nP, 1)), coords=[self.P, coords])

    def inv_scale(self, products: pd.Series | np.ndarray | list[str]) -> np.ndarray:
        """1 / typical size of each product (linopy's variable and row scaling)."""
        return 1.0 / self.ix.products["scale"].reindex(np.asarray(products, dtype=object)).to_numpy()


def row(p: np.ndarray | int, k: np.ndarray, n: int) -> np.ndarray:
    """Flat row index of (period p, column k) on a (period, n) grid; −1 where k is −1 (no such row)."""
    k = np.asarray(k)
    return np.where(k >= 0, np.asarray(p) * n + k, -1)


def grid(nP: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Period and column index arrays for a (period, n) grid, flattened in C order."""
    return np.repeat(np.arange(nP), n), np.tile(np.arange(n), nP)


def _variables(b: Build) -> None:
    """Every variable of the plan LP (see the module docstring)."""
    from leapplan.plan.food import FOOD_SATIATION, consumer_nodes, grain_nodes

    m, ix, lay, P = b.m, b.ix, b.lay, b.P
    units = ix.units
    U = pd.Index(units.index, name="unit")
    build = units[units["buildable"]]
    V = pd.Index(build.index, name="build")
    grain_inv = float(b.inv_scale([b.s.agriculture.grain_product])[0])
    m.add_variables(lower=0, coords=[P, U], name="x", scaling=b.per(U, b.inv_scale(units["product"])))
    m.add_variables(
        lower=0,
        coords=[P, V],
        name="b",
        scaling=b.per(V, b.inv_scale(build["product"])),
        mask=xr.DataArray(ix.avail.sum(axis=1) > 0, coords=[P, V]),
    )
    for name, frame in (("s", lay.flows), ("imp", lay.imports), ("exp", lay.exports)):
        m.add_variables(
            lower=0, coords=[P, frame.index], name=name, scaling=b.per(frame.index, b.inv_scale(frame["product"]))
        )
    m.add_variables(lower=0, coords=[P, lay.farms], name="farm", scaling=1e-4)
    m.add_variables(lower=0, coords=[P, lay.farms], name="grain", scaling=grain_inv)
    campaign = b.risk is not None and b.s.simulation.harvest_draw_campaign > 0
    m.add_variables(lower=0, upper=1, coords=[P, lay.farms], name="moved", mask=b.per(lay.farms, float(campaign)) > 0)
    if b.risk is not None:
        W = pd.Index(np.arange(len(b.risk.windows)), name="window")
        K = pd.Index(np.arange(b.risk.loss.shape[1]), name="sample")
        live = np.broadcast_to(b.risk.inside[:, None, :, None], b.risk.loss.shape)
        m.add_variables(
            lower=0,
            coords=[W, K, P, lay.farms],
            name="uncovered",
            scaling=grain_inv,
            mask=xr.DataArray(live, coords=[W, K, P, lay.farms]),
        )
    for name in ("food", "fed", "put", "take"):
        m.add_variables(lower=0, coords=[P, lay.people], name=name, scaling=grain_inv)
    m.add_variables(lower=0, upper=FOOD_SATIATION - 1, coords=[P], name="lift")
    m.add_variables(lower=0, coords=[P, lay.people], name="stock", scaling=grain_inv)
    cnodes = consumer_nodes(b)
    m.add_variables(
        lower=0,
        upper=b.per(cnodes.index, cnodes["room"].to_numpy()),
        coords=[P, cnodes.index],
        name="more",
        scaling=b.per(cnodes.index, b.inv_scale(cnodes["product"])),
    )
    gnodes = grain_nodes(b)
    m.add_variables(lower=0, coords=[P, gnodes], name="dump", scaling=grain_inv)
    pairs = ix.spend_pairs
    m.add_variables(lower=0, coords=[P, pairs.index], name="spend", scaling=1e-6)
    asg = ix.assignments
    m.add_variables(lower=0, upper=b.per(asg.index, asg["limit"].to_numpy()), coords=[P, asg.index], name="n")
    m.add_variables(lower=0, coords=[P, ix.zone_links.index], name="z")
    agr = ix.agreements
    A_ = agr.index
    d_up = xr.DataArray(np.where(ix.agreement_overlap > 0, np.inf, 0.0), coords=[P, A_])
    m.add_variables(lower=0, upper=d_up, coords=[P, A_], name="d")
    slack_up = xr.DataArray(np.where(agr["hard"].to_numpy() & (not b.elastic), 0.0, 1.0), coords=[A_])
    m.add_variables(lower=0, upper=slack_up, coords=[A_], name="slack")


def build_model(s: Scenario, ix: PlanIndex, *, elastic: bool = False, keep: RowFilter | None = None) -> PlanModel:
    """Build the plan LP (without objective) for scenario ``s`` laid out by ``ix``; ``keep``: which rows of each
    family it holds (all when None; a decomposed plan's parts, ``block_build.py``)."""
    from leapplan.plan import constraints as c
    from leapplan.plan import food as f
    from leapplan.plan import upgrades as u

    b = Build(m=Model(sparse=True), s=s, ix=ix, lay=build_layout(s, ix), rows=Rows(keep), elastic=elastic)
    b.risk = f.risk_outcomes_of(b)
    _variables(b)
    u.define_upgrades(b)
    c.define_balances(b)
    c.define_agreement_supply(b)
    c.define_capacity(b)
    c.define_new_capacity_use(b)
    c.define_corridors(b)
    c.define_trade(b)
    c.define_labour(b)
    f.define_farming(b)
    f.define_food(b)
    f.define_reserve(b)
    f.define_risk(b)
    c.define_technicians(b)
    c.define_pools(b)
    c.define_funds(b)
    c.define_agreements(b)
    targets = add_targets(b.m, s, ix, b.rows, elastic=elastic)
    return PlanModel(b.m, ix, s, targets, elastic, b.lay, b.risk, b.empty_rows, b.rows)
