"""Carrying a plan out: simulation under frictions, Monte Carlo ensembles (in process or on Dask), history replay.

from leapplan.simulate import simulate_once, run_ensemble, EnsembleResult, Frictions
"""

from __future__ import annotations

from leapplan.simulate.ensemble import QUANTILES, EnsembleResult, run_ensemble
from leapplan.simulate.frictions import FRICTIONS, Frictions
from leapplan.simulate.model import Model, compile_model
from leapplan.simulate.once import SimulationResult, simulate_once
from leapplan.simulate.replay import Replay

__all__ = [
    "FRICTIONS",
    "QUANTILES",
    "EnsembleResult",
    "Frictions",
    "Model",
    "Replay",
    "SimulationResult",
    "compile_model",
    "run_ensemble",
    "simulate_once",
]
