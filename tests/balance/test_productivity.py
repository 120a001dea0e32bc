"""Hawkins–Simon: spectral radius against numpy, and the culprits of a non-productive table named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leapplan.balance.productivity import productivity, require_productive
from leapplan.balance.synthetic import synthetic_mrio
from leapplan.balance.system import IOSystem
from leapplan.errors import BalanceError


def _system(a: np.ndarray, names: list[str]) -> IOSystem:
    idx = pd.Index(names)
    return IOSystem.from_coefficients(pd.DataFrame(a, index=idx, columns=idx))


def test_radius_matches_numpy() -> None:
    s = synthetic_mrio(regions=4, sectors=30, seed=11)
    expected = np.max(np.abs(np.linalg.eigvals(s.A.toarray())))
    p = productivity(s)
    assert p.productive and p.exact
    assert p.radius == pytest.approx(expected, rel=1e-10)


def test_culprits_are_the_cycle() -> None:
    # steel uses coal; coal needs 2 t-km of transport per t and transport 0.6 t coal per t-km:
    # the coal ↔ transport cycle has radius √(2 · 0.6) = 1.0954 (by hand); steel is not part of it
    a = np.zeros((3, 3))
    names = ["steel", "coal", "transport"]
    a[1, 0] = 0.5
    a[2, 1] = 2.0
    a[1, 2] = 0.6
    s = _system(a, names)
    p = productivity(s)
    assert not p.productive
    assert p.radius == pytest.approx(np.sqrt(1.2), rel=1e-12)
    assert sorted(p.culprits) == ["coal", "transport"]
    with pytest.raises(BalanceError, match=r"spectral radius 1\.095.*coal.*transport|transport.*coal"):
        require_productive(s)


def test_value_terms_bound() -> None:
    # physical units: 3 t coal per t iron looks "bigger than 1" but at prices 10 and 150 it is 0.2 yuan/yuan
    a = np.array([[0.0, 3.0], [0.0, 0.0]])
    idx = pd.Index(["coal", "iron"])
    s = IOSystem.from_coefficients(pd.DataFrame(a, index=idx, columns=idx), prices=pd.Series([10.0, 150.0], index=idx))
    p = productivity(s)
    assert p.productive and p.radius == 0.0
