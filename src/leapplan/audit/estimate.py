"""The audit's best estimate of what an enterprise made: its report when it passes the physical checks, the bound
a failed check gives when it does not.

A report that fails the capacity check enters at the capacity bound (allowed annual output × the period's
length, the limit the check applies, without its tolerance); one that fails the material balance enters at the
largest output its inputs received allow (received / the technology's coefficient, for each input found short);
one failing both at the smaller. Reports that pass, or only raise warnings (history, peers, plan), enter as
reported. Region reports (totals over a subtree) are audited but get no estimate here: the state of a plan is
read from its enterprises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.audit.core import audit_reports
from leapplan.audit.need import least_need
from leapplan.audit.reports import read_reports
from leapplan.audit.rules import Check
from leapplan.audit.units import UnitTables, assigned_allowed, key, tables_for
from leapplan.scenario import Scenario

FIGURE_COLUMNS = ["report_id", "unit", "period", "product", "reported", "audited", "basis"]
"""``basis`` is 'reported', 'capacity bound', 'material balance bound' or 'capacity and material balance bound'."""


def audited_figures(
    scenario: Scenario,
    reports: pd.DataFrame,
    plan: pd.DataFrame | None = None,
    *,
    support: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Audit ``reports`` (as :func:`~leapplan.audit.audit_reports` does, with the same ``plan`` production and
    ``support`` tables) and give each enterprise report of its main product its audited figure.

    Returns ``(figures, flags)``: figures [report_id, unit, period, product, reported, audited, basis] with
    quantities in product units over the period, one row per enterprise report of a main product; flags as
    :func:`audit_reports` returns them. Raises :class:`~leapplan.errors.AuditError` on bad reports.
    """
    flags = audit_reports(scenario, reports, plan, support=support)
    t = tables_for(scenario)
    R, inputs = read_reports(t, reports)
    pos = t.unit_keys.get_indexer(key(R["unit"], R["product"]))
    found = pos >= 0
    units = t.units.iloc[np.where(found, pos, 0)].reset_index(drop=True)
    main = found & (units["kind"] == "enterprise").to_numpy() & units["capacity"].notna().to_numpy()
    R = R[main].reset_index(drop=True)
    allowed = units["allowed"].to_numpy()[main]
    if support is not None and len(R):
        A = assigned_allowed(scenario, t, support)
        got = R[["unit", "product", "period"]].merge(A, on=["unit", "product", "period"], how="left")["allowed"]
        allowed = np.where(got.notna(), got.to_numpy(dtype=float), allowed)
    failed = flags[flags["severity"] == "error"]
    failed_keys = set(zip(failed["report_id"].astype(str), failed["check"].astype(str), strict=True))
    rid = R["report_id"].astype(str)
    over = np.array([(r, Check.capacity.value) in failed_keys for r in rid], dtype=bool)
    short = np.array([(r, Check.material_balance.value) in failed_keys for r in rid], dtype=bool)
    produced = R["produced"].to_numpy(dtype=float)
    cap_bound = np.where(over, allowed * t.period_years, np.inf)
    mb_bound = _input_bound(t, R, inputs, short)
    audited = np.minimum(produced, np.minimum(cap_bound, mb_bound))
    basis = np.select(
        [over & short, over, short],
        ["capacity and material balance bound", "capacity bound", "material balance bound"],
        "reported",
    )
    figures = pd.DataFrame(
        {
            "report_id": R["report_id"].to_numpy(),
            "unit": R["unit"].to_numpy(),
            "period": R["period"].to_numpy(),
            "product": R["product"].to_numpy(),
            "reported": produced,
            "audited": audited,
            "basis": basis,
        }
    )
    return figures, flags


def _input_bound(t: UnitTables, R: pd.DataFrame, inputs: pd.DataFrame, short: np.ndarray) -> np.ndarray:
    """Largest output the inputs received allow, per report where ``short`` (inf elsewhere) [product units]: an
    enterprise needs ``a × Q`` of each input, so Q ≤ received / a for every stated input with a > 0."""
    out = np.full(len(R), np.inf)
    if not short.any() or inputs.empty:
        return out
    row_pos = pd.Series(np.arange(len(R)), index=R["row"].to_numpy())
    x = inputs[inputs["row"].isin(R["row"][short])]
    if x.empty:
        return out
    at = row_pos.reindex(x["row"]).to_numpy()
    one = pd.Series(np.ones(len(x)))
    a = least_need(
        t.need,
        pd.Series(R["unit"].to_numpy()[at]),
        pd.Series(R["product"].to_numpy()[at]),
        pd.Series(x["input"].to_numpy()),
        one,
    )
    q = np.where(a > 0, x["received"].to_numpy(dtype=float) / np.where(a > 0, a, 1.0), np.inf)
    np.minimum.at(out, at, q)
    return out
