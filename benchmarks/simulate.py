"""Monte Carlo throughput: runs per second on the default scenario and on a 2,800-county synthetic one, and the
history replay's policy mode before and after its mechanisms.

Baseline: the same runs in this one process (workers=1, no Dask). Then a dask LocalCluster of 1 and 2
workers (processes, one thread each), cluster start-up included. Goal (issue 5): 10,000 runs of the
default scenario over its 5 years in under 60 s on a 2-core machine. Also checks that the bands are
identical for every worker count.

Replay (issue 13): china-1957's policies with every mechanism off (the baseline: main's policy mode as of
d4b524e, which ``engine.simulate_batch`` keeps and runs when no mechanism is on) against every mechanism on
(``simulate.dynamics``), in runs per second; then ``leapplan replay china-1957 --runs 200`` end to end (the planner
included), against its goal of 30 s.

    python benchmarks/simulate.py [--runs 10000] [--synth-runs 120] [--counties 2800] [--skip-synth]
                                  [--replay-runs 2000] [--only-replay]
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time

import numpy as np

from leapplan.scenario import Scenario, load
from leapplan.scenario.synth import synthesize
from leapplan.simulate import EnsembleResult, compile_model, run_ensemble


def timed(s: Scenario, runs: int, workers: int, in_process: bool) -> tuple[float, EnsembleResult]:
    t0 = time.perf_counter()
    result = run_ensemble(s, None, runs, workers=workers) if in_process else _dask(s, runs, workers)
    return time.perf_counter() - t0, result


def _dask(s: Scenario, runs: int, workers: int) -> EnsembleResult:
    # workers=1 would run in process; a scheduler address forces Dask, so start a 1-worker cluster by hand
    if workers > 1:
        return run_ensemble(s, None, runs, workers=workers)
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster:
        return run_ensemble(s, None, runs, scheduler=cluster.scheduler_address)


def same_bands(a: EnsembleResult, b: EnsembleResult) -> bool:
    return all(np.array_equal(a.bands[k].values, b.bands[k].values, equal_nan=True) for k in a.bands.data_vars)


def bench(label: str, s: Scenario, runs: int) -> None:
    m = compile_model(s)
    T, C, P, G = m.shape
    print(f"\n{label}: {runs:,} runs × {T} periods, {C:,} cells, {P} products, {G:,} food regions")
    base_t, base = timed(s, runs, 1, in_process=True)
    print(f"  in process (baseline)   {base_t:7.2f} s  {runs / base_t:9.1f} runs/s  1.00x")
    for workers in (1, 2):
        t, result = timed(s, runs, workers, in_process=False)
        print(
            f"  dask, {workers} worker{'s' if workers > 1 else ' '}         {t:7.2f} s  {runs / t:9.1f} runs/s  "
            f"{base_t / t:.2f}x   bands identical to baseline: {'yes' if same_bands(base, result) else 'NO'}"
        )
        if label.startswith("shanxi") and workers == 2:
            verdict = "met" if t < 60 else "NOT met"
            print(
                f"  goal 10,000 runs < 60 s on 2 cores: {runs:,} runs took {t:.1f} s on 2 workers ({verdict}"
                f"{'' if runs == 10_000 else ', scaled: ' + format(t * 10_000 / runs, '.1f') + ' s per 10,000'})"
            )


def bench_replay(runs: int) -> None:
    from leapplan.simulate.frictions import MECHANISMS, Frictions

    s = load("china-1957")
    print(f"\nchina-1957 policy mode: {runs:,} runs in process")
    before = Frictions().without(*MECHANISMS)
    t0 = time.perf_counter()
    run_ensemble(s, None, runs, frictions=before)
    base_t = time.perf_counter() - t0
    print(f"  mechanisms off (baseline: main's policy mode)   {base_t:7.2f} s  {runs / base_t:9.1f} runs/s  1.00x")
    t0 = time.perf_counter()
    run_ensemble(s, None, runs, frictions=Frictions())
    t = time.perf_counter() - t0
    print(f"  mechanisms on (simulate.dynamics)              {t:7.2f} s  {runs / t:9.1f} runs/s  {base_t / t:.2f}x")
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "leapplan", "replay", "china-1957", "--runs", "200", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    t = time.perf_counter() - t0
    verdict = "met" if t < 30 and done.returncode == 0 else "NOT met"
    print(
        f"  leapplan replay china-1957 --runs 200 (a new process, planner included): {t:.1f} s; goal < 30 s: {verdict}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000, help="runs of the default scenario")
    ap.add_argument("--synth-runs", type=int, default=120, help="runs of the synthetic scenario")
    ap.add_argument("--counties", type=int, default=2_800)
    ap.add_argument("--skip-synth", action="store_true")
    ap.add_argument("--replay-runs", type=int, default=2_000, help="runs of china-1957's policies, each way")
    ap.add_argument("--only-replay", action="store_true", help="only the replay's benchmark")
    args = ap.parse_args()
    bench_replay(args.replay_runs)
    if args.only_replay:
        return
    bench("shanxi-1958", load("shanxi-1958"), args.runs)
    if not args.skip_synth:
        t0 = time.perf_counter()
        s = synthesize(counties=args.counties, products=20, years=5, seed=0)
        print(f"\n(synthetic scenario built in {time.perf_counter() - t0:.1f} s)")
        bench(f"synthetic {args.counties:,} counties", s, args.synth_runs)


if __name__ == "__main__":
    main()
