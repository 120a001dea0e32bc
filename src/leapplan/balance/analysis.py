"""One call for the whole balance stage: productivity, required output, multipliers, linkages, weak links."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leapplan.balance.leontief import make_solver
from leapplan.balance.multipliers import Linkages, Multipliers, linkages, multipliers
from leapplan.balance.productivity import Productivity
from leapplan.balance.solve import Method
from leapplan.balance.system import IOSystem
from leapplan.balance.weak_links import DemandChange, WeakLinks, demand_vector, weak_links

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BalanceResult:
    """Everything ``leapplan balance`` shows. ``output``: required gross output of every producing sector
    (base plus the demand change) [sector unit]; ``multipliers`` and ``linkages`` per sector;
    ``focus``: the sectors that stand for products in summaries (a scenario's markets, else all);
    ``weak_links`` only when a demand change was given; ``method``/``seconds``: solver and wall time [s]."""

    system: IOSystem
    productivity: Productivity
    output: pd.Series
    multipliers: Multipliers
    linkages: Linkages
    weak_links: WeakLinks | None
    focus: np.ndarray
    method: str
    seconds: float


def analyse(
    system: IOSystem,
    changes: list[DemandChange] | None = None,
    method: Method | str = Method.auto,
    tol: float = 1e-12,
) -> BalanceResult:
    """Run the balance stage on a system; raises ``BalanceError`` when A is not productive."""
    start = time.perf_counter()
    solver = make_solver(system, method=method, tol=tol)
    prod = solver.productivity
    if system.gross_output is not None:
        base = system.gross_output.to_numpy()
    else:
        base = solver.solve(system.total_final_demand)
    mult = multipliers(system, solver)
    focus = system.pass_through if system.pass_through is not None else np.ones(system.n, dtype=bool)
    links = linkages(system, solver, mult.output, base, among=focus)
    wl = None
    required = base
    if changes:
        dy = demand_vector(system, changes, base=base)
        wl = weak_links(system, solver, dy, base=base)
        required = base + solver.solve(dy)
    output = pd.Series(required, index=system.sectors, name="required_output")[system.producing]
    seconds = time.perf_counter() - start
    log.info("balance of %s (n=%d) with %s in %.3fs", system.name, system.n, solver.method.value, seconds)
    return BalanceResult(system, prod, output, mult, links, wl, focus, solver.method.value, seconds)
