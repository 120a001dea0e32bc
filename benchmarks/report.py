"""Report generation on the default scenario against the plan + simulation it reports on.

Baseline: what `leapplan run` spends before the report — solve_plan on the scenario and
run_ensemble(runs=200). Measured: write_report (tables as CSV + Parquet, 8 chart PNGs, report.html),
split into its parts. Goal (issue 7): the report adds under 5 s to `leapplan run`.

    python benchmarks/report.py [--scenario shanxi-1958] [--runs 200] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="shanxi-1958")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="Also write the report of the first repeat here.")
    args = parser.parse_args()

    from leapplan.plan import solve_plan
    from leapplan.report import style, write_report
    from leapplan.report.tables import collect, write_tables
    from leapplan.report.write import _charts
    from leapplan.scenario import load
    from leapplan.simulate import run_ensemble

    s = load(args.scenario)
    t0 = time.perf_counter()
    plan = solve_plan(s)
    t1 = time.perf_counter()
    ens = run_ensemble(s, plan, runs=args.runs, seed=s.seed)
    t2 = time.perf_counter()
    base = t2 - t0
    print(f"scenario {s.name}: {len(s.regions)} regions, {len(s.enterprises)} enterprises, {len(s.periods)} periods")
    print(f"baseline  solve_plan {t1 - t0:6.2f} s + run_ensemble({args.runs}) {t2 - t1:6.2f} s = {base:6.2f} s")

    report, cpu, tables_s, charts_s = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            folder = Path(tmp) / f"run{i}"
            a, c = time.perf_counter(), time.process_time()
            write_report(folder, s, plan, ens)
            report.append(time.perf_counter() - a)
            cpu.append(time.process_time() - c)
            a = time.perf_counter()
            write_tables(folder / "t2", collect(s, plan, ens))
            tables_s.append(time.perf_counter() - a)
            a = time.perf_counter()
            for _name, draw in _charts(s, plan, ens):
                style.render(draw)
            charts_s.append(time.perf_counter() - a)
        size = (Path(tmp) / "run0" / "report.html").stat().st_size
        if args.keep is not None:
            write_report(args.keep, s, plan, ens)
    med = statistics.median(report)
    print(
        f"report    write_report median of {args.repeat}: {med:6.2f} s (min {min(report):.2f}, max {max(report):.2f})"
    )
    print(f"          CPU time median {statistics.median(cpu):.2f} s (wall time includes waiting for other jobs)")
    print(
        f"          of which tables {statistics.median(tables_s):.2f} s, charts {statistics.median(charts_s):.2f} s; "
        f"report.html {size / 1e6:.1f} MB"
    )
    print(
        f"ratio     report / (plan + simulation) = {med / base:.2f}; goal: report < 5 s "
        f"({'met' if med < 5 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
