"""What the report reads: the shapes of a plan and an ensemble (structural, so any object with
these fields will do — the real ``PlanResult`` and ``EnsembleResult`` among them)."""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd
import xarray as xr

PLAN_TABLES: tuple[str, ...] = (
    "output_value",
    "targets",
    "weak_links",
    "food",
    "production",
    "capacity",
    "shipments",
    "labour",
    "support",
    "funds",
)
"""The plan's result tables, in the order the report lists them."""
OPTIONAL_PLAN_TABLES: tuple[str, ...] = ("builds", "trade", "consumption", "reserve", "upgrades")
"""Tables a plan may have too: new capacity and who paid, imports and exports, households, the grain reserve,
plants rebuilt as another technology."""


class PlanLike(Protocol):
    """A solved plan (``leapplan.plan.PlanResult``); tables are long pandas frames."""

    @property
    def scenario(self) -> str: ...
    @property
    def status(self) -> Any: ...
    @property
    def objective(self) -> float: ...
    @property
    def reason(self) -> str: ...
    @property
    def production(self) -> pd.DataFrame: ...
    @property
    def capacity(self) -> pd.DataFrame: ...
    @property
    def shipments(self) -> pd.DataFrame: ...
    @property
    def labour(self) -> pd.DataFrame: ...
    @property
    def support(self) -> pd.DataFrame: ...
    @property
    def funds(self) -> pd.DataFrame: ...
    @property
    def food(self) -> pd.DataFrame: ...
    @property
    def output_value(self) -> pd.DataFrame: ...
    @property
    def targets(self) -> pd.DataFrame: ...
    @property
    def weak_links(self) -> pd.DataFrame: ...
    @property
    def solver(self) -> dict[str, Any]: ...


class EnsembleLike(Protocol):
    """A Monte Carlo ensemble (``leapplan.simulate.EnsembleResult``): quantile bands in ``bands``."""

    @property
    def bands(self) -> xr.Dataset: ...
    @property
    def runs(self) -> int: ...
    @property
    def seed(self) -> int: ...


def status_text(status: Any) -> str:
    """A plan status (StrEnum or str) as plain text."""
    return str(getattr(status, "value", status))


def year_of(period: str) -> int:
    """The calendar year of a period label: '1958' or '1958Q3' → 1958."""
    return int(str(period)[:4])
