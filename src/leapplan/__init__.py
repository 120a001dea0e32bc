"""leapplan: plan and simulate regional industrial development."""

from leapplan.errors import (
    BalanceError,
    InfeasiblePlanError,
    LeapplanError,
    Problem,
    ScenarioError,
    SimulationError,
    SolverError,
)

__version__ = "0.1.0"

__all__ = [
    "BalanceError",
    "InfeasiblePlanError",
    "LeapplanError",
    "Problem",
    "ScenarioError",
    "SimulationError",
    "SolverError",
    "__version__",
]
