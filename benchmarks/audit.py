"""Audit throughput: one batch call against the per-submission baseline (one report per call).

Reports: every enterprise of the scenario in every plan year at 90-105 % of its base output with the
inputs and labour it needs (seed 1958), plus each region's total, so all seven checks do real work;
1 % of the enterprise reports have their largest input cut to a tenth (these must be flagged).
The baseline audits the first ``--single`` reports one call each (what a service does per
submission); the batch audits all of them in one call. The incremental audit (what the service does now)
audits the same ``--single`` reports one call each, against all the other reports as stored context, and
must give the flags ``audit_reports(context=…)`` gives. Per-report times and their ratios are printed.

    python benchmarks/audit.py [--counties 0] [--single 200]     # 0 = shanxi-1958, else a synthetic scenario
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from leapplan.audit import audit_reports
from leapplan.audit.incremental import IncrementalAudit
from leapplan.audit.units import unit_tables
from leapplan.scenario import Scenario, load
from leapplan.scenario.synth import synthesize


def batch(s: Scenario, rng: np.random.Generator) -> tuple[pd.DataFrame, set[str]]:
    """Honest reports for every enterprise and period, region totals, and a few with short inputs."""
    tech = {t.id: t for t in s.technologies}
    parent = {r.id: r.parent for r in s.regions}
    rows, totals, cut = [], {}, set()
    for period in s.periods[:5]:
        for e in s.enterprises:
            t = tech[e.technology]
            q = e.base_output * rng.uniform(0.9, 1.05)
            inputs = {k: v * q * rng.uniform(1.0, 1.1) for k, v in t.inputs.items()}
            rid = f"{e.id}/{period}"
            if inputs and rng.random() < 0.01:
                big = max(inputs, key=inputs.__getitem__)
                inputs[big] /= 10
                cut.add(rid)
            rows.append(
                {
                    "report_id": rid,
                    "unit": e.id,
                    "period": period,
                    "product": t.product,
                    "produced": q,
                    "labour": q * t.labour * 1.05,
                    "inputs": inputs,
                }
            )
            r: str | None = e.region
            while r is not None:
                totals[r, period, t.product] = totals.get((r, period, t.product), 0.0) + np.array(
                    [q, q * t.labour * 1.05]
                )
                r = parent[r]
    rows += [
        {
            "report_id": f"{r}/{p}/{prod}",
            "unit": r,
            "period": p,
            "product": prod,
            "produced": q[0],
            "labour": q[1],
            "inputs": None,
        }
        for (r, p, prod), q in totals.items()
    ]
    return pd.DataFrame(rows), cut


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counties", type=int, default=0, help="synthetic scenario size (0 = shanxi-1958)")
    ap.add_argument("--single", type=int, default=200, help="reports audited one per call (baseline)")
    args = ap.parse_args()
    s = load("shanxi-1958") if args.counties == 0 else synthesize(counties=args.counties, products=20, years=5, seed=1)
    t0 = time.perf_counter()
    unit_tables(s)
    build = time.perf_counter() - t0
    frame, cut = batch(s, np.random.default_rng(1958))
    audit_reports(s, frame.head(2))  # warm the scenario cache
    t0 = time.perf_counter()
    flags = audit_reports(s, frame)
    whole = time.perf_counter() - t0
    flagged = set(flags.loc[flags["check"] == "material_balance", "report_id"])
    assert cut == flagged == set(flags["report_id"]), "exactly the cut reports must be flagged"
    n = min(args.single, len(frame))
    t0 = time.perf_counter()
    for i in range(n):
        audit_reports(s, frame.iloc[[i]])
    single = (time.perf_counter() - t0) / n
    per = whole / len(frame)
    print(
        f"scenario {s.name}: {len(s.enterprises):,} enterprises, {len(s.regions):,} regions; tables built in {build:.2f} s"
    )
    print(
        f"batch: {len(frame):,} reports in {whole:.2f} s = {per * 1e3:.3f} ms/report "
        f"({len(flags):,} flags: exactly the {len(cut)} reports with a cut input)"
    )
    print(f"baseline, one report per call: {single * 1e3:.1f} ms/report ({n} calls)")
    print(f"batch is {single / per:,.0f}× faster per report than one call per report")

    cols = ["report_id", "unit", "period", "product", "produced", "labour"]
    engine = IncrementalAudit(s)
    stored = [frame.drop(index=i)[cols].to_dict("records") for i in range(min(n, 5))]
    for i, context in enumerate(stored):  # the same flags as audit_reports with the same context
        want = audit_reports(s, frame.iloc[[i]], context=pd.DataFrame(context))
        got = engine.check(frame.iloc[[i]].to_dict("records"), context)
        assert [(f["check"], f["message"]) for f in got] == list(zip(want["check"], want["message"], strict=True))
    records = [dict(r) for r in frame.to_dict("records")]
    contexts = [
        [{k: r[k] for k in cols} for r in records if r["product"] == records[i]["product"] and r is not records[i]]
        for i in range(n)
    ]
    t0 = time.perf_counter()
    for i in range(n):
        engine.check([records[i]], contexts[i])
    incremental = (time.perf_counter() - t0) / n
    print(
        f"incremental, one report per call against the stored reports of its product: {incremental * 1e3:.2f} "
        f"ms/report, {single / incremental:,.0f}× faster than audit_reports one call per report"
    )


if __name__ == "__main__":
    main()
