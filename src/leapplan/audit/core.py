"""``audit_reports``: every check on a batch of reports, vectorised over the batch."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np
import pandas as pd

from leapplan.audit import physical, statistical, totals
from leapplan.audit.reports import read_plan, read_reports
from leapplan.audit.rules import FLAG_COLUMNS, SEVERITY, AuditRules, Check
from leapplan.audit.units import UnitTables, assigned_allowed, key, tables_for
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
    context: pd.DataFrame | None = None,
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
    ``context`` holds reports already audited (columns report_id, unit, period, product, produced, labour):
    history, peer and total checks compare the new reports with them, but they are not checked again and
    get no flags (a service passes the latest stored reports here; it is what makes one report cheap).

    Returns the flags [report_id, unit, period, product, check, severity, message], ordered by report
    then check (see :class:`~leapplan.audit.rules.Check`); an empty frame when nothing is wrong.
    Raises :class:`~leapplan.errors.AuditError` naming each bad report.
    """
    rules = rules or AuditRules()
    t = tables_for(scenario)
    R, inputs = read_reports(t, reports)
    if R.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    n_new = len(R)
    if context is not None and len(context):
        R = pd.concat([R, _trusted(t, context, n_new)], ignore_index=True)
    pos = t.unit_keys.get_indexer(key(R["unit"], R["product"]))
    no_plants = pos < 0  # a region without plants for the product
    units = t.units.iloc[np.where(no_plants, 0, pos)].reset_index(drop=True)
    R = pd.concat([R, units.where(pd.Series(~no_plants), np.nan)], axis=1)
    R["kind"] = R["kind"].where(~no_plants, R["unit"].map(t.kind))
    R["peer"] = R["peer"].where(~no_plants, R["kind"] + ":" + R["product"])
    R["byproduct"] = (R["kind"] == "enterprise") & R["capacity"].isna()  # needs no inputs of its own
    R["planned"] = R["planned_capacity"] = R["share"] = np.nan
    if support is not None:
        A = _cached(support, lambda: assigned_allowed(scenario, t, support)).rename(columns={"allowed": "assigned"})
        R = R.merge(A, on=["unit", "product", "period"], how="left")
        R["allowed"] = R["assigned"].where(R["assigned"].notna(), R["capacity"])
        R = R.drop(columns="assigned")
    R["limit"] = R["allowed"]  # allowed annual output [units per year]; the plan's new plants may raise it
    checks = [Check.material_balance, Check.capacity, Check.labour, Check.history, Check.peers, Check.parent_total]
    if plan is not None:
        P = _cached(plan, lambda: totals.planned(t, read_plan(t, plan)))
        R = R.drop(columns=["planned", "share"]).merge(
            P[[*totals.KEYS, "planned", "share"]], on=totals.KEYS, how="left"
        )
        region = R["kind"] != "enterprise"
        R["planned_capacity"] = R["planned"].where(region & R["capacity"].notna())
        R["limit"] = np.fmax(R["allowed"], R["planned_capacity"] / t.period_years)
        checks.append(Check.plan)
    new = R.iloc[:n_new]  # physical checks look at each report alone: the context needs none
    x, years = physical.needs(t, new, inputs)
    parts = {
        Check.material_balance: lambda: physical.material_balance(t, x, rules),
        Check.capacity: lambda: physical.capacity(t, new, rules),
        Check.labour: lambda: physical.labour(t, new, years, rules),
        Check.history: lambda: statistical.history(t, R, rules),
        Check.peers: lambda: statistical.peers(t, _peer_groups_of(R, n_new), rules),
        Check.parent_total: lambda: totals.parent_total(t, R, rules),
        Check.plan: lambda: totals.plan_excess(t, R, rules),
    }
    flags = pd.concat([parts[c]() for c in checks], ignore_index=True)
    flags = flags[flags["row"] < n_new]  # the context gets no flags
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


def _trusted(t: UnitTables, context: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """Already-audited reports in the shape :func:`read_reports` gives, rows numbered from ``first_row``
    (no validation: they were checked when they were new)."""
    n = len(context)
    labour = context["labour"] if "labour" in context else pd.Series(np.nan, index=context.index)
    return pd.DataFrame(
        {
            "row": np.arange(first_row, first_row + n),
            "report_id": context["report_id"].to_numpy(),
            "unit": context["unit"].astype(str).to_numpy(),
            "period": context["period"].astype(str).to_numpy(),
            "product": context["product"].astype(str).to_numpy(),
            "produced": pd.to_numeric(context["produced"]).astype(float).to_numpy(),
            "labour": pd.to_numeric(labour).astype(float).to_numpy(),
            "pidx": context["period"].astype(str).map(t.periods).astype(int).to_numpy(),
        }
    )


def _peer_groups_of(R: pd.DataFrame, n_new: int) -> pd.DataFrame:
    """The rows of ``R`` in the (peer group, period) of one of its first ``n_new`` rows: peers compare nothing else."""
    if n_new == len(R):
        return R
    mine = key(R["peer"].iloc[:n_new], R["period"].iloc[:n_new])
    return R[key(R["peer"], R["period"]).isin(set(mine))]


_TABLES: list[tuple[object, pd.DataFrame]] = []
_TABLES_LOCK = threading.Lock()


def _cached(source: pd.DataFrame, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``build()`` for the table ``source`` (a plan's production or support), kept for the last 4 tables by
    identity: a service audits against the same plan table call after call."""
    with _TABLES_LOCK:
        for known, built in _TABLES:
            if known is source:
                return built
    built = build()
    with _TABLES_LOCK:
        _TABLES.insert(0, (source, built))
        del _TABLES[4:]
    return built
