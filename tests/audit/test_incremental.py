"""IncrementalAudit gives every new report the flags audit_reports gives it (second method: the vectorised audit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leapplan.audit import audit_reports, incremental
from leapplan.audit.incremental import IncrementalAudit
from leapplan.scenario import Scenario

from .test_context import _batch


def _plan(shanxi: Scenario, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A production table with one line per region and technology near its capacity (some below one unit), and
    technicians sent to a few network members."""
    tech = {t.id: t for t in shanxi.technologies}
    lines: dict[tuple[str, str], float] = {}
    for e in shanxi.enterprises:
        lines[(e.region, e.technology)] = lines.get((e.region, e.technology), 0.0) + e.capacity
    rows = [
        (p, r, t, tech[t].product, cap * rng.uniform(0.3, 1.2) if rng.random() > 0.05 else rng.uniform(0, 1))
        for p in shanxi.periods[:3]
        for (r, t), cap in lines.items()
    ]
    production = pd.DataFrame(rows, columns=["period", "region", "technology", "product", "quantity"])
    members = [(n.id, r.hub, m) for n in shanxi.networks for r in n.responsibilities for m in r.members]
    support = pd.DataFrame(
        [
            {
                "period": p,
                "source": hub,
                "member": m,
                "kind": "technicians",
                "quantity": float(rng.integers(0, 30)),
                "network": net,
            }
            for p in shanxi.periods[:3]
            for net, hub, m in members[:: max(1, len(members) // 40)]
        ]
    )
    return production, support


@pytest.mark.parametrize(("with_plan", "bulk"), [(False, 1000), (True, 1000), (True, 50)])
def test_incremental_audit_equals_audit_reports(
    shanxi: Scenario, with_plan: bool, bulk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incremental, "BULK", bulk)  # 50: the larger samples go through audit_reports
    rng = np.random.default_rng(7)
    frame = _batch(shanxi, rng)
    plan, support = _plan(shanxi, rng) if with_plan else (None, None)
    whole = audit_reports(shanxi, frame, plan, support=support)
    fast = IncrementalAudit(shanxi, plan, support)
    flagged = frame[frame["report_id"].isin(set(whole["report_id"]))]
    samples = [flagged.sample(min(30, len(flagged)), random_state=1)]
    samples += [frame.sample(n, random_state=k) for k, n in enumerate([1, 1, 5, 16, 16, 100])]  # 100: the bulk path
    checks_seen: set[str] = set()
    for new in samples:
        context = frame.drop(new.index)
        same_product = context[context["product"].isin(set(new["product"]))]  # what a service would hand over
        for stored in (context, same_product):
            known = stored[["report_id", "unit", "period", "product", "produced", "labour"]]
            want = audit_reports(shanxi, new, plan, support=support, context=known)
            got = fast.check(new.to_dict("records"), known.to_dict("records"))
            assert [(f["report_id"], f["check"], f["message"]) for f in got] == list(
                want[["report_id", "check", "message"]].itertuples(index=False, name=None)
            )
            assert [f["severity"] for f in got] == want["severity"].tolist()
            checks_seen |= set(want["check"])
    assert checks_seen >= {"material_balance", "capacity", "labour", "history", "peers", "parent_total"} | (
        {"plan"} if with_plan else set()
    )
