"""The corridor scenario's LP written out by hand for scipy.optimize.linprog: same stage objectives to 1e-6."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog
from tests.plan.scenarios import build, corridor_raw

from leapplan.plan import solve_plan
from leapplan.plan.objective import MONEY, WEIGHTS
from leapplan.plan.solve import LEVEL_ABS_TOLERANCE, LEVEL_TOLERANCE

# columns: x_mine x_works x_carts  b_mine b_works b_carts  s_ab s_ba (coal)  short
N = 9
XM, XW, XC, BM, BW, BC, SAB, SBA, SH = range(N)


def _rows() -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """A_ub x ≤ b_ub for the corridor scenario with the road opened up (1e9 t/yr); one year."""
    a, b = [], []

    def le(coeffs: dict[int, float], rhs: float) -> None:
        row = np.zeros(N)
        for k, v in coeffs.items():
            row[k] = v
        a.append(row)
        b.append(rhs)

    le({XM: -1, SAB: 1, SBA: -1}, 0)  # coal in A: x_mine - s_ab + s_ba ≥ 0
    le({SAB: -1, SBA: 1, XW: 2}, 0)  # coal in B: s_ab - s_ba - 2 x_works ≥ 0
    le({XC: -1, SAB: 100, SBA: 100}, 0)  # freight: carts ≥ 100 km × coal carried
    le({XM: 1, BM: -1}, 6000)  # capacities (build time 0: all of the year)
    le({XW: 1, BW: -1}, 2000)
    le({XC: 1, BC: -1}, 400000)
    le({SAB: 1, SBA: 1}, 1e9)  # the road
    le({XM: 0.001, XC: 0.0005}, 1000)  # labour in A and B
    le({XW: 0.002}, 1000)
    le({BM: 4, BW: 10, BC: 0.1}, 20000)  # the budget
    le({XW: -1, SH: -3000}, -3000)  # target: iron + 3,000 short ≥ 3,000
    bounds = [(0, None)] * (N - 1) + [(0, 1)]
    return np.array(a), np.array(b), bounds


def test_stage_objectives_match_linprog() -> None:
    a, b, bounds = _rows()
    # the target's stage: the shortfall, plus the freight hauled at 0.01 yuan per t-km (transport's price) counted
    # as much as a yuan of the target (3,000 t of iron at 200 yuan: 1 / 600,000 per yuan)
    c1 = np.zeros(N)
    c1[SH] = 1.0
    c1[[SAB, SBA]] = 100 * 0.01 / (3000 * 200)
    first = linprog(c1, A_ub=a, b_ub=b, bounds=bounds, method="highs")
    assert first.status == 0
    assert first.x[SH] == pytest.approx(1 / 9, rel=1e-6)  # hand: iron 2,666.67 of 3,000
    # the last stage with the shortfall held: cost (funds) + gross output value + freight at its price [million yuan]
    w = WEIGHTS
    c2 = np.zeros(N)
    c2[[BM, BW, BC]] = w.cost * np.array([4, 10, 0.1])
    c2[[XM, XW, XC]] += w.waste * np.array([10, 200, 0.01])
    c2[[SAB, SBA]] += w.freight * 100 * 0.01
    c2 /= MONEY
    hold = np.zeros(N)
    hold[SH] = 1.0
    second = linprog(
        c2,
        A_ub=np.vstack([a, hold]),
        b_ub=np.append(b, first.x[SH] * (1 + LEVEL_TOLERANCE["simplex"]) + LEVEL_ABS_TOLERANCE),
        bounds=bounds,
        method="highs",
    )
    assert second.status == 0

    r = solve_plan(build(corridor_raw(), {"links.0.capacity": 1e9}))
    stages = {s["stage"]: s["objective"] for s in r.solver["stages"]}
    assert stages["priority 1"] == pytest.approx(first.fun, rel=1e-6)
    assert stages["people and the future"] == pytest.approx(second.fun, rel=1e-6)
    assert r.objective == pytest.approx(4 * second.x[BM] + 10 * second.x[BW] + 0.1 * second.x[BC], rel=1e-6)
