"""Print the table of docs/replay.md: medians of the announced trajectory with every mechanism on, with each
switched off in turn (``--without NAME``), and with all off.

    python scripts/replay_effects.py [--scenario china-1957] [--runs 200]
"""

from __future__ import annotations

import argparse
import sys

from leapplan.scenario import load
from leapplan.simulate.effects import markdown, mechanism_effects


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="china-1957")
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    effects = mechanism_effects(load(args.scenario), args.runs)
    sys.stdout.write(f"{args.scenario}, {effects.runs} runs per variant, seed {effects.seed}: medians per year\n\n")
    sys.stdout.write(markdown(effects) + "\n")


if __name__ == "__main__":
    main()
