"""``leapplan balance`` end to end: CSV tables (good and malformed), the JSON shape, the weak-link chain."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from leapplan.balance.scenario_system import scenario_system
from leapplan.cli import main
from leapplan.scenario import load

A_GOOD = ",coal,steel\ncoal,0.1,0.5\nsteel,0.05,0.1\n"
Y_GOOD = ",fd\ncoal,100\nsteel,50\n"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["balance", *args])
    captured = capsys.readouterr()
    return code, captured.out, " ".join(captured.err.split())  # rich wraps long lines


def _tables(tmp_path: Path, a: str, y: str = Y_GOOD) -> tuple[str, str]:
    (tmp_path / "A.csv").write_text(a)
    (tmp_path / "Y.csv").write_text(y)
    return str(tmp_path / "A.csv"), str(tmp_path / "Y.csv")


def test_table_json_shape_and_values(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a, y = _tables(tmp_path, A_GOOD)
    code, out, _ = _run(capsys, "--table", a, "--final-demand", y, "--json")
    assert code == 0
    data = json.loads(out)
    # by hand: det(I − A) = 0.9·0.9 − 0.5·0.05 = 0.785; x = adj(I − A) y / det
    assert data["x"] == {
        "coal": pytest.approx((0.9 * 100 + 0.5 * 50) / 0.785, rel=1e-12),
        "steel": pytest.approx((0.05 * 100 + 0.9 * 50) / 0.785, rel=1e-12),
    }
    # output multipliers = column sums of L: coal (0.9 + 0.05) / det, steel (0.5 + 0.9) / det
    assert data["multipliers"]["coal"]["output"] == pytest.approx(0.95 / 0.785, rel=1e-12)
    assert data["multipliers"]["steel"]["output"] == pytest.approx(1.4 / 0.785, rel=1e-12)
    assert set(data) >= {"x", "multipliers", "linkages", "key_sectors", "productivity"}
    # ρ(A) = 0.1 + √(0.5 · 0.05) (eigenvalues of [[0.1, 0.5], [0.05, 0.1]])
    assert data["productivity"]["spectral_radius"] == pytest.approx(0.1 + np.sqrt(0.025), rel=1e-12)


def test_flows_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Miller & Blair Table 2.3 as flows: x = row sums of Z and Y = (1000, 2000)
    a, y = _tables(tmp_path, ",s1,s2\ns1,150,500\ns2,200,100\n", ",fd\ns1,350\ns2,1700\n")
    code, out, _ = _run(capsys, "--table", a, "--final-demand", y, "--flows", "--json")
    assert code == 0
    assert json.loads(out)["x"] == {"s1": pytest.approx(1000.0, rel=1e-12), "s2": pytest.approx(2000.0, rel=1e-12)}


def test_table_weak_links_with_capacity(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a, y = _tables(tmp_path, A_GOOD)
    (tmp_path / "cap.csv").write_text(",capacity\ncoal,150\nsteel,70\n")
    code, out, _ = _run(
        capsys,
        "--table",
        a,
        "--final-demand",
        y,
        "--capacity",
        str(tmp_path / "cap.csv"),
        "--demand",
        "steel=+10%",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    # by hand: x = (146.50, 63.69); Δy_steel = 10 % of steel output; Δx = L Δy = (0.5, 0.9) Δy_steel / 0.785
    x_coal, x_steel = 115 / 0.785, 50 / 0.785
    dy = 0.1 * x_steel
    req = {"coal": x_coal + 0.5 * dy / 0.785, "steel": x_steel + 0.9 * dy / 0.785}
    chain = {w["sector"]: w["shortfall"] for w in data["weak_links"]}
    assert chain == {
        "steel": pytest.approx(req["steel"] - 70, rel=1e-9),
        "coal": pytest.approx(req["coal"] - 150, rel=1e-9),
    }
    assert [w["sector"] for w in data["weak_links"]] == ["steel", "coal"]  # the demand's own sector first


MALFORMED = [
    (
        "non-square",
        ",coal,steel,grain\ncoal,0.1,0.5,0\nsteel,0.05,0.1,0\n",
        Y_GOOD,
        [],
        "2 rows × 3 columns; it must be square",
    ),
    (
        "column labels",
        ",coal,iron\ncoal,0.1,0.5\nsteel,0.05,0.1\n",
        Y_GOOD,
        [],
        "column labels do not match row labels (missing steel; unexpected iron)",
    ),
    ("column order", ",coal,steel\nsteel,0.1,0.05\ncoal,0.5,0.1\n", Y_GOOD, [], "in a different order"),
    ("duplicate label", ",coal,coal\ncoal,0.1,0.5\ncoal,0.05,0.1\n", Y_GOOD, [], "'coal' appears more than once"),
    (
        "demand labels",
        A_GOOD,
        ",fd\ncoal,100\niron,50\n",
        [],
        "final demand Y: row labels do not match the sectors of the table (missing steel; unexpected iron)",
    ),
    ("NaN", ",coal,steel\ncoal,0.1,NaN\nsteel,0.05,0.1\n", Y_GOOD, [], "empty or NaN at row 'coal', column 'steel'"),
    (
        "empty cell",
        ",coal,steel\ncoal,0.1,\nsteel,0.05,0.1\n",
        Y_GOOD,
        [],
        "empty or NaN at row 'coal', column 'steel'",
    ),
    ("inf", ",coal,steel\ncoal,0.1,inf\nsteel,0.05,0.1\n", Y_GOOD, [], "inf at row 'coal', column 'steel'"),
    ("NaN demand", A_GOOD, ",fd\ncoal,NaN\nsteel,50\n", [], "final demand Y: empty or NaN at row 'coal', column 'fd'"),
    ("text", ",coal,steel\ncoal,0.1,abc\nsteel,0.05,0.1\n", Y_GOOD, [], "is 'abc', not a number"),
    (
        "negative coefficient",
        ",coal,steel\ncoal,0.1,-0.5\nsteel,0.05,0.1\n",
        Y_GOOD,
        [],
        "negative coefficient -0.5 at row 'coal', column 'steel'",
    ),
    (
        "negative flow",
        ",coal,steel\ncoal,10,-5\nsteel,5,10\n",
        Y_GOOD,
        ["--flows"],
        "negative flow -5 at row 'coal', column 'steel'",
    ),
    # coal ↔ transport: ρ = √(2 · 0.6) = 1.0954 by hand; steel is outside the cycle
    (
        "not productive",
        ",coal,steel,transport\ncoal,0,0.5,0.6\nsteel,0,0,0\ntransport,2,0,0\n",
        ",fd\ncoal,100\nsteel,50\ntransport,10\n",
        [],
        "spectral radius 1.095 ≥ 1 in the cycle of coal, transport",
    ),
    (
        "own use ≥ 1",
        ",coal,steel\ncoal,1.2,0\nsteel,0.05,0.1\n",
        Y_GOOD,
        [],
        "spectral radius 1.2 ≥ 1 in the cycle of coal",
    ),
    ("header only", ",coal,steel\n", Y_GOOD, [], "needs a header row, an index column"),
]


@pytest.mark.parametrize(("case", "a", "y", "extra", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_table_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, a: str, y: str, extra: list[str], message: str
) -> None:
    a_path, y_path = _tables(tmp_path, a, y)
    code, out, err = _run(capsys, "--table", a_path, "--final-demand", y_path, *extra)
    assert code == 2, case
    assert err.startswith("error:") and message in err, err
    assert "Traceback" not in err and out == ""


def test_missing_file_and_half_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "--table", str(tmp_path / "nope.csv"), "--final-demand", str(tmp_path / "Y.csv"))
    assert code == 2 and "no such file" in err
    a, _ = _tables(tmp_path, A_GOOD)
    code, _, err = _run(capsys, "--table", a)
    assert code == 2 and "--table and --final-demand go together" in err
    code, _, err = _run(capsys, "tests/data/tiny.yaml", "--demand", "steel+20")
    assert code == 2 and "not like 'steel=+20%'" in err
    code, _, err = _run(capsys, "tests/data/tiny.yaml", "--demand", "grain=+10%")
    assert code == 2 and "'grain' has no base output (0)" in err
    code, _, err = _run(capsys, "tests/data/tiny.yaml", "--demand", "iron=+10%")
    assert code == 2 and "unknown product 'iron'" in err


def test_shanxi_steel_plus_20_weak_link_chain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--demand", "steel=+20%", "--json")
    assert code == 0
    data = json.loads(out)
    # second method: dense solve of the same system with numpy
    s = scenario_system(load("shanxi-1958"))
    assert s.gross_output is not None and s.capacity is not None
    names = np.asarray(s.sectors.get_level_values(-1))
    steel_made = (names == "steel") & s.producing
    dy = np.zeros(s.n)
    market = s.sectors.get_loc(("market", "steel"))
    dy[market] = 0.2 * s.gross_output.to_numpy()[steel_made].sum()
    required = s.gross_output.to_numpy() + np.linalg.solve(np.eye(s.n) - s.A.toarray(), dy)
    cap = s.capacity.to_numpy()
    short = s.producing & (required - cap > 1e-6)  # dense rounding leaves ~1e-11 t where capacity is 0
    expected = {"/".join(s.sectors[k]): required[k] - cap[k] for k in np.flatnonzero(short)}
    got = {w["sector"]: w["shortfall"] for w in data["weak_links"]}
    assert got == pytest.approx(expected, rel=1e-9)
    assert data["weak_links"][0]["sector"].endswith("/steel")
    steps = [w["steps"] for w in data["weak_links"]]
    assert steps == sorted(steps)
    # the table view prints the chain along the supply chain, steel first
    code, out, _ = _run(capsys, "--demand", "steel=+20%")
    assert code == 0 and "chain: steel ← pig_iron" in out
