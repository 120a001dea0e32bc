"""Read and validate the tables handed to the audit: reports (with their inputs) and a plan.

Every problem is collected and raised at once as one :class:`AuditError` naming the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from leapplan.audit.units import UnitTables, key
from leapplan.errors import AuditError

REQUIRED = ["report_id", "unit", "period", "product", "produced"]
INPUT_PREFIX = "input:"
PLAN_COLUMNS = ["period", "region", "technology", "product", "quantity"]
SHOWN = 20  # problems listed in one error message


def _raise(what: str, problems: list[str]) -> None:
    if not problems:
        return
    head = f"{what}: {len(problems)} problem{'s' if len(problems) != 1 else ''} found"
    lines = [f"  {p}" for p in problems[:SHOWN]]
    if len(problems) > SHOWN:
        lines.append(f"  … and {len(problems) - SHOWN} more")
    raise AuditError("\n".join([head, *lines]))


def _missing(frame: object, required: list[str], what: str, hint: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise AuditError(f"{what} must be a pandas DataFrame, not {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise AuditError(f"{what}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} ({hint})")
    return frame


def _numbers(values: pd.Series, name: str, where: pd.Series, problems: list[str], optional: bool) -> pd.Series:
    """``values`` as floats; non-numbers, infinities and negatives are problems (blanks too unless optional)."""
    num = pd.to_numeric(values, errors="coerce").astype(float)
    blank = values.isna().to_numpy()
    bad = (num.isna().to_numpy() & ~blank) | np.isinf(num.to_numpy())
    if not optional:
        bad |= blank
    for i in np.flatnonzero(bad):
        v = values.iat[i]
        problems.append(f"{where.iat[i]}: {name} {v.item() if isinstance(v, np.generic) else v!r} is not a number")
    for i in np.flatnonzero(num.to_numpy() < 0):
        problems.append(f"{where.iat[i]}: {name} {num.iat[i]:g} is negative")
    return num


def _known(
    values: pd.Series, known: Iterable[str], what: str, where: pd.Series, problems: list[str], hint: str = ""
) -> None:
    index = known if isinstance(known, pd.Index) else pd.Index(list(known))
    for i in np.flatnonzero(index.get_indexer(values) < 0):
        problems.append(f"{where.iat[i]}: unknown {what} {values.iat[i]!r}{hint}")


def _text(values: pd.Series) -> pd.Series:
    """Ids as text; periods read from CSV as integers (1958) become '1958'."""
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))


def read_reports(t: UnitTables, reports: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reports as a clean frame plus their inputs in long form.

    Returns ``(R, inputs)``: R has columns [row, report_id, unit, period, product, produced, labour, pidx]
    (row = position in ``reports``, pidx = period position; labour NaN when not reported) and inputs has
    [row, input, received] for every input the report states (an input not stated is not checked).
    """
    frame = _missing(
        reports,
        REQUIRED,
        "reports",
        "need report_id, unit, period, product, produced; optional labour, "
        "inputs (a dict product → quantity) or input:<product> columns",
    )
    n = len(frame)
    problems: list[str] = []
    ids = frame["report_id"].reset_index(drop=True)
    for i in np.flatnonzero(ids.isna().to_numpy()):
        problems.append(f"row {i + 1}: report_id is blank")
    where = pd.Series([f"report {v!r}" for v in ids.tolist()])
    for i in np.flatnonzero(ids.duplicated().to_numpy() & ids.notna().to_numpy()):
        problems.append(f"{where.iat[i]}: report_id given twice (pass each report once, its latest version)")
    R = pd.DataFrame(
        {
            "row": np.arange(n),
            "report_id": ids,
            "unit": _text(frame["unit"].reset_index(drop=True)),
            "period": _text(frame["period"].reset_index(drop=True)),
            "product": _text(frame["product"].reset_index(drop=True)),
        }
    )
    R["produced"] = _numbers(frame["produced"].reset_index(drop=True), "produced", where, problems, optional=False)
    labour = frame["labour"].reset_index(drop=True) if "labour" in frame else pd.Series(np.nan, index=R.index)
    R["labour"] = _numbers(labour, "labour", where, problems, optional=True)
    _known(R["unit"], t.kind.index, "unit", where, problems)
    labels = list(t.periods)
    span = ", ".join(labels) if len(labels) <= 8 else f"{labels[0]} … {labels[-1]}"
    _known(R["period"], t.periods, "period", where, problems, f" (the scenario's periods are {span})")
    _known(R["product"], t.names, "product", where, problems)
    # an enterprise reports its technology's product or one of its by-products
    ent = (R["unit"].map(t.kind) == "enterprise").to_numpy()
    made = t.member(key(R["unit"], R["product"]), t.made)
    for i in np.flatnonzero(ent & ~made & t.member(R["product"], t.names)):
        main = t.units.xs(R["unit"].iat[i], level="unit").index.tolist()
        problems.append(
            f"{where.iat[i]}: enterprise {R['unit'].iat[i]!r} makes {', '.join(main)}, not {R['product'].iat[i]!r}"
        )
    dup = R.duplicated(["unit", "period", "product"]).to_numpy()
    for i in np.flatnonzero(dup):
        problems.append(
            f"{where.iat[i]}: a second report for {R['unit'].iat[i]} {R['product'].iat[i]} in "
            f"{R['period'].iat[i]} (pass only the latest version of each report)"
        )
    inputs = _inputs(frame, t, where, problems)
    _raise("reports", problems)
    R["pidx"] = R["period"].map(t.periods).astype(int)
    return R, inputs


def _inputs(frame: pd.DataFrame, t: UnitTables, where: pd.Series, problems: list[str]) -> pd.DataFrame:
    parts = []
    cols = [c for c in frame.columns if isinstance(c, str) and c.startswith(INPUT_PREFIX)]
    if cols:
        wide = frame[cols].reset_index(drop=True).set_axis([c[len(INPUT_PREFIX) :] for c in cols], axis=1)
        for p in wide.columns:
            if p not in t.names:
                problems.append(f"column 'input:{p}': unknown product {p!r}")
        long = wide.rename_axis("row").reset_index().melt(id_vars="row", var_name="input", value_name="raw")
        parts.append(long[long["raw"].notna() & long["input"].isin(list(t.names))])
    if "inputs" in frame:
        rows, keys, vals = [], [], []
        for i, d in enumerate(frame["inputs"].tolist()):
            if d is None or (pd.api.types.is_scalar(d) and pd.isna(d)):
                continue
            if not isinstance(d, Mapping):
                problems.append(f"{where.iat[i]}: inputs must be a mapping product → quantity, not {d!r}")
                continue
            for k, v in d.items():
                if str(k) not in t.names:
                    problems.append(f"{where.iat[i]}: unknown input product {k!r}")
                    continue
                rows.append(i)
                keys.append(str(k))
                vals.append(v)
        parts.append(pd.DataFrame({"row": np.array(rows, dtype=int), "input": keys, "raw": vals}))
    if not parts:
        return pd.DataFrame({"row": np.array([], dtype=int), "input": pd.Series(dtype=str), "received": []})
    long = pd.concat(parts, ignore_index=True)
    at = where.iloc[long["row"].to_numpy()].reset_index(drop=True)
    long["received"] = _numbers(long["raw"], "input received", at, problems, optional=False)
    for j in np.flatnonzero(long.duplicated(["row", "input"]).to_numpy()):
        problems.append(f"{at.iat[j]}: input {long['input'].iat[j]!r} given twice")
    return long[["row", "input", "received"]]


def read_plan(t: UnitTables, plan: object) -> pd.DataFrame:
    """A plan production table [period, region, technology, product, quantity] checked against the scenario."""
    frame = _missing(plan, PLAN_COLUMNS, "plan", "the production table of a plan: " + ", ".join(PLAN_COLUMNS))
    P = pd.DataFrame({c: _text(frame[c].reset_index(drop=True)) for c in PLAN_COLUMNS[:4]})
    rows = pd.Series([f"plan row {i + 1}" for i in range(len(P))])
    problems: list[str] = []
    P["quantity"] = _numbers(frame["quantity"].reset_index(drop=True), "quantity", rows, problems, optional=False)
    _known(P["period"], t.periods, "period", rows, problems)
    _known(P["region"], t.ancestors["region"].unique(), "region", rows, problems)
    _known(P["technology"], t.technologies, "technology", rows, problems)
    _known(P["product"], t.names, "product", rows, problems)
    _raise("plan", problems)
    return P
