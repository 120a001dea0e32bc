"""Build the embedded scenario ``shanxi-1958-quarterly``: shanxi-1958 planned by quarter over 1958-1959.

The provinces arranged their 1959 plans "especially the first quarter" (seed 002), and Shanxi's zones set quarterly
arrangements (seed 003). This variant is shanxi-1958 made quarterly by ``leapplan.scenario.quarterly.to_quarters``
with the seasons shanxi-1958 states (farm work, harvest and eating by quarter, estimates), over the two years of
"double in two years" (targets after 1959 fall outside it). The grain store at the start gains the working stock
that feeds the province from the 1957 harvests to the first of 1958.

Run from the repository root:  python scripts/make_shanxi_1958_quarterly.py  (after scripts/make_shanxi_1958.py)
It rewrites src/leapplan/scenario/data/shanxi-1958-quarterly/; tests check that the committed folder equals what
this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from leapplan.scenario import Scenario, load, save  # noqa: E402
from leapplan.scenario.quarterly import to_quarters  # noqa: E402

OUT = ROOT / "src/leapplan/scenario/data/shanxi-1958-quarterly"
HORIZON = 2
"""Plan years: 1958 and 1959."""


def build() -> Scenario:
    """The quarterly variant of the embedded shanxi-1958."""
    s = to_quarters(load("shanxi-1958"), horizon=HORIZON)
    return s.model_copy(update={"notes": (__doc__ or "") + "\n" + load("shanxi-1958").notes})


def main() -> None:
    s = build()
    save(s, OUT)
    print(f"wrote {OUT} ({len(s.periods)} quarters, grain store at the start {s.agriculture.reserve:,.0f} t)")


if __name__ == "__main__":
    main()
