"""How fast the command line starts, against a bare Python start in the same script.

Baselines: ``python -c pass`` (the interpreter alone) and ``python -c "import typer"`` (the least any
typer command line loads). Measured, each the median of ``--repeat`` fresh processes, wall time, with the
installed ``leapplan`` console script:

* ``leapplan --help``, ``--version`` and ``<command> --help`` for every command: the whole process;
* ``leapplan run``, ``plan`` and ``simulate``: the time until the command first writes to the terminal (a
  pseudo-terminal, so that rich shows its status line), i.e. until the user sees it has started; the
  process is then stopped.

The goal is 0.5 s for every line. Prints one line per measurement with its ratios to both baselines.

    python benchmarks/cli_start.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL = 0.5
"""Seconds: the most any command may take to start."""

HELP = [
    ["--help"],
    ["--version"],
    *[
        [*c.split(), "--help"]
        for c in (
            "run",
            "validate",
            "show",
            "plan",
            "audit",
            "balance",
            "simulate",
            "replay",
            "serve",
            "scenario list",
            "scenario export",
            "scenario synth",
            "db upgrade",
            "db backup",
            "db restore",
            "db user-add",
        )
    ],
]
FIRST_OUTPUT = [["run", "--out", "/tmp/leapplan-cli-start"], ["plan"], ["simulate"]]


def whole(args: list[str]) -> float:
    """Wall time of one fresh process running to the end [s]."""
    began = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - began


def first_output(args: list[str]) -> float:
    """Wall time until a fresh process writes its first byte to a pseudo-terminal [s]; the process is stopped."""
    leader, follower = pty.openpty()
    began = time.perf_counter()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, start_new_session=True)
    os.close(follower)
    try:
        ready, _, _ = select.select([leader], [], [], 60)
        seen = time.perf_counter() - began
        if not ready:
            raise RuntimeError(f"{' '.join(args)} wrote nothing in 60 s")
        return seen
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        os.close(leader)


def median(measure: object, args: list[str], repeat: int) -> float:
    return statistics.median(measure(args) for _ in range(repeat))  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per measurement (median)")
    opts = parser.parse_args()
    script = Path(sys.executable).with_name("leapplan")
    leapplan = [str(script)] if script.exists() else [sys.executable, "-m", "leapplan"]
    bare = median(whole, [sys.executable, "-c", "pass"], opts.repeat)
    typer = median(whole, [sys.executable, "-c", "import typer"], opts.repeat)
    print(f"baselines (median of {opts.repeat}): `python -c pass` {bare:.3f} s, `import typer` {typer:.3f} s")
    worst = 0.0
    rows = [("whole", whole, args) for args in HELP] + [("first output", first_output, a) for a in FIRST_OUTPUT]
    for what, measure, args in rows:
        t = median(measure, leapplan + args, opts.repeat)
        worst = max(worst, t)
        print(f"leapplan {' '.join(args):<36} {what:>12}: {t:.3f} s  ×{t / bare:.1f} bare, ×{t / typer:.1f} typer")
    print(f"slowest: {worst:.3f} s (goal {GOAL} s: {'met' if worst < GOAL else 'NOT met'})")


if __name__ == "__main__":
    main()
