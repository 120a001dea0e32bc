"""File formats: round trips, folders with CSV tables, and every kind of unreadable input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from leapplan.errors import ScenarioError
from leapplan.scenario import Scenario, load, save
from leapplan.scenario import io as scenario_io


def first_problem(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load(path)
    return str(info.value.problems[0])


def test_yaml_round_trip(tiny: Scenario, tmp_path: Path) -> None:
    path = save(tiny, tmp_path / "again.yaml")
    assert load(path) == tiny


def test_folder_round_trip(shanxi: Scenario, tmp_path: Path) -> None:
    save(shanxi, tmp_path / "sx")
    assert sorted(p.name for p in (tmp_path / "sx").iterdir()) == ["enterprises.csv", "regions.csv", "scenario.yaml"]
    assert load(tmp_path / "sx") == shanxi


def test_yaml_file_to_folder_and_back(tiny: Scenario, tmp_path: Path) -> None:
    save(tiny, tmp_path / "folder")
    again = load(tmp_path / "folder")
    save(again, tmp_path / "one.yaml")
    assert load(tmp_path / "one.yaml") == tiny


def test_csv_problem_names_the_line(tiny: Scenario, tmp_path: Path) -> None:
    save(tiny, tmp_path / "t")
    csv = tmp_path / "t" / "enterprises.csv"
    lines = csv.read_text().splitlines()
    lines[3] = lines[3].replace("north_coal,North coal pits,north", "north_coal,North coal pits,nroth")
    csv.write_text("\n".join(lines) + "\n")
    assert (
        first_problem(tmp_path / "t")
        == "enterprises[north_coal].region: unknown region 'nroth' (did you mean 'north'?)"
    )


def test_csv_structural_problem_names_file_and_line(tiny: Scenario, tmp_path: Path) -> None:
    save(tiny, tmp_path / "t")
    csv = tmp_path / "t" / "regions.csv"
    csv.write_text(csv.read_text().replace("200000.0", "lots"))
    assert first_problem(tmp_path / "t").startswith("regions[north].population (regions.csv line 4):")


def test_csv_unknown_column(tiny: Scenario, tmp_path: Path) -> None:
    save(tiny, tmp_path / "t")
    csv = tmp_path / "t" / "regions.csv"
    text = csv.read_text().splitlines()
    text[0] = text[0].replace("farmland", "farmlnd")
    csv.write_text("\n".join(text))
    assert first_problem(tmp_path / "t").startswith("regions.csv: unknown column 'farmlnd'")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file is empty"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"\xff\xfe\xfa not utf8", "not UTF-8 text"),
        (b"name: [unclosed\n", "not valid YAML"),
        (b"- a\n- b\n", "top level must be a mapping of fields, not list"),
        (b"name: x\n", "base_year: required field is missing"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    assert expected in first_problem(path)


def test_huge_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenario_io, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 1000)
    assert "the limit is" in first_problem(path)


def test_missing_path_and_folder_without_scenario(tmp_path: Path) -> None:
    assert "no such file" in first_problem(tmp_path / "nope.yaml")
    (tmp_path / "empty").mkdir()
    assert first_problem(tmp_path / "empty") == "folder has no scenario.yaml"


def test_csv_reference_outside_a_folder(tiny_raw: dict[str, Any], tmp_path: Path) -> None:
    tiny_raw["regions"] = "regions.csv"
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(tiny_raw))
    assert "CSV tables are read only from a scenario folder" in first_problem(path)
