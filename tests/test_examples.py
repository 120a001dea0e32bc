"""The worked analysis in examples/ runs: the script, and the notebook executed in a Jupyter kernel, both on
a small synthetic scenario (12 counties, 6 products, 3 years) so that each plan takes seconds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from leapplan.scenario import Scenario, save
from leapplan.scenario.model import LOCAL_OWNERSHIP
from leapplan.scenario.synth import synthesize

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Path]:
    s = synthesize(counties=12, products=6, years=3, seed=1)
    return s, save(s, tmp_path_factory.mktemp("scenario") / "small")


def local_industry_usable(s: Scenario) -> float:
    """Base-year local industry, usable output value [yuan], enterprise by enterprise."""
    tech = {t.id: t for t in s.technologies}
    products = {p.id: p for p in s.products}
    return sum(
        e.base_output * tech[e.technology].usable_share * products[tech[e.technology].product].price
        for e in s.enterprises
        if e.ownership in LOCAL_OWNERSHIP and products[tech[e.technology].product].sector.value == "industry"
    )


@pytest.mark.slow
def test_the_example_script_runs(small: tuple[Scenario, Path], tmp_path: Path) -> None:
    s, folder = small
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            str(EXAMPLES / "food_floor.py"),
            str(folder),
            "--runs",
            "20",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "floor 165 kg" in proc.stdout and "floor 190 kg" in proc.stdout  # 165 × 1.15 = 189.75 → 190
    first = next(t for t in s.targets if t.id == "local_first")
    assert first.kind.value == "ratio_to_base" and first.value == 1.5
    assert f"{1.5 * local_industry_usable(s):,.0f}" in proc.stdout  # required, as both plans state it
    assert (out / "food_floor.png").stat().st_size > 10_000
    assert (out / "report" / "report.html").is_file()


@pytest.mark.slow
def test_the_example_notebook_runs(
    small: tuple[Scenario, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's own default from its next major version
    import nbformat
    from nbclient import NotebookClient

    _, folder = small
    nb = nbformat.read(EXAMPLES / "food_floor.ipynb", as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    params[0].source = f"SCENARIO = {str(folder)!r}\nRUNS = 20\nSTRICTER_FLOOR = None\nOUT = {str(tmp_path)!r}"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 3  # targets achieved, lowest food in the plans, lowest food in the runs
    assert (tmp_path / "report" / "report.html").is_file()
