"""Structural checks of the pydantic schema, each with its located message."""

from __future__ import annotations

from typing import Any

import pytest

from leapplan.errors import ScenarioError
from leapplan.scenario import Scenario, parse
from leapplan.scenario.model import Agriculture


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse(raw)
    return [str(p) for p in info.value.problems]


def test_tiny_loads(tiny: Scenario) -> None:
    assert tiny.name == "tiny"
    assert tiny.years == [1958, 1959]
    assert tiny.periods == ["1958", "1959"]
    assert len(tiny.regions) == 4 and len(tiny.enterprises) == 6


def test_quarter_periods(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["period"] = "quarter"
    s = parse(tiny_raw)
    assert s.periods[:5] == ["1958Q1", "1958Q2", "1958Q3", "1958Q4", "1959Q1"]
    assert len(s.periods) == 8


def test_negative_capacity_is_located(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["enterprises"][2]["capacity"] = -5
    assert any(
        p.startswith("enterprises[north_coal].capacity: Input should be greater than 0") for p in problems(tiny_raw)
    )


def test_zero_where_positive_needed(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["links"][0]["distance"] = 0
    tiny_raw["technologies"][0]["lifetime"] = 0
    found = problems(tiny_raw)
    assert any(p.startswith("links[city_north].distance:") for p in found)
    assert any(p.startswith("technologies[coal_small].lifetime:") for p in found)


def test_every_structural_problem_is_listed(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["products"][1]["price"] = -1
    tiny_raw["technologies"][2]["usable_share"] = 1.5
    tiny_raw["regions"][1]["populaton"] = 5
    del tiny_raw["enterprises"][0]["technology"]
    found = problems(tiny_raw)
    assert "regions[city].populaton: unknown field (check its spelling against the schema)" in found
    assert "enterprises[city_steel].technology: required field is missing" in found
    assert any(p.startswith("products[coal].price:") for p in found)
    assert any(p.startswith("technologies[iron_indigenous].usable_share:") for p in found)


def test_output_above_capacity(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["enterprises"][0]["base_output"] = 200_000
    assert any("base_output 200000 exceeds capacity 100000" in p for p in problems(tiny_raw))


def test_agreement_due_before_start(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["zones"][0]["agreements"][0]["due"] = "1957-01-01"
    assert any(
        p.startswith("zones[city_zone].agreements[labour_north]:") and "before start" in p for p in problems(tiny_raw)
    )


def test_ratio_to_metric_needs_reference(tiny_raw: dict[str, Any]) -> None:
    tiny_raw["targets"][0]["kind"] = "ratio_to_metric"
    assert any("needs a 'reference' scope" in p for p in problems(tiny_raw))


@pytest.mark.parametrize(
    ("curve", "message"),
    [
        ([[0, 0], [1, 1], [2, 3]], "concave"),
        ([[0.5, 0], [1, 1]], "start at 0"),
        ([[0, 0], [1, 1], [1, 2]], "must increase"),
    ],
)
def test_yield_curve_shape(curve: list[list[float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Agriculture(yield_curve=curve, base_farm_share=0.8)  # type: ignore[arg-type]


def test_every_field_has_a_description() -> None:
    from leapplan.scenario import model

    for cls in vars(model).values():
        if isinstance(cls, type) and issubclass(cls, model._Item) and cls is not model._Item:
            for name, field in cls.model_fields.items():
                assert field.description, f"{cls.__name__}.{name} has no description"
