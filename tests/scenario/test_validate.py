"""Cross-reference validation: every kind of bad input gets a located message."""

from __future__ import annotations

from typing import Any

import pytest

from leapplan.errors import ScenarioError
from leapplan.scenario import Scenario, parse
from leapplan.scenario.validate import suggest


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse(raw)
    return [str(p) for p in info.value.problems]


def test_unknown_zone_county_with_suggestion(shanxi: Scenario) -> None:
    raw = shanxi.model_dump(mode="json")
    raw["zones"][2]["counties"][1] = "qinxian"
    assert "zones[yangquan_zone].counties[1]: unknown region 'qinxian' (did you mean 'qin'?)" in problems(raw)


def test_suggest_prefers_a_shared_prefix() -> None:
    assert suggest("qinxian", ["qingxu", "qin", "qi"]) == ["qin"]
    assert suggest("qingxv", ["qingxu", "qin"]) == ["qingxu"]
    assert suggest("zzz", ["qingxu", "qin"]) == []


def test_unknown_ids_everywhere(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["enterprises"][0]["region"] = "citty"
    tiny_raw["enterprises"][1]["technology"] = "iron_modren"
    tiny_raw["technologies"][0]["inputs"] = {"transprt": 5}
    tiny_raw["links"][0]["to_region"] = "nowhere"
    found = problems(tiny_raw)
    assert "enterprises[city_steel].region: unknown region 'citty' (did you mean 'city'?)" in found
    assert "enterprises[city_iron].technology: unknown technology 'iron_modren' (did you mean 'iron_modern'?)" in found
    assert "technologies[coal_small].inputs.transprt: unknown product 'transprt' (did you mean 'transport'?)" in found
    assert "links[city_north].to_region: unknown region 'nowhere'" in found
    assert len(found) == 4


def test_cycle_in_region_tree(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["regions"].append({"id": "a", "name": "A", "kind": "township", "parent": "b"})
    tiny_raw["regions"].append({"id": "b", "name": "B", "kind": "township", "parent": "a"})
    found = problems(tiny_raw)
    assert sum("cycle in the region tree" in p for p in found) == 1
    assert any("a → b → a" in p or "b → a → b" in p for p in found)


def test_child_above_parent_level(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["regions"][2]["parent"] = "south"  # a county under a county
    assert "regions[north].parent: a county cannot sit under a county ('south')" in problems(tiny_raw)


def test_zone_member_not_a_county(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["zones"][0]["counties"].append("prov")
    assert "zones[city_zone].counties[2]: zone member 'prov' is a province, not a county" in problems(tiny_raw)


def test_zone_centre_must_be_a_city(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["zones"][0]["centre"] = "north"
    assert any(
        p.startswith("zones[city_zone].centre: centre 'north' is a county, not a city") for p in problems(tiny_raw)
    )


def test_network_hub_not_an_enterprise(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["networks"][0]["commanders"] = ["city"]
    tiny_raw["networks"][0]["responsibilities"][0]["hub"] = "steelworks"
    found = problems(tiny_raw)
    assert (
        "networks[iron_net].commanders[0]: hub 'city' is a region, not an enterprise; name the hub enterprise" in found
    )
    assert any(
        p.startswith("networks[iron_net].responsibilities[0].hub: unknown enterprise 'steelworks'") for p in found
    )


def test_target_year_outside_horizon(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["targets"][1]["year"] = 1962
    assert "targets[steel_1959].year: year 1962 is outside the plan years 1958–1959" in problems(tiny_raw)


def test_unit_mismatch(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["zones"][0]["agreements"][1]["unit"] = "kg"
    tiny_raw["zones"][0]["agreements"][0]["unit"] = "yuan"
    found = problems(tiny_raw)
    assert (
        "zones[city_zone].agreements[steel_south].unit: unit 'kg' does not match product 'steel', measured in 't'"
        in found
    )
    assert (
        "zones[city_zone].agreements[labour_north].unit: unit 'yuan' does not match a labour agreement, measured in 'persons'"
        in found
    )


def test_target_compares_different_units(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["targets"][0]["kind"] = "ratio_to_metric"
    tiny_raw["targets"][0]["reference"] = {"metric": "output", "product": "steel"}
    assert "targets[local_x15].reference.metric: compares output_value with output: units differ" in problems(tiny_raw)


def test_input_nobody_makes(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["products"].append({"id": "coke", "name": "Coke", "unit": "t", "price": 40, "sector": "industry"})
    tiny_raw["technologies"][3]["inputs"]["coke"] = 0.5
    assert (
        "technologies[iron_modern].inputs.coke: input 'coke' is made by no technology and cannot be imported"
        in problems(tiny_raw)
    )


def test_importable_input_is_fine(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["products"].append(
        {"id": "coke", "name": "Coke", "unit": "t", "price": 40, "sector": "industry", "import_limit": 1000}
    )
    tiny_raw["technologies"][3]["inputs"]["coke"] = 0.5
    parse(tiny_raw)


def test_not_productive_names_the_cycle(tiny_raw: dict[str, Any]) -> None:
    # coal needs 0.5 t steel per t and steel needs 0.5 t coal and 1.1 t pig iron; pig iron needs 3 t coal:
    # the coal-iron-steel loop makes less than it uses.
    tiny_raw["technologies"][0]["inputs"]["steel"] = 0.5
    tiny_raw["technologies"][1]["inputs"]["steel"] = 0.5
    found = problems(tiny_raw)
    assert len(found) == 1
    assert "not productive" in found[0]
    assert "coal, pig_iron, steel" in found[0]


def test_duplicate_ids(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["products"].append(dict(tiny_raw["products"][1]))
    assert "products[5].id: duplicate id 'coal' (first used at products[1])" in problems(tiny_raw)


def test_a_reserve_is_held_where_people_live_and_adds_up(tiny_raw: dict[str, Any]) -> None:
    # tiny.yaml holds 30,000 t; the province (the root) has no population; city, north and south have people
    tiny_raw["regions"][0]["reserve"] = 1000
    tiny_raw["regions"][1]["reserve"] = 20000
    tiny_raw["regions"][2]["reserve"] = 15000
    found = problems(tiny_raw)
    assert "regions[prov].reserve: 'prov' has no population: the reserve is held where people live" in found
    assert "agriculture.reserve: the regions' reserves add up to 36,000 t, more than the 30,000 t held" in found
    del tiny_raw["regions"][0]["reserve"]
    for i in (1, 2, 3):
        tiny_raw["regions"][i]["reserve"] = 5000
    assert problems(tiny_raw) == [
        "agriculture.reserve: the regions' reserves add up to 15,000 t of the 30,000 t held, and no region with "
        "people is left to hold the rest"
    ]
    for i in (1, 2, 3):
        tiny_raw["regions"][i]["reserve"] = 10000
    assert [r.reserve for r in parse(tiny_raw).regions] == [None, 10000, 10000, 10000]
