"""Plausibility warnings: valid scenarios whose numbers look like slips; `validate` warns, `--strict` fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from leapplan.cli import main
from leapplan.errors import ScenarioError
from leapplan.scenario import Scenario, parse
from leapplan.scenario.plausibility import plausibility


def warnings_of(raw: dict[str, Any]) -> list[str]:
    return [str(p) for p in plausibility(parse(raw))]


def test_the_embedded_scenarios_and_tiny_are_plausible(shanxi: Scenario, tiny: Scenario) -> None:
    assert plausibility(shanxi) == []
    assert plausibility(tiny) == []


def test_a_county_a_thousand_times_too_big(shanxi: Scenario) -> None:
    raw = shanxi.model_dump(mode="json")
    county = next(r for r in raw["regions"] if r["id"] == "huairen")
    assert county["population"] == 115_000
    county["population"] = 115_000_000  # the slip: ×1000
    rest = sum(r.population for r in shanxi.regions) - 115_000
    found = warnings_of(raw)
    # 91 counties of 110,000-175,000 people (split evenly within each special district); the median is 165,000
    # before and after the slip, and 115,000,000 / 165,000 = 697
    assert (
        f"regions[huairen].population: 115,000,000 persons is 697 × the median county (165,000), more than all "
        f"other regions together ({rest:,.0f}); a slip of a factor 10 or 1000?" in found
    )
    assert len(found) == 1  # labour force, farmland and the other counties are as they were


def test_more_than_the_parent_and_labour_above_population(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["regions"][0]["population"] = 250_000  # the province gives a figure of its own
    tiny_raw["regions"][2]["population"] = 300_000  # north: more than the province's
    tiny_raw["regions"][3]["labour_force"] = 160_000  # south: 150,000 people
    found = warnings_of(tiny_raw)
    assert "regions[north].population: 300,000 persons is more than its parent 'prov' has (250,000)" in found
    assert "regions[south].labour_force: 160,000 persons is more than the region's population (150,000)" in found
    assert len(found) == 2


def test_a_percentage_where_a_share_belongs(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["simulation"] = {"report_inflation": 80}
    assert warnings_of(tiny_raw) == [
        "simulation.report_inflation: 80 is a share of the shortfall above 1 (80 % would be 0.8)"
    ]
    tiny_raw["technologies"][2]["usable_share"] = 40  # a Share field: an error, not a warning
    with pytest.raises(ScenarioError) as info:
        parse(tiny_raw)
    assert [str(p) for p in info.value.problems] == [
        "technologies[iron_indigenous].usable_share: a share must be between 0 and 1, not 40 "
        "(a percentage? 40 % is 0.4)"
    ]


def test_a_target_that_asks_for_more_than_tenfold_growth_a_year(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["targets"][0]["value"] = 12  # local_x15: local industry ×12 in one year
    # base-year local industry in tiny.yaml, usable output: north coal 3.5 m + south coal 2.8 m + 40 % of
    # south's 450,000 yuan of pig iron = 6,480,000 yuan; ×12 = 77,760,000 yuan
    assert warnings_of(tiny_raw) == [
        "targets[local_x15].value: asks for ×12.0 a year from 1957 to 1958 (6,480,000 → 77,760,000 yuan, usable output)"
    ]


def test_base_output_above_capacity_is_an_error_located_by_id(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["enterprises"][2]["base_output"] = 500_000  # north_coal: capacity 400,000 t
    with pytest.raises(ScenarioError) as info:
        parse(tiny_raw)
    assert [str(p) for p in info.value.problems] == [
        "enterprises[north_coal]: base_output 500000 exceeds capacity 400000"
    ]


def test_validate_warns_and_strict_fails(
    tiny_raw: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny_raw["regions"][3]["labour_force"] = 160_000
    path = tmp_path / "slip.yaml"
    path.write_text(yaml.safe_dump(tiny_raw))
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    err, out = " ".join(captured.err.split()), " ".join(captured.out.split())
    assert "1 warning" in err and "regions[south].labour_force" in err
    assert "valid" in out and "--strict makes them errors" in out
    assert main(["validate", str(path), "--strict"]) == 2
    assert "regions[south].labour_force" in capsys.readouterr().err
    assert main(["validate", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is True and data["problems"] == []
    assert data["warnings"] == [
        {
            "location": "regions[south].labour_force",
            "message": "160,000 persons is more than the region's population (150,000)",
        }
    ]
    assert main(["validate", str(path), "--json", "--strict"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False and [p["location"] for p in data["problems"]] == ["regions[south].labour_force"]


def test_did_you_mean_searches_every_product(capsys: pytest.CaptureFixture[str]) -> None:
    """`--demand stee=+20%`: the suggestion comes from all 18 products of shanxi-1958 and the list is given whole."""
    assert main(["balance", "--demand", "stee=+20%"]) == 2
    err = capsys.readouterr().err
    assert "unknown product 'stee' (did you mean 'steel'?)" in err
    products = [
        "cement", "coal", "coke", "edible_oil", "electricity", "farm_tools", "fertilizer", "flour", "grain", "iron_ore",
        "non_staple_food", "pig_iron", "power_machinery", "rolled_steel", "starch", "steel", "transport",
        "water_lifting",
    ]  # fmt: skip
    assert f"the 18 products are: {', '.join(products)}" in " ".join(err.split())
