"""Checks against physics and technique: inputs received, capacity, labour.

Each check takes the joined reports frame (see :func:`leapplan.audit.core.audit_reports`) and
returns flags as a frame [row, check, message], one row per offending report (material balance:
per offending input).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.audit.need import LABOUR, least_need
from leapplan.audit.rules import AuditRules, Check, fmt, pct
from leapplan.audit.units import UnitTables

FLAGS = ["row", "check", "message"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"row": np.array([], dtype=int), "check": [], "message": []})


def _what(t: UnitTables, R: pd.DataFrame) -> pd.Series:
    """'pig iron 1,200 t' for each report."""
    return pd.Series(
        [f"{t.names[p]} {fmt(q)} {t.unit_of[p]}" for p, q in zip(R["product"], R["produced"], strict=True)],
        index=R.index,
    )


def needs(t: UnitTables, R: pd.DataFrame, inputs: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The least need of every stated input and the least labour [person-years] of every report, in one pass.

    Returns ``(x, years)``: x is ``inputs`` of main products with unit, product, produced and required
    [input units]; years is indexed like R (NaN for by-products).
    """
    main = ~R["byproduct"].to_numpy()
    rows = inputs["row"].to_numpy()
    x = inputs[main[rows]]
    r = np.concatenate([x["row"].to_numpy(), R["row"].to_numpy()[main]])
    inp = pd.Series(np.concatenate([x["input"].to_numpy(dtype=object), np.full(int(main.sum()), LABOUR, object)]))
    unit, product = R["unit"].to_numpy()[r], R["product"].to_numpy()[r]
    produced = R["produced"].to_numpy()[r]
    need = least_need(t.need, pd.Series(unit), pd.Series(product), inp, pd.Series(produced))
    k = len(x)
    x = x.assign(unit=unit[:k], product=product[:k], produced=produced[:k], required=need[:k])
    years = pd.Series(np.nan, index=R.index)
    years.iloc[np.flatnonzero(main)] = need[k:]
    return x, years


def material_balance(t: UnitTables, x: pd.DataFrame, rules: AuditRules) -> pd.DataFrame:
    """Flag each input received short of the least need (see ``need.py``) by more than ``balance_tolerance``.

    ``x`` comes from :func:`needs`. Only inputs a report states are checked; by-products need no inputs.
    """
    bad = x[x["received"] < (1 - rules.balance_tolerance) * x["required"]]
    if bad.empty:
        return _empty()
    msgs = [
        f"{t.names[p]} {fmt(q)} {t.unit_of[p]} needs ≥ {fmt(need)} {t.unit_of[i]} of {t.names[i]}; "
        f"{fmt(got)} {t.unit_of[i]} were received"
        for p, q, i, need, got in zip(
            bad["product"], bad["produced"], bad["input"], bad["required"], bad["received"], strict=True
        )
    ]
    return pd.DataFrame({"row": bad["row"].to_numpy(), "check": Check.material_balance.value, "message": msgs})


def capacity(t: UnitTables, R: pd.DataFrame, rules: AuditRules) -> pd.DataFrame:
    """Flag output above the period's capacity raised by the technicians' largest gain (+ tolerance).

    ``R['limit']`` is the allowed annual output [units per year]: capacity with technicians' gain, or a
    region's planned output when higher; a period is ``t.period_years`` of it.
    """
    limit = R["limit"] * t.period_years
    bad = R[R["produced"] > (1 + rules.capacity_tolerance) * limit]
    if bad.empty:
        return _empty()
    msgs = [
        capacity_message(t, what, r["product"], r["period"], r["capacity"], r["allowed"], r["planned_capacity"])
        for (_, r), what in zip(bad.iterrows(), _what(t, bad), strict=True)
    ]
    return pd.DataFrame({"row": bad["row"].to_numpy(), "check": Check.capacity.value, "message": msgs})


def capacity_message(
    t: UnitTables, what: str, product: str, period: str, capacity: float, allowed: float, planned_capacity: float
) -> str:
    """'pig iron 6,600 t in 1958 exceeds capacity: 5,000 t per year, at most …' (capacity and allowed in units
    per year, planned_capacity in units per period)."""
    u = t.unit_of[product]
    per = "year" if t.period_years == 1 else "quarter"
    text = f"{what} in {period} exceeds capacity: {fmt(capacity * t.period_years)} {u} per {per}"
    if allowed > capacity * (1 + 1e-9):
        text += f", at most {fmt(allowed * t.period_years)} {u} with technicians' help (+{pct(allowed / capacity - 1)})"
    if planned_capacity > capacity * t.period_years:
        text += f", {fmt(planned_capacity)} {u} with the plan's new plants"
    return text


def labour(t: UnitTables, R: pd.DataFrame, years: pd.Series, rules: AuditRules) -> pd.DataFrame:
    """Flag output needing more workers than reported (or, if labour is not reported, than the workforce).

    Workers needed [persons over the period] = least labour ``years`` [person-years] (from :func:`needs`)
    for the output / period years;
    the message gives it per unit of output (a region's plants with the least labour per unit first).
    """
    need = years / t.period_years
    reported = R["labour"].notna()
    have = R["labour"].where(reported, R["workforce"].where(R["workforce"] > 0))
    bad = R[(have * (1 + rules.labour_tolerance) < need) & have.notna()]
    if bad.empty:
        return _empty()
    over = "" if t.period_years == 1 else " over the quarter"
    msgs = [
        f"{what} in {r['period']} needs ≥ {fmt(n)} workers{over} ({fmt(years[i] / r['produced'])} person-years per "
        f"{t.unit_of[r['product']]}); "
        + (f"{fmt(r['labour'])} were reported" if ok else f"the workforce is {fmt(r['workforce'])}")
        for (i, r), what, n, ok in zip(bad.iterrows(), _what(t, bad), need[bad.index], reported[bad.index], strict=True)
    ]
    return pd.DataFrame({"row": bad["row"].to_numpy(), "check": Check.labour.value, "message": msgs})
