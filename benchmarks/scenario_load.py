"""Loading a national-size scenario (2,800 counties × 40 products × 10 years).

Baseline: reading the same files with PyYAML + pandas and nothing else (no model, no validation),
in a fresh subprocess like leapplan's own load, so peak memory is comparable.
Goal (issue 2): leapplan's full load + validation under 10 s and 2 GiB.

    python benchmarks/scenario_load.py [--counties 2800 --products 40 --years 10]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
which, folder = sys.argv[1], Path(sys.argv[2])
t0 = time.perf_counter()
if which == "baseline":
    import pandas as pd, yaml
    raw = yaml.load((folder / "scenario.yaml").read_text(), Loader=yaml.CSafeLoader)
    tables = {k: pd.read_csv(folder / f"{k}.csv") for k in ("regions", "enterprises")}
    size = len(tables["enterprises"])
else:
    from leapplan.scenario import load
    s = load(folder)
    size = len(s.enterprises)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "enterprises": size}))
"""


WRITE = r"""
import sys
from leapplan.scenario import save
from leapplan.scenario.synth import synthesize
counties, products, years, folder = sys.argv[1:]
save(synthesize(int(counties), int(products), int(years), seed=1), folder)
"""


def measure(which: str, folder: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", CHILD, which, str(folder)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counties", type=int, default=2800)
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "national"
        # Written in a child of its own: a child inherits its parent's peak RSS on Linux, so the
        # measuring parent must stay small for the children's ru_maxrss to be their own.
        subprocess.run(
            [sys.executable, "-c", WRITE, str(args.counties), str(args.products), str(args.years), str(folder)],
            check=True,
        )
        size_mib = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        base = measure("baseline", folder)
        ours = measure("leapplan", folder)
    print(
        f"scenario {args.counties} counties × {args.products} products × {args.years} years, "
        f"{ours['enterprises']:,} enterprises, {size_mib:.1f} MiB on disk"
    )
    print(f"{'':28s}{'seconds':>10s}{'peak MiB':>12s}")
    print(f"{'baseline: yaml + pandas read':28s}{base['seconds']:10.2f}{base['peak_mib']:12.0f}")
    print(f"{'leapplan load + validate':28s}{ours['seconds']:10.2f}{ours['peak_mib']:12.0f}")
    print(
        f"ratio leapplan / baseline: time ×{ours['seconds'] / base['seconds']:.1f}, "
        f"peak memory ×{ours['peak_mib'] / base['peak_mib']:.2f}"
    )
    print(f"goal: < 10 s and < 2048 MiB -> {'met' if ours['seconds'] < 10 and ours['peak_mib'] < 2048 else 'NOT met'}")


if __name__ == "__main__":
    main()
