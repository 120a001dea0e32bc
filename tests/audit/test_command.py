"""``leapplan audit REPORTS.csv``: JSON, table, plan folder and bad files (exit 2, one clear line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leapplan.cli import main

TINY = str(Path(__file__).resolve().parents[1] / "data" / "tiny.yaml")
CSV = """report_id,unit,period,product,produced,labour,input:coal,input:pig_iron
a,south_iron,1958,pig_iron,800,40,1000,
b,city_iron,1958,pig_iron,100000,600,150000,
c,city_steel,1959,steel,10000,60,5000,5000
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def csv(tmp_path: Path) -> Path:
    path = tmp_path / "reports.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_json(capsys: pytest.CaptureFixture[str], csv: Path) -> None:
    code, out, _ = run(capsys, "audit", str(csv), "--scenario", TINY, "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["reports"], data["flagged_reports"], data["errors"], data["warnings"]) == (3, 2, 2, 0)
    assert [(f["report_id"], f["check"], f["message"]) for f in data["flags"]] == [
        ("a", "material_balance", "pig iron 800 t needs ≥ 2,400 t of coal; 1,000 t were received"),
        ("c", "material_balance", "steel 10,000 t needs ≥ 11,000 t of pig iron; 5,000 t were received"),
    ]


def test_table(capsys: pytest.CaptureFixture[str], csv: Path) -> None:
    code, out, _ = run(capsys, "audit", str(csv), "--scenario", TINY)
    assert code == 0
    assert "tiny: 3 reports, 2 flagged (2 errors, 0 warnings)" in out
    assert "material_balance" in out and "2,400 t of coal" in " ".join(out.split())


def test_plan_folder(capsys: pytest.CaptureFixture[str], csv: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "production.csv").write_text(
        "period,region,technology,product,quantity\n1958,south,iron_indigenous,pig_iron,500\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, "audit", str(csv), "--scenario", TINY, "--plan", str(plan), "--json")
    assert code == 0
    plan_flags = [f["message"] for f in json.loads(out)["flags"] if f["check"] == "plan"]
    assert plan_flags == ["pig iron 800 t in 1958 is 160 % of the plan, 500 t (above 150 % is suspicious)"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such reports file"),
        ("report_id,unit\na,south_iron\n", "reports: missing columns period, product, produced"),
        ("", "not a readable CSV reports file"),
        ("report_id,unit,period,product,produced\na,south_iron,1958,pig_iron,-3\n", "produced -3 is negative"),
    ],
)
def test_bad_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "audit", str(path), "--scenario", TINY)
    assert code == 2
    assert message in " ".join(err.split()) and "Traceback" not in err
    assert out == ""


def test_missing_plan_file_exits_2(capsys: pytest.CaptureFixture[str], csv: Path, tmp_path: Path) -> None:
    code, _, err = run(capsys, "audit", str(csv), "--scenario", TINY, "--plan", str(tmp_path / "none"))
    assert code == 2 and "no such plan production file" in " ".join(err.split())
