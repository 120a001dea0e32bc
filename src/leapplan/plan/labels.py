"""How many labels a linopy model has given out: the length of an array indexed by variable or row label.

linopy numbers each variable's (and each constraint's) entries in one consecutive range as it is added
(``Variable.range``); the plan's arrays over labels (reduced costs, block codes, a solution written back) are sized
by the end of the last range.
"""

from __future__ import annotations

from linopy import Model


def column_labels(model: Model) -> int:
    """One past the largest variable label of ``model``."""
    return max((v.range[1] for v in model.variables.data.values()), default=0)


def row_labels(model: Model) -> int:
    """One past the largest constraint label of ``model``."""
    return max((c.range[1] for c in model.constraints.data.values()), default=0)
