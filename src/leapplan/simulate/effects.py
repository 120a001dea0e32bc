"""What each mechanism does to the announced trajectory: the replay's policies carried out with every mechanism on,
with each switched off in turn, and with all of them off (main's policy mode), side by side.

``python scripts/replay_effects.py`` prints the table ``docs/replay.md`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from leapplan.scenario.model import Scenario
from leapplan.simulate.ensemble import EnsembleResult, run_ensemble
from leapplan.simulate.frictions import MECHANISMS, Frictions

SERIES = (
    ("steel", "actual", "steel [Mt]", 1e-6, 0.5),
    ("steel", "usable", "steel usable [Mt]", 1e-6, 0.5),
    ("pig_iron", "actual", "pig iron [Mt]", 1e-6, 0.5),
    ("coal", "actual", "coal [Mt]", 1e-6, 0.5),
    ("grain", "actual", "grain [Mt]", 1e-6, 0.5),
    ("grain", "actual", "grain, 5 % of runs below [Mt]", 1e-6, 0.05),
    (None, "food_per_head_lowest", "food, lowest region [kg/yr]", 1.0, 0.5),
    (None, "nonfarm_labour", "non-farm labour [M]", 1e-6, 0.5),
)
"""(product or None, band variable, column label, scale, quantile) of each series in the table."""


@dataclass(frozen=True)
class Effects:
    """The announced trajectory's key series per variant (all on, without each mechanism, all off) and period:
    medians, and the 5 % quantile of grain."""

    table: pd.DataFrame
    """Index (variant, period); one column per series of ``SERIES``, plus ``below floor, any year [%]``."""
    runs: int
    seed: int


def variants() -> list[tuple[str, Frictions]]:
    """(name, frictions) of every variant: 'all on', 'without NAME' for each mechanism, 'all off'."""
    out = [("all on", Frictions())]
    out += [(f"without {name}", Frictions().without(name)) for name in MECHANISMS]
    return [*out, ("all off", Frictions().without(*MECHANISMS))]


def mechanism_effects(s: Scenario, runs: int = 200, seed: int | None = None) -> Effects:
    """Carry ``s``'s policies out ``runs`` times under every variant of ``variants()`` (same seed) and tabulate the
    medians of the replay's key series per period."""
    rows = []
    used = s.seed if seed is None else seed
    for name, fr in variants():
        e = run_ensemble(s, None, runs, seed=used, frictions=fr)
        rows += _medians(name, e)
    return Effects(pd.DataFrame(rows).set_index(["variant", "period"]), runs, used)


def _medians(name: str, e: EnsembleResult) -> list[dict[str, object]]:
    b = e.bands
    out = []
    for period in [str(p) for p in b["period"].values]:
        row: dict[str, object] = {"variant": name, "period": period}
        for product, var, label, scale, q in SERIES:
            band = b[var].sel(period=period, quantile=q)
            row[label] = float(band.sel(product=product) if product is not None else band) * scale
        row["below floor, any year [%]"] = 100 * e.share_below_floor_any_year
        out.append(row)
    return out


def markdown(effects: Effects, series: list[str] | None = None) -> str:
    """The table as Markdown: one row per variant, per series the medians of every period ('9.9 / 5.6 / …')."""
    t = effects.table
    cols = series or [c for c in t.columns if c != "below floor, any year [%]"]
    periods = list(dict.fromkeys(p for _, p in t.index))
    head = ["variant", *[f"{c}, {periods[0]}–{periods[-1]}" for c in cols], "below floor, any year [%]"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for variant in dict.fromkeys(v for v, _ in t.index):
        part = t.loc[variant]
        cells = [" / ".join(_fmt(part.loc[p, c]) for p in periods) for c in cols]
        lines.append(f"| {variant} | " + " | ".join(cells) + f" | {part.iloc[0]['below floor, any year [%]']:.0f} |")
    return "\n".join(lines)


def _fmt(v: float) -> str:
    return f"{v:.1f}" if abs(v) < 20 else f"{v:.0f}"
