"""Leontief balance at EXIOBASE size and beyond: leapplan against pymrio, then leapplan alone at 10⁵–10⁶ nodes.

Part 1 — the same synthetic MRIO (``leapplan.balance.synthetic.synthetic_mrio``, seed 1; 1,000 = 10 regions ×
100 sectors, 4,900 = 49 × 100, 9,800 = 49 × 200 as in EXIOBASE 3) for x, the multipliers of 3 extension rows
and the key-sector ranking (Rasmussen backward, Ghosh forward linkages), each tool in a fresh subprocess so
peak RSS (``ru_maxrss``) is per run. Each gets its input already in its own format (pymrio: dense DataFrames;
leapplan: the sparse A) and the clock covers building the system through the ranking. Baselines:

* ``pymrio calc_all``: ``pymrio.IOSystem(A, Y, ext=S).calc_all()`` (dense inverse L, x, Z, M, accounts),
  then the ranking from L with numpy;
* ``pymrio L,x,M``: only ``calc_L``, ``calc_x_from_L``, ``calc_M`` and the same ranking — the least pymrio
  needs for these quantities (still the dense inverse).

leapplan runs ``IOSystem.from_coefficients`` (with its input checks) and ``analyse`` (productivity check,
x, multipliers, linkages). The script checks that the answers agree.

Part 2 — leapplan alone on ``synthetic_sparse`` (≈10 non-zeros per column) at 100,000 and 1,000,000 nodes:
one demand vector solved to 1e-10 relative residual (residual recomputed here from A, x and y).

Goals (issue 3): at 9,800, ≥ 30× faster and ≥ 10× less peak memory than pymrio; 1,000,000 nodes in < 3 s
and < 2 GiB on 2 cores.

    python benchmarks/balance.py [--mrio 10x100,49x100,49x200] [--nodes 100000,1000000] [--no-pymrio]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

SEED = 1
TOL_LARGE = 1e-10
EXT_ROWS = 3


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _labels(regions: int, sectors: int) -> tuple[Any, Any, Any]:
    import pandas as pd

    index = pd.MultiIndex.from_product(
        [[f"reg{r + 1}" for r in range(regions)], [f"sec{s + 1}" for s in range(sectors)]], names=["region", "sector"]
    )
    ycols = pd.MultiIndex.from_product(
        [[f"reg{r + 1}" for r in range(regions)], ["final demand"]], names=["region", "category"]
    )
    ext = pd.Index([f"ext{e + 1}" for e in range(EXT_ROWS)], name="stressor")
    return index, ycols, ext


def _ranking(backward: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Same rule as leapplan.balance.multipliers.linkages: key sectors first, then by backward + forward."""
    code = np.where((backward > 1) & (forward > 1), 0, np.where(backward > 1, 1, np.where(forward > 1, 2, 3)))
    order = np.lexsort((-(backward + forward), code))
    rank = np.zeros(len(backward), dtype=int)
    rank[order] = np.arange(1, len(order) + 1)
    return rank


def child_pymrio(folder: Path, minimal: bool) -> dict[str, Any]:
    """pymrio on dense inputs; writes its answers to ``folder/pymrio[-min].npz``."""
    import pandas as pd
    import pymrio
    from scipy.sparse import load_npz

    meta = json.loads((folder / "meta.json").read_text())
    index, ycols, ext = _labels(meta["regions"], meta["sectors"])
    a = pd.DataFrame(load_npz(folder / "A.npz").toarray(), index=index, columns=index)
    y = pd.DataFrame(np.load(folder / "Y.npy"), index=index, columns=ycols)
    s = pd.DataFrame(np.load(folder / "S.npy"), index=ext, columns=index)
    input_mib = _peak_mib()
    start = time.perf_counter()
    if minimal:
        from pymrio.tools import iomath

        L = iomath.calc_L(a)
        x = iomath.calc_x_from_L(L, y.sum(axis=1))
        m = iomath.calc_M(s, L)
        x_np = x.to_numpy().ravel()
        m_np = m.to_numpy()
    else:
        io = pymrio.IOSystem(A=a, Y=y, ext={"name": "ext", "S": s})
        io.calc_all()
        L = io.L
        x_np = io.x.to_numpy().ravel()
        m_np = io.ext.M.to_numpy()
    l_np = L.to_numpy()
    back_raw = l_np.sum(axis=0)
    ghosh = (l_np @ x_np) / x_np  # row sums of G = diag(x)⁻¹ L diag(x)
    backward, forward = back_raw / back_raw.mean(), ghosh / ghosh.mean()
    rank = _ranking(backward, forward)
    seconds = time.perf_counter() - start
    name = "pymrio-min" if minimal else "pymrio"
    np.savez(folder / f"{name}.npz", x=x_np, M=m_np, backward=backward, forward=forward, rank=rank)
    return {"seconds": seconds, "peak_mib": _peak_mib(), "input_mib": input_mib}


def child_leapplan(folder: Path) -> dict[str, Any]:
    """leapplan's analyse on the sparse A; writes its answers to ``folder/leapplan.npz``."""
    import pandas as pd
    from scipy.sparse import load_npz

    from leapplan.balance.analysis import analyse
    from leapplan.balance.system import IOSystem

    meta = json.loads((folder / "meta.json").read_text())
    index, ycols, ext = _labels(meta["regions"], meta["sectors"])
    a = load_npz(folder / "A.npz")
    y = pd.DataFrame(np.load(folder / "Y.npy"), index=index, columns=ycols)
    s = pd.DataFrame(np.load(folder / "S.npy"), index=ext, columns=index)
    input_mib = _peak_mib()
    start = time.perf_counter()
    system = IOSystem.from_coefficients(a, index, y, extension_coefficients=s, name="synthetic")
    r = analyse(system)
    seconds = time.perf_counter() - start
    t = r.linkages.table
    np.savez(
        folder / "leapplan.npz",
        x=r.output.to_numpy(),
        M=r.multipliers.extensions.to_numpy(),
        backward=t["backward"].to_numpy(),
        forward=t["forward"].to_numpy(),
        rank=t["rank"].to_numpy(),
    )
    return {"seconds": seconds, "peak_mib": _peak_mib(), "input_mib": input_mib, "method": r.method}


def child_sparse(folder: Path) -> dict[str, Any]:
    """One demand vector on a large sparse system to ``TOL_LARGE``; the residual is recomputed here."""
    from scipy.sparse import load_npz

    from leapplan.balance.solve import LeontiefSolver

    a = load_npz(folder / "A.npz")
    y = np.load(folder / "y.npy")
    input_mib = _peak_mib()
    start = time.perf_counter()
    solver = LeontiefSolver(a, tol=TOL_LARGE)
    setup = time.perf_counter() - start
    x = solver.solve(y)
    seconds = time.perf_counter() - start
    residual = float(np.linalg.norm(y - x + a @ x) / np.linalg.norm(y))
    info = solver.last
    return {
        "seconds": seconds,
        "setup": setup,
        "peak_mib": _peak_mib(),
        "input_mib": input_mib,
        "method": solver.method.value,
        "products": info.products if info else 0,
        "residual": residual,
    }


def _run_child(kind: str, folder: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(folder)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def _agreement(folder: Path, baseline: str) -> str:
    ours, theirs = np.load(folder / "leapplan.npz"), np.load(folder / f"{baseline}.npz")
    same_rank = float(np.mean(ours["rank"] == theirs["rank"]))
    top = int(np.flatnonzero(theirs["rank"] == 1)[0]), int(np.flatnonzero(ours["rank"] == 1)[0])
    return (
        f"x {_rel_diff(ours['x'], theirs['x']):.1e}, M {_rel_diff(ours['M'], theirs['M']):.1e}, "
        f"backward {_rel_diff(ours['backward'], theirs['backward']):.1e}, "
        f"forward {_rel_diff(ours['forward'], theirs['forward']):.1e}; same rank for {same_rank:.2%} of sectors"
        f"{'' if top[0] == top[1] else ' (top sector differs)'}"
    )


def child_make_mrio(folder: Path) -> dict[str, Any]:
    """Generate the synthetic MRIO of ``folder/meta.json`` and write A.npz, Y.npy, S.npy."""
    from scipy.sparse import save_npz

    from leapplan.balance.synthetic import synthetic_mrio

    meta = json.loads((folder / "meta.json").read_text())
    s = synthetic_mrio(meta["regions"], meta["sectors"], seed=SEED, extensions=EXT_ROWS)
    save_npz(folder / "A.npz", s.A, compressed=False)
    np.save(folder / "Y.npy", s.final_demand.to_numpy())
    np.save(folder / "S.npy", s.extension_coefficients.to_numpy())
    return {"n": s.n, "nnz": int(s.A.nnz)}


def child_make_sparse(folder: Path) -> dict[str, Any]:
    """Generate the large sparse system of ``folder/meta.json`` and write A.npz, y.npy."""
    from scipy.sparse import save_npz

    from leapplan.balance.synthetic import synthetic_sparse

    meta = json.loads((folder / "meta.json").read_text())
    s = synthetic_sparse(meta["nodes"], seed=SEED)
    save_npz(folder / "A.npz", s.A, compressed=False)
    np.save(folder / "y.npy", s.total_final_demand)
    return {"n": s.n, "nnz": int(s.A.nnz)}


def run_mrio(regions: int, sectors: int, with_pymrio: bool, tmp: Path) -> dict[str, dict[str, Any]]:
    """Write one synthetic MRIO, run every tool on it, print one block of the table.

    The parent process stays small (numpy only) and generates nothing itself: on Linux a child's
    ``ru_maxrss`` starts from the parent's peak RSS, which would otherwise leak into every measurement."""
    folder = tmp / f"mrio-{regions}x{sectors}"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"regions": regions, "sectors": sectors}))
    made = _run_child("make-mrio", folder)
    n, nnz = made["n"], made["nnz"]
    print(
        f"\n{n:,} sectors ({regions} regions × {sectors} sectors), A with {nnz:,} non-zeros "
        f"({nnz / n:.0f} per column, {nnz / n**2:.1%} dense), {EXT_ROWS} extension rows",
        flush=True,
    )
    runs: dict[str, dict[str, Any]] = {"leapplan": _run_child("leapplan", folder)}
    if with_pymrio:
        runs["pymrio"] = _run_child("pymrio", folder)
        runs["pymrio-min"] = _run_child("pymrio-min", folder)
    names = {
        "leapplan": f"leapplan ({runs['leapplan']['method']})",
        "pymrio": "pymrio calc_all",
        "pymrio-min": "pymrio L,x,M only",
    }
    print(f"  {'':24s}{'seconds':>10s}{'peak MiB':>10s}{'input MiB':>11s}")
    for key, r in runs.items():
        print(f"  {names[key]:24s}{r['seconds']:10.3f}{r['peak_mib']:10.0f}{r['input_mib']:11.0f}")
    ours = runs["leapplan"]
    for key in ("pymrio", "pymrio-min"):
        if key in runs:
            base = runs[key]
            print(
                f"  vs {names[key]:21s}: {base['seconds'] / ours['seconds']:7.1f}× faster, "
                f"{base['peak_mib'] / ours['peak_mib']:5.1f}× less peak memory; agreement {_agreement(folder, key)}"
            )
    return runs


def run_sparse(nodes: int, tmp: Path) -> dict[str, Any]:
    """Write one large sparse system, solve it in a fresh subprocess, print one row."""
    folder = tmp / f"sparse-{nodes}"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"nodes": nodes}))
    nnz = _run_child("make-sparse", folder)["nnz"]
    r = _run_child("sparse", folder)
    print(
        f"  {nodes:>10,} {nnz:>12,} {r['method']:>9s} {r['products']:>9d} {r['residual']:10.1e} "
        f"{r['setup']:8.3f} {r['seconds']:8.3f} {r['peak_mib']:9.0f} {r['input_mib']:10.0f}",
        flush=True,
    )
    return r


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mrio", default="10x100,49x100,49x200", help="regions×sectors list ('' for none)")
    parser.add_argument("--nodes", default="100000,1000000", help="large sparse sizes ('' for none)")
    parser.add_argument("--no-pymrio", action="store_true", help="leapplan only in part 1")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, folder = args.child[0], Path(args.child[1])
        runners = {
            "pymrio": lambda: child_pymrio(folder, minimal=False),
            "pymrio-min": lambda: child_pymrio(folder, minimal=True),
            "leapplan": lambda: child_leapplan(folder),
            "sparse": lambda: child_sparse(folder),
            "make-mrio": lambda: child_make_mrio(folder),
            "make-sparse": lambda: child_make_sparse(folder),
        }
        print(json.dumps(runners[kind]()))
        return

    from importlib.metadata import version

    print(
        f"leapplan balance benchmark — {_cores()} cores, numpy {np.__version__}, scipy {version('scipy')}, "
        f"pymrio {version('pymrio')}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '-')}; "
        f"parent peak {_peak_mib():.0f} MiB (a floor under every child's peak)"
    )
    goal: list[str] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        runs = {}
        for spec in filter(None, args.mrio.split(",")):
            regions, sectors = (int(v) for v in spec.lower().split("x"))
            runs[regions * sectors] = run_mrio(regions, sectors, not args.no_pymrio, tmp)
        if 9_800 in runs and "pymrio" in runs[9_800]:
            r = runs[9_800]
            for key in ("pymrio", "pymrio-min"):
                speed = r[key]["seconds"] / r["leapplan"]["seconds"]
                mem = r[key]["peak_mib"] / r["leapplan"]["peak_mib"]
                goal.append(
                    f"9,800 vs {key}: {speed:.0f}× faster (goal ≥ 30), {mem:.1f}× less memory (goal ≥ 10) → "
                    f"{'met' if speed >= 30 and mem >= 10 else 'NOT met'}"
                )
        sizes = [int(v) for v in filter(None, args.nodes.split(","))]
        if sizes:
            print(
                f"\nleapplan alone, one demand vector to relative residual {TOL_LARGE:.0e} (synthetic_sparse, "
                "≈10 per column)"
            )
            print(
                f"  {'nodes':>10s} {'non-zeros':>12s} {'method':>9s} {'products':>9s} {'residual':>10s} "
                f"{'setup s':>8s} {'total s':>8s} {'peak MiB':>9s} {'input MiB':>10s}"
            )
        for nodes in sizes:
            r1 = run_sparse(nodes, tmp)
            if nodes == 1_000_000:
                ok = r1["seconds"] < 3 and r1["peak_mib"] < 2048 and r1["residual"] <= TOL_LARGE
                goal.append(
                    f"1,000,000 nodes: {r1['seconds']:.2f} s, {r1['peak_mib']:.0f} MiB, residual "
                    f"{r1['residual']:.1e} (goal < 3 s, < 2048 MiB, ≤ 1e-10) → {'met' if ok else 'NOT met'}"
                )
    if goal:
        print("\ngoals:")
        for line in goal:
            print(f"  {line}")


if __name__ == "__main__":
    main()
