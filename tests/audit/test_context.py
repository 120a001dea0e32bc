"""``audit_reports(..., context=…)`` flags new reports exactly as auditing them together with the context does."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.audit import audit_reports
from leapplan.scenario import Scenario


def _batch(shanxi: Scenario, rng: np.random.Generator) -> pd.DataFrame:
    """Every enterprise in 1958-1960 near its base output, with a few inflated outputs, missing inputs and jumps,
    and the regions' totals of one year, one of them padded."""
    tech = {t.id: t for t in shanxi.technologies}
    rows = []
    for period in shanxi.periods[:3]:
        for e in shanxi.enterprises:
            t = tech[e.technology]
            q = e.base_output * rng.uniform(0.9, 1.05) * (3.0 if rng.random() < 0.02 else 1.0)
            inputs = {k: v * q * (0.2 if rng.random() < 0.02 else 1.05) for k, v in t.inputs.items()}
            rows.append(
                {"unit": e.id, "period": period, "product": t.product, "produced": q, "labour": q * t.labour * 1.1}
                | {"inputs": inputs}
            )
    frame = pd.DataFrame(rows)
    made = frame[frame["period"] == "1959"].merge(
        pd.DataFrame([(e.id, e.region) for e in shanxi.enterprises], columns=["unit", "region"]), on="unit"
    )
    counties = made.groupby(["region", "product"], as_index=False)["produced"].sum()
    counties["produced"] *= np.where(rng.random(len(counties)) < 0.05, 1.3, 1.0)
    regions = counties.rename(columns={"region": "unit"}).assign(period="1959", labour=np.nan, inputs=None)
    frame = pd.concat([frame, regions], ignore_index=True)
    return frame.assign(report_id=[f"r{i}" for i in range(len(frame))])


def test_context_gives_the_flags_of_the_whole_batch(shanxi: Scenario) -> None:
    rng = np.random.default_rng(19)
    frame = _batch(shanxi, rng)
    whole = audit_reports(shanxi, frame)
    assert set(whole["check"]) >= {"material_balance", "capacity", "history", "parent_total"}  # the batch bites
    flagged = frame[frame["report_id"].isin(set(whole["report_id"]))]
    samples = [flagged.sample(min(40, len(flagged)), random_state=0)] + [
        frame.sample(25, random_state=k) for k in range(3)
    ]
    assert set(whole[whole["report_id"].isin(set(samples[0]["report_id"]))]["check"]) >= {"capacity", "parent_total"}
    for new in samples:
        context = frame.drop(new.index)[["report_id", "unit", "period", "product", "produced", "labour"]]
        alone = audit_reports(shanxi, new, context=context)
        expected = whole[whole["report_id"].isin(set(new["report_id"]))]
        key = ["report_id", "check", "message"]
        assert alone[key].sort_values(key).values.tolist() == expected[key].sort_values(key).values.tolist()
