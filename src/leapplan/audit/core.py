"""``audit_reports``: every check on a batch of reports, vectorised over the batch."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from leapplan.audit import physical, statistical, totals
from leapplan.audit.reports import read_plan, read_reports
from leapplan.audit.rules import FLAG_COLUMNS, SEVERITY, AuditRules, Check
from leapplan.audit.units import assigned_allowed, key, tables_for
from leapplan.scenario import Scenario

log = logging.getLogger(__name__)


def validate_reports(scenario: Scenario, reports: pd.DataFrame) -> None:
    """Raise :class:`~leapplan.errors.AuditError` listing every problem :func:`audit_reports` would refuse.

    The same checks as the audit's own (unknown unit, product or period, an enterprise reporting a product
    it does not make, negative or non-numeric numbers, repeated ids or unit/period/product), for a service
    to refuse a submission (e.g. HTTP 422) before it is stored.
    """
    read_reports(tables_for(scenario), reports)


def audit_reports(
    scenario: Scenario,
    reports: pd.DataFrame,
    plan: pd.DataFrame | None = None,
    *,
    rules: AuditRules | None = None,
    support: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Check reports against the material balance, capacity, labour, history, peers, totals and plan.

    ``reports`` has columns report_id, unit (enterprise or region id), period (a scenario period),
    product, produced [product units in the period], optionally labour [persons working in the period]
    and the inputs received [input units in the period] either as a column ``inputs`` of dicts
    {product: quantity} or as columns ``input:<product>``. History and peer checks look at the other
    reports in the same frame, so pass a unit's earlier reports (and its peers') along with new ones.
    ``plan`` is a plan's production table [period, region, technology, product, quantity].
    ``support`` is the same plan's support table [period, source, member, kind, quantity, network]: when
    given, an enterprise's technicians' gain in the capacity check is the one its assigned technicians give
    (none when none are assigned); without it every plant a network covers may have the network's largest
    gain. (The least-input check keeps the largest gain: it stays a true lower bound either way.)

    Returns the flags [report_id, unit, period, product, check, severity, message], ordered by report
    then check (see :class:`~leapplan.audit.rules.Check`); an empty frame when nothing is wrong.
    Raises :class:`~leapplan.errors.AuditError` naming each bad report.
    """
    rules = rules or AuditRules()
    t = tables_for(scenario)
    R, inputs = read_reports(t, reports)
    if R.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    pos = t.unit_keys.get_indexer(key(R["unit"], R["product"]))
    no_plants = pos < 0  # a region without plants for the product
    units = t.units.iloc[np.where(no_plants, 0, pos)].reset_index(drop=True)
    R = pd.concat([R, units.where(pd.Series(~no_plants), np.nan)], axis=1)
    R["kind"] = R["kind"].where(~no_plants, R["unit"].map(t.kind))
    R["peer"] = R["peer"].where(~no_plants, R["kind"] + ":" + R["product"])
    R["byproduct"] = (R["kind"] == "enterprise") & R["capacity"].isna()  # needs no inputs of its own
    R["planned"] = R["planned_capacity"] = R["share"] = np.nan
    if support is not None:
        A = assigned_allowed(scenario, t, support).rename(columns={"allowed": "assigned"})
        R = R.merge(A, on=["unit", "product", "period"], how="left")
        R["allowed"] = R["assigned"].where(R["assigned"].notna(), R["capacity"])
        R = R.drop(columns="assigned")
    R["limit"] = R["allowed"]  # allowed annual output [units per year]; the plan's new plants may raise it
    checks = [Check.material_balance, Check.capacity, Check.labour, Check.history, Check.peers, Check.parent_total]
    if plan is not None:
        P = totals.planned(t, read_plan(t, plan))
        R = R.drop(columns=["planned", "share"]).merge(
            P[[*totals.KEYS, "planned", "share"]], on=totals.KEYS, how="left"
        )
        region = R["kind"] != "enterprise"
        R["planned_capacity"] = R["planned"].where(region & R["capacity"].notna())
        R["limit"] = np.fmax(R["allowed"], R["planned_capacity"] / t.period_years)
        checks.append(Check.plan)
    x, years = physical.needs(t, R, inputs)
    parts = {
        Check.material_balance: lambda: physical.material_balance(t, x, rules),
        Check.capacity: lambda: physical.capacity(t, R, rules),
        Check.labour: lambda: physical.labour(t, R, years, rules),
        Check.history: lambda: statistical.history(t, R, rules),
        Check.peers: lambda: statistical.peers(t, R, rules),
        Check.parent_total: lambda: totals.parent_total(t, R, rules),
        Check.plan: lambda: totals.plan_excess(t, R, rules),
    }
    flags = pd.concat([parts[c]() for c in checks], ignore_index=True)
    if flags.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    order = {c.value: i for i, c in enumerate(Check)}
    flags["order"] = flags["check"].map(order)
    flags = flags.sort_values(["row", "order"], kind="stable")
    base = R.set_index("row").loc[flags["row"], ["report_id", "unit", "period", "product"]].reset_index(drop=True)
    out = base.assign(
        check=flags["check"].to_numpy(),
        severity=flags["check"].map({c.value: s.value for c, s in SEVERITY.items()}).to_numpy(),
        message=flags["message"].to_numpy(),
    )
    log.info("audited %d reports: %d flags", len(R), len(out))
    return out[FLAG_COLUMNS]
