"""The quarterly variant of the default scenario, and the conversion that makes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from leapplan.cli import main
from leapplan.scenario import Scenario, embedded, load
from leapplan.scenario.accounts import base_grain
from leapplan.scenario.quarterly import to_quarters, working_stock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quarterly() -> Scenario:
    return load("shanxi-1958-quarterly")


def test_quarterly_variant_of_the_default(quarterly: Scenario, shanxi: Scenario) -> None:
    assert quarterly.period.value == "quarter" and quarterly.horizon == 2
    assert quarterly.periods[0] == "1958Q1" and quarterly.periods[-1] == "1959Q4"
    assert quarterly.seasons is not None and quarterly.seasons == shanxi.seasons
    for profile in (quarterly.seasons.farm_labour, quarterly.seasons.harvest, quarterly.seasons.consumption):
        assert profile.source.startswith("estimate: ")
    assert quarterly.simulation.harvest_season == quarterly.seasons.harvest.shares
    # everything else as in the yearly scenario, the targets and funds after 1959 left out
    assert quarterly.enterprises == shanxi.enterprises and quarterly.upgrades == shanxi.upgrades
    assert quarterly.targets == [t for t in shanxi.targets if t.year <= 1959]
    assert quarterly.funds == [f for f in shanxi.funds if f.available_from <= 1959]
    assert {t.year for t in quarterly.targets} == {1958, 1959}


def test_working_stock_by_hand(quarterly: Scenario, shanxi: Scenario) -> None:
    # eating 0.25 G a quarter against harvests 0, 0.2 G, 0.45 G, 0.35 G: the store runs lowest after Q2, having
    # lost a 0.98^(1/4) share a quarter: S k² − 0.25 G k − 0.05 G ≥ 0 and S k − 0.25 G ≥ 0 (k = 0.98^0.25)
    g = float(base_grain(shanxi).sum())
    k = 0.98**0.25
    need = max((0.25 * g * k + 0.05 * g) / k**2, 0.25 * g / k)
    assert quarterly.seasons is not None
    assert working_stock(shanxi, quarterly.seasons) == pytest.approx(need, rel=1e-12)
    assert quarterly.agriculture.reserve == pytest.approx(shanxi.agriculture.reserve + need, rel=1e-12)
    assert "working stock" in quarterly.agriculture.source


def test_committed_quarterly_equals_the_builder(tmp_path: Path) -> None:
    script = (ROOT / "scripts" / "make_shanxi_1958_quarterly.py").read_text()
    script = script.replace(
        'OUT = ROOT / "src/leapplan/scenario/data/shanxi-1958-quarterly"', f"OUT = Path({str(tmp_path)!r})"
    )
    (tmp_path / "build.py").write_text(script.replace("Path(__file__).resolve().parents[1]", f"Path({str(ROOT)!r})"))
    subprocess.run([sys.executable, str(tmp_path / "build.py")], check=True, capture_output=True)
    shipped = embedded.path_of("shanxi-1958-quarterly")
    assert shipped is not None
    for name in ("scenario.yaml", "regions.csv", "enterprises.csv"):
        assert (tmp_path / name).read_text() == (shipped / name).read_text(), name


def test_export_by_quarter(capsys: pytest.CaptureFixture[str], tmp_path: Path, quarterly: Scenario) -> None:
    args = ["scenario", "export", "shanxi-1958", str(tmp_path / "q"), "--period", "quarter", "--horizon", "2"]
    assert main(args) == 0
    s = load(tmp_path / "q")
    assert (s.name, s.periods, s.agriculture.reserve) == (
        quarterly.name,
        quarterly.periods,
        quarterly.agriculture.reserve,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "month"], "only conversion is to 'quarter'"),
        (["--horizon", "2"], "--horizon goes with --period quarter"),
    ],
)
def test_export_bad_period(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str) -> None:
    assert main(["scenario", "export", "shanxi-1958", str(tmp_path / "q"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_conversion_needs_seasons(tiny: Scenario) -> None:
    from leapplan.errors import LeapplanError

    with pytest.raises(LeapplanError, match="has no seasons"):
        to_quarters(tiny.model_copy(update={"seasons": None}))
