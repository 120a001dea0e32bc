"""Switching each mechanism off moves china-1957's announced trajectory the way the mechanism says it should."""

from __future__ import annotations

import pandas as pd
import pytest

from leapplan.scenario import Scenario
from leapplan.simulate.effects import Effects, markdown, mechanism_effects, variants
from leapplan.simulate.frictions import MECHANISMS

RUNS = 40


@pytest.fixture(scope="module")
def effects(china: Scenario) -> Effects:
    return mechanism_effects(china, RUNS)


def series(e: Effects, variant: str, column: str) -> pd.Series:
    return e.table.loc[variant, column]


def higher(e: Effects, variant: str, column: str, periods: list[str], margin: float = 0.0) -> bool:
    """The variant's medians above the others' in every one of ``periods``, by more than ``margin`` (a share):
    against all on for a 'without' variant, against 'without investment' for 'all on'."""
    other = "without investment" if variant == "all on" else "all on"
    base, mine = series(e, other, column), series(e, variant, column)
    return all(mine[p] > base[p] * (1 + margin) for p in periods)


def test_every_mechanism_has_a_variant() -> None:
    names = [n for n, _ in variants()]
    assert names == ["all on", *[f"without {m}" for m in MECHANISMS], "all off"]


def test_switching_each_mechanism_off_moves_the_replay_its_way(effects: Effects) -> None:
    e = effects
    # capacity that lasts: without it industry falls back to the base year after the campaign
    assert higher(e, "all on", "pig iron [Mt]", ["1959", "1960", "1961", "1962"])
    assert series(e, "without investment", "steel [Mt]")["1962"] < series(e, "all on", "steel [Mt]")["1962"]
    # furnaces that do not wear keep their iron and their workers: more iron, less grain
    assert higher(e, "without wear", "pig iron [Mt]", ["1959", "1960"])
    assert not higher(e, "without wear", "grain [Mt]", ["1959"])
    # no capacity built on the reports: less iron once the ratchet has acted
    assert not higher(e, "without capacity_ratchet", "pig iron [Mt]", ["1961", "1962"])
    # workers go home after the campaign: fewer off the farms, more grain
    assert not higher(e, "without labour_stays", "non-farm labour [M]", ["1959"])
    assert higher(e, "without labour_stays", "grain [Mt]", ["1959", "1960"])
    # the whole grain land sown: more grain
    assert higher(e, "without sown_area", "grain [Mt]", ["1959", "1960"])
    # no seed to keep: more eaten, and no sowing lost to procured seed
    assert higher(e, "without seed_grain", "food, lowest region [kg/yr]", ["1958"])
    assert higher(e, "without seed_grain", "grain [Mt]", ["1959"])
    # no hunger: the famine does not lower the next year's work
    assert higher(e, "without hunger", "grain [Mt]", ["1959", "1960"], 0.05)
    assert higher(e, "without hunger", "coal [Mt]", ["1959"], 0.05)
    # the campaign's draw spread over the whole year's harvest: a smaller 1958 fall (the yield curve is concave)
    assert higher(e, "without harvest_season", "grain [Mt]", ["1958"])
    # nobody cuts the plans or stops believing the reports: the famine deepens instead of easing
    assert not higher(e, "without retrenchment", "grain [Mt]", ["1960", "1961", "1962"])
    assert series(e, "without retrenchment", "grain [Mt]")["1962"] < 0.5 * series(e, "all on", "grain [Mt]")["1962"]
    # native steel not written off: more steel made in 1959, less of it usable
    assert higher(e, "without write_off", "steel [Mt]", ["1959"])
    real = series(e, "without write_off", "steel [Mt]")["1959"]
    assert series(e, "without write_off", "steel usable [Mt]")["1959"] < real
    # mess halls: in china-1957 the villages' stocks are gone in 1958 and the halls close at once (no lasting effect)
    on, halls_off = (series(e, v, "food, lowest region [kg/yr]") for v in ("all on", "without mess_halls"))
    assert all(abs(halls_off[p] - on[p]) <= 0.02 * on[p] for p in ["1959", "1960", "1961"])
    # and everything off is main's policy mode: industry back at its base year from 1959
    assert series(e, "all off", "coal [Mt]")["1960"] == pytest.approx(130.0, rel=0.01)


def test_the_table_as_markdown(effects: Effects) -> None:
    text = markdown(effects, ["grain [Mt]"])
    lines = text.splitlines()
    assert lines[0].startswith("| variant | grain [Mt], 1958–1962 |")
    assert len(lines) == 2 + len(variants())
    assert lines[2].startswith("| all on | ")
