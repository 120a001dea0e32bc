"""What the audit checks and how strictly: check names, severities, thresholds and the flag record."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

FLAG_COLUMNS = ["report_id", "unit", "period", "product", "check", "severity", "message"]


class Check(StrEnum):
    """The audit checks, in the order flags are listed for one report."""

    material_balance = "material_balance"
    capacity = "capacity"
    labour = "labour"
    history = "history"
    peers = "peers"
    parent_total = "parent_total"
    plan = "plan"


class Severity(StrEnum):
    """``error``: impossible or contradictory; ``warning``: statistically suspicious."""

    error = "error"
    warning = "warning"


SEVERITY: dict[Check, Severity] = {
    Check.material_balance: Severity.error,
    Check.capacity: Severity.error,
    Check.labour: Severity.warning,
    Check.history: Severity.warning,
    Check.peers: Severity.warning,
    Check.parent_total: Severity.error,
    Check.plan: Severity.warning,
}


@dataclass(frozen=True)
class AuditRules:
    """Thresholds of the checks (all shares are fractions, e.g. 0.05 = 5 %).

    * material_balance: flag when an input received < (1 − balance_tolerance) × the least the output
      needs (an enterprise: coefficient × output; a region: see ``need.py``).
    * capacity: flag when output > (1 + capacity_tolerance) × capacity of the period × (1 + technicians' gain)
      (for a region, or its planned output when higher).
    * labour: flag when labour reported (or, when not reported, the base-year workforce) × (1 + labour_tolerance)
      < the least labour the output needs / period length [persons].
    * history: flag growth per period over the unit's previous report of the product when it exceeds
      ``growth_factor``, or when its log exceeds the peers' median log growth by more than ``robust_k``
      robust standard deviations (1.4826 × MAD) and is at least ``min_ratio`` × the peers' median growth.
    * peers: the same robust rule on log output per worker and log output per unit of capacity.
    * robust rules need at least ``min_peers`` units (self included) in the peer group and period.
    * parent_total: flag when a region's report is off the sum of its units' reports by more than
      ``total_tolerance`` (below the sum always; above it only when every unit with plants has reported).
    * plan: flag output above ``plan_factor`` × the planned quantity.
    """

    balance_tolerance: float = 0.05
    capacity_tolerance: float = 0.01
    labour_tolerance: float = 0.10
    growth_factor: float = 2.0
    robust_k: float = 3.5
    min_ratio: float = 1.5
    min_peers: int = 5
    total_tolerance: float = 0.01
    plan_factor: float = 1.5


@dataclass(frozen=True)
class AuditFlag:
    """One flag on one report, a row of the frame :func:`audit_reports` returns."""

    report_id: Any
    unit: str
    period: str
    product: str
    check: Check
    severity: Severity
    message: str

    @staticmethod
    def from_frame(flags: pd.DataFrame) -> list[AuditFlag]:
        """The rows of a flag frame as records."""
        return [
            AuditFlag(r.report_id, r.unit, r.period, r.product, Check(r.check), Severity(r.severity), r.message)
            for r in flags[FLAG_COLUMNS].itertuples(index=False)
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {c: (str(getattr(self, c)) if c in ("check", "severity") else getattr(self, c)) for c in FLAG_COLUMNS}


def fmt(value: float) -> str:
    """A number in words-friendly form: thousands separators, whole numbers from 100 up, else 3 significant digits."""
    v = float(value)
    if not np.isfinite(v):
        return "∞" if v > 0 else "—"
    if abs(v) >= 100 or v == round(v):
        return f"{v:,.0f}"
    return np.format_float_positional(v, precision=3, unique=False, fractional=False, trim="-")


def pct(share: float) -> str:
    """A share as a whole percentage: 0.3 → '30 %'."""
    return f"{share * 100:,.0f} %"


def label(name: str) -> str:
    """A product's display name as it reads inside a sentence: 'Pig iron' → 'pig iron' (acronyms kept)."""
    if len(name) > 1 and name[:2].isupper():
        return name
    return name[:1].lower() + name[1:]
