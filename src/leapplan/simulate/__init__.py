"""Carrying a plan out: simulation under frictions, Monte Carlo ensembles (in process or on Dask), history replay.

    import leapplan
    result = leapplan.simulate(scenario, plan, runs=200)      # this package is callable: see simulate()

    from leapplan.simulate import simulate_once, run_ensemble, EnsembleResult, Frictions

``leapplan.simulate`` is both this subpackage and the front-door function: Python sets a package's attribute
to its subpackage whenever one of the subpackage's modules is imported, so instead of a function that the
next ``import leapplan.simulate.…`` would hide, the package itself is callable and calling it calls
:func:`simulate`. Its other names load on first use (PEP 562), so importing the package is cheap.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leapplan.scenario.model import Scenario
    from leapplan.simulate.ensemble import QUANTILES, EnsembleResult, run_ensemble
    from leapplan.simulate.frictions import FRICTIONS, MECHANISMS, Frictions
    from leapplan.simulate.model import Model, compile_model
    from leapplan.simulate.once import SimulationResult, simulate_once
    from leapplan.simulate.replay import Replay

DEFAULT_RUNS = 200
"""Monte Carlo runs when none are asked for: the same for ``simulate``, ``leapplan run`` and ``leapplan
simulate`` (5/50/95 % bands settle to about 1 % at this count on the default scenario)."""

_LAZY: dict[str, str] = {
    "QUANTILES": "leapplan.simulate.ensemble",
    "EnsembleResult": "leapplan.simulate.ensemble",
    "run_ensemble": "leapplan.simulate.ensemble",
    "FRICTIONS": "leapplan.simulate.frictions",
    "MECHANISMS": "leapplan.simulate.frictions",
    "Frictions": "leapplan.simulate.frictions",
    "Model": "leapplan.simulate.model",
    "compile_model": "leapplan.simulate.model",
    "SimulationResult": "leapplan.simulate.once",
    "simulate_once": "leapplan.simulate.once",
    "Replay": "leapplan.simulate.replay",
}


def simulate(
    scenario: Scenario,
    plan: Any | None = None,
    runs: int = DEFAULT_RUNS,
    *,
    seed: int | None = None,
    frictions: Frictions | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
) -> EnsembleResult:
    """Carry ``plan`` out ``runs`` times under frictions and return the 5/50/95 % bands of every series.

    ``plan``: a ``PlanResult`` (from ``solve_plan`` or ``load_plan``); None carries out the scenario's
    ``policies`` (or, without any, its base year). ``seed``: default the scenario's; run i draws from child i
    of it, so the bands do not depend on ``workers``. ``frictions``: default every friction on
    (``Frictions.none()`` switches them off, ``Frictions().without("harvest_shocks")`` one). ``workers`` 1 runs in
    this process; more start a Dask LocalCluster; ``scheduler`` ('tcp://host:8786') uses a running one.
    ``progress`` shows a progress bar on stderr.

    The result's ``bands`` (xarray, dims quantile × period [× product]) hold planned, reported, actual
    (gross) and usable output [product units per period], food per head [kg per person per year], grain [t]
    and output values [yuan at base-year prices]; ``share_below_floor`` is the share of runs, per period,
    in which some region eats less than the food floor.
    """
    from leapplan.simulate.ensemble import run_ensemble

    return run_ensemble(
        scenario,
        plan,
        runs,
        seed=seed,
        frictions=frictions,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )


def __getattr__(name: str) -> Any:
    """Load a name of the package on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _CallablePackage(types.ModuleType):
    """This package's type: a module that can be called like :func:`simulate`."""

    def __call__(self, *args: Any, **kwargs: Any) -> EnsembleResult:
        return simulate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage

__all__ = [
    "DEFAULT_RUNS",
    "FRICTIONS",
    "MECHANISMS",
    "QUANTILES",
    "EnsembleResult",
    "Frictions",
    "Model",
    "Replay",
    "SimulationResult",
    "compile_model",
    "run_ensemble",
    "simulate",
    "simulate_once",
]
