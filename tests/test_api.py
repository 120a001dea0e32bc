"""The Python front door: ``leapplan`` exposes one function per stage and the result types, loaded lazily."""

from __future__ import annotations

import pydoc
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import leapplan

DATA = Path(__file__).parent / "data"
FRONT_DOOR = ["load_scenario", "solve_plan", "simulate", "audit_reports", "write_report"]
TYPES = ["Scenario", "PlanResult", "PlanStatus", "EnsembleResult", "Frictions", "LeapplanError"]


def test_every_exported_name_resolves_and_is_documented() -> None:
    assert set(FRONT_DOOR + TYPES) <= set(leapplan.__all__)
    for name in FRONT_DOOR:
        assert (getattr(leapplan, name).__doc__ or "").strip(), name
    for name in leapplan.__all__:  # every name is described in the package's docstring or its own
        value = getattr(leapplan, name)
        assert name in (leapplan.__doc__ or "") or (value.__doc__ or "").strip() or name == "__version__", name
    assert set(leapplan.__all__) <= set(dir(leapplan))
    with pytest.raises(AttributeError, match="no attribute 'plan_everything'"):
        leapplan.plan_everything  # noqa: B018


def test_help_shows_the_front_door() -> None:
    text = " ".join(pydoc.render_doc(leapplan, renderer=pydoc.plaintext).split())
    for name in FRONT_DOOR:
        assert f"{name}(" in text, name  # each is listed with its arguments in the package's own help
    assert "Targets count usable output" in text
    assert "calling the package calls this function" in text


def test_the_front_door_is_the_stages(tiny: leapplan.Scenario) -> None:
    from leapplan.audit import audit_reports
    from leapplan.plan import solve_plan
    from leapplan.report import write_report
    from leapplan.scenario import load

    assert leapplan.load_scenario is load and leapplan.solve_plan is solve_plan
    assert leapplan.audit_reports is audit_reports and leapplan.write_report is write_report
    assert leapplan.load_scenario(DATA / "tiny.yaml") == tiny


def test_simulate_is_the_callable_package_and_equals_run_ensemble(tiny: leapplan.Scenario) -> None:
    import leapplan.simulate.ensemble  # importing a module of the package must not hide the function
    from leapplan.simulate import run_ensemble

    ours = leapplan.simulate(tiny, None, runs=12, seed=3)
    again = leapplan.simulate.simulate(tiny, runs=12, seed=3)
    direct = run_ensemble(tiny, None, 12, seed=3)
    assert isinstance(ours, leapplan.EnsembleResult) and ours.runs == 12
    assert ours.bands.equals(direct.bands) and again.bands.equals(direct.bands)


@pytest.mark.parametrize(
    "order",
    [
        "import leapplan\nr = leapplan.simulate(s, runs=4)\nimport leapplan.simulate.engine\nr = leapplan.simulate(s, runs=4)",
        "import leapplan.simulate.once\nimport leapplan\nr = leapplan.simulate(s, runs=4)",
        "from leapplan import simulate\nimport leapplan.simulate.model\nr = simulate(s, runs=4)",
        "import leapplan.simulate as sim\nr = sim(s, runs=4)\nassert sim.run_ensemble",
    ],
)
def test_simulate_stays_callable_whatever_is_imported_first(order: str) -> None:
    """Python sets ``leapplan.simulate`` to the subpackage when one of its modules is imported; in a fresh
    interpreter, in each order, it is still what one calls."""
    code = f"from leapplan.scenario import load\ns = load({str(DATA / 'tiny.yaml')!r})\n{order}\nassert r.runs == 4\n"
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
