"""Every result table of a run as a long DataFrame, written as CSV and Parquet."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import xarray as xr

from leapplan.report.inputs import OPTIONAL_PLAN_TABLES, PLAN_TABLES, EnsembleLike, PlanLike
from leapplan.report.meta import provenance
from leapplan.scenario.model import Scenario
from leapplan.scenario.summary import capacity_by_product, output_value_table, targets_table

log = logging.getLogger(__name__)


def band_tables(bands: xr.Dataset) -> dict[str, pd.DataFrame]:
    """The ensemble's quantile bands in long form, one table per set of dims:
    ``bands_product`` [variable, quantile, period, product, value] (product units) and
    ``bands_province`` [variable, quantile, period, value] (kg/person/yr or yuan). Non-numeric variables (unit
    labels) are left out."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, var in bands.data_vars.items():
        if var.dtype.kind not in "fiub":
            continue
        groups.setdefault(tuple(str(d) for d in var.dims), []).append(str(name))
    out: dict[str, pd.DataFrame] = {}
    for dims, names in groups.items():
        key = "bands_product" if "product" in dims else "bands_province" if dims else "bands_scalar"
        parts = []
        for name in names:
            frame = bands[name].to_dataframe(name="value").reset_index()
            frame.insert(0, "variable", name)
            parts.append(frame[["variable", *dims, "value"]])
        table = pd.concat(parts, ignore_index=True)
        out[key] = pd.concat([out[key], table], ignore_index=True) if key in out else table
    return out


def scenario_tables(s: Scenario) -> dict[str, pd.DataFrame]:
    """Scenario summary tables: base-year capacity, base-year output value, targets and growth, provenance."""
    return {
        "scenario_capacity": pd.DataFrame(capacity_by_product(s)),
        "scenario_output_value": pd.DataFrame(output_value_table(s)),
        "scenario_targets": pd.DataFrame(targets_table(s)),
        "scenario_provenance": provenance(s),
    }


def collect(
    s: Scenario, plan: PlanLike, ensemble: EnsembleLike, extra: dict[str, pd.DataFrame] | None = None
) -> dict[str, pd.DataFrame]:
    """All tables of a run, keyed by file stem: ``plan_<table>``, ``bands_*``, ``scenario_*`` and ``extra``."""
    tables = {f"plan_{name}": getattr(plan, name) for name in PLAN_TABLES}
    for name in OPTIONAL_PLAN_TABLES:  # plans from leapplan's planner have them; test doubles may not
        frame = getattr(plan, name, None)
        if isinstance(frame, pd.DataFrame):
            tables[f"plan_{name}"] = frame
    tables.update(band_tables(ensemble.bands))
    tables.update(scenario_tables(s))
    tables.update(extra or {})
    return tables


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding anything but strings (dicts, enums, mixed) become text, so Arrow can type them."""
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object:
            values = out[col].dropna()
            if not all(type(v) is str for v in values):
                out[col] = out[col].map(lambda v: v if v is None or (isinstance(v, float) and v != v) else str(v))
    return out


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write each table as ``folder/<name>.csv`` and ``folder/<name>.parquet``; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        ready = _parquet_ready(frame.reset_index(drop=True))
        csv = folder / f"{name}.csv"
        ready.to_csv(csv, index=False)
        parquet = folder / f"{name}.parquet"
        ready.to_parquet(parquet, index=False)
        paths += [csv, parquet]
    log.info("wrote %d tables to %s", len(tables), folder)
    return paths
