"""The exception tree.

    LeapplanError                 every error leapplan raises on purpose
    ├── ScenarioError             a scenario file or folder is wrong (carries every problem found)
    ├── BalanceError              an input-output table is malformed or not productive
    ├── InfeasiblePlanError       hard targets or guardrails cannot all be met
    ├── SolverError               the LP solver failed (unbounded, numerical trouble)
    ├── DecomposeError            a decomposed solve cannot be run as asked (blocks, workers, scheduler)
    ├── SimulationError           a simulation could not be run as asked
    └── AuditError                reports (or a plan) given to the audit are malformed

The CLI catches ``LeapplanError`` once, prints its message and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass


class LeapplanError(Exception):
    """Base of every error leapplan raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located like ``zones[2].counties[5]``."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ScenarioError(LeapplanError):
    """A scenario is malformed or inconsistent; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        lines = [f"{head}{len(problems)} problem{'s' if len(problems) != 1 else ''} found"]
        lines += [f"  {p}" for p in problems]
        super().__init__("\n".join(lines))


class BalanceError(LeapplanError):
    """An input-output system is malformed or not productive."""


class InfeasiblePlanError(LeapplanError):
    """Hard targets or guardrails cannot all be met."""


class SolverError(LeapplanError):
    """The solver could not solve the model (unbounded, numerical trouble, time limit)."""


class DecomposeError(LeapplanError):
    """A decomposed (block) solve cannot be run as asked: bad number of blocks, unreachable scheduler."""


class SimulationError(LeapplanError):
    """A simulation could not be run as asked."""


class ServiceError(LeapplanError):
    """The monitoring service cannot do what was asked (bad database URL, not a backup, unknown unit …)."""


class AuditError(LeapplanError):
    """Reports or a plan given to the audit are malformed (unknown unit, product or period, bad numbers)."""
