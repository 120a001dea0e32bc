"""Scenarios: the typed model, file formats, validation, embedded and synthetic scenarios."""

from __future__ import annotations

from pathlib import Path

from leapplan.errors import Problem, ScenarioError
from leapplan.scenario import embedded
from leapplan.scenario.io import load as load_path
from leapplan.scenario.io import parse, save
from leapplan.scenario.model import (
    LOCAL_OWNERSHIP,
    Agreement,
    AgreementKind,
    Agriculture,
    Enterprise,
    FundKind,
    FundSource,
    Guardrails,
    Link,
    Metric,
    Network,
    NetworkTier,
    Ownership,
    Period,
    Product,
    Region,
    RegionKind,
    Responsibility,
    Scale,
    Scenario,
    Scope,
    Sector,
    SupportEffect,
    Target,
    TargetKind,
    TechKind,
    Technology,
    Zone,
)


def load(name_or_path: str | Path | None = None) -> Scenario:
    """Load an embedded scenario by name (default 'shanxi-1958') or a scenario file/folder by path."""
    if name_or_path is None:
        name_or_path = embedded.DEFAULT
    folder = embedded.path_of(str(name_or_path)) if isinstance(name_or_path, str) else None
    if folder is not None and not Path(name_or_path).exists():
        return load_path(folder)
    path = Path(name_or_path)
    if not path.exists():
        known = ", ".join(embedded.names())
        raise ScenarioError([Problem("", f"no such file, folder or embedded scenario (embedded: {known})")], str(path))
    return load_path(path)


__all__ = [
    "LOCAL_OWNERSHIP",
    "Agreement",
    "AgreementKind",
    "Agriculture",
    "Enterprise",
    "FundKind",
    "FundSource",
    "Guardrails",
    "Link",
    "Metric",
    "Network",
    "NetworkTier",
    "Ownership",
    "Period",
    "Product",
    "Region",
    "RegionKind",
    "Responsibility",
    "Scale",
    "Scenario",
    "Scope",
    "Sector",
    "SupportEffect",
    "Target",
    "TargetKind",
    "TechKind",
    "Technology",
    "Zone",
    "embedded",
    "load",
    "parse",
    "save",
]
