"""Shared fixtures: small standard scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from leapplan.scenario import Scenario, load

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    """The hand-checkable two-county scenario in tests/data/tiny.yaml."""
    return load(DATA / "tiny.yaml")


@pytest.fixture()
def tiny_raw() -> dict[str, Any]:
    """tests/data/tiny.yaml as plain data, to break on purpose."""
    return yaml.safe_load((DATA / "tiny.yaml").read_text())


@pytest.fixture(scope="session")
def shanxi() -> Scenario:
    """The embedded default scenario."""
    return load("shanxi-1958")
