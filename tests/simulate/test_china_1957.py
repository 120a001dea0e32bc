"""The embedded china-1957 scenario: its base year reproduces the cited 1957 figures; its policies load."""

from __future__ import annotations

import pytest

from leapplan.errors import ScenarioError
from leapplan.scenario import Scenario, load, parse
from leapplan.scenario.accounts import base_grain, base_output
from leapplan.scenario.model import PolicyKind


def test_base_year_matches_the_cited_1957_figures(china: Scenario) -> None:
    out = base_output(china)
    by_product = out.groupby("product")["output"].sum()
    assert by_product["steel"] == pytest.approx(5.35e6, rel=1e-6)  # Ten Great Years
    assert by_product["pig_iron"] == pytest.approx(5.94e6, rel=1e-6)
    assert by_product["coal"] == pytest.approx(130e6, rel=1e-6)
    assert base_grain(china).sum() == pytest.approx(195.05e6, rel=1e-4)  # Statistical Yearbook 1983
    by_sector = out.groupby("sector")["value"].sum()
    assert by_sector["industry"] == pytest.approx(70.4e9, rel=1e-6)
    assert by_sector["agriculture"] == pytest.approx(53.7e9, rel=1e-4)
    assert sum(r.population for r in china.regions) == pytest.approx(646.53e6, rel=1e-9)
    assert sum(r.labour_force for r in china.regions) == pytest.approx(237.71e6, rel=1e-9)
    farm = sum(r.labour_force for r in china.regions if r.farmland > 0) * china.agriculture.base_farm_share
    assert farm == pytest.approx(193.09e6, rel=1e-4)


def test_every_number_carries_its_provenance(china: Scenario) -> None:
    items = [
        *china.regions,
        *china.products,
        *china.technologies,
        *china.enterprises,
        *china.policies,
        *china.targets,
        *china.funds,
        *china.links,
        china.agriculture,
        china.guardrails,
        china.simulation,
    ]
    for item in items:
        assert item.source.startswith(("cited: ", "estimate: ")), item


def test_the_announced_policies(china: Scenario) -> None:
    kinds = {p.kind for p in china.policies}
    assert kinds == set(PolicyKind)
    steel = next(p for p in china.policies if p.kind is PolicyKind.output_target and p.product == "steel")
    assert steel.value == 10.7e6 == 2 * 5.35e6


def test_policy_problems_are_located(tiny_raw: dict) -> None:
    tiny_raw["policies"] = [
        {"id": "a", "kind": "output_target", "start": "1975", "value": 1.0},
        {"id": "b", "kind": "indigenous_labour", "start": "1958Q3", "value": 1.5, "technologies": {"iron_nope": 0.5}},
    ]
    with pytest.raises(ScenarioError) as err:
        parse(tiny_raw, "tiny")
    text = str(err.value)
    assert "policies[a].start: '1975' is not a plan year 1958–1959" in text
    assert "policies[a].product: an output_target needs a product" in text
    assert "policies[b].technologies.iron_nope: unknown technology 'iron_nope'" in text
    assert "policies[b].value: a share of farm labour must be at most 1, not 1.5" in text


def test_scenarios_without_policies_still_load() -> None:
    s = load("shanxi-1958")
    assert s.policies == [] and s.simulation.build_delay == 0.5


def test_every_simulation_parameter_set_has_its_own_source(china: Scenario) -> None:
    st = china.simulation
    mine = st.model_fields_set - {"source", "sources"}
    assert {"harvest_persistence", "harvest_season", "seed_rate", "hunger_work", "sown_area_response"} <= mine
    for name in mine:
        assert st.sources.get(name, "").startswith(("cited: ", "estimate: ")), name
        assert "1958" not in st.sources[name] and "1959" not in st.sources[name], name  # nothing from the outcomes


def test_simulation_settings_problems_are_located(tiny_raw: dict) -> None:
    tiny_raw["simulation"] = {"harvest_season": [0.5, 0.5, 0.5, 0.0], "sources": {"weather": "estimate: x"}}
    with pytest.raises(ScenarioError) as err:
        parse(tiny_raw, "tiny")
    assert "harvest_season must sum to 1, not 1.5" in str(err.value)
    tiny_raw["simulation"] = {"sources": {"weather": "estimate: x"}}
    with pytest.raises(ScenarioError) as err:
        parse(tiny_raw, "tiny")
    assert "sources: 'weather' is not a simulation parameter" in str(err.value)
