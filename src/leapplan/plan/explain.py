"""Every cut target explained in words: by how much it is cut, what would relieve it most (from the duals of its
own stage, in the target's unit), and what the plan builds to reach what it reaches."""

from __future__ import annotations

import re

import pandas as pd

from leapplan.plan.model import PlanModel
from leapplan.scenario.model import Scenario

ACTIONS = 3
"""How many reliefs each explanation names."""
PLURAL = {"worker": "workers", "technician": "technicians"}


def names_of(s: Scenario, pm: PlanModel) -> dict[str, str]:
    """Display names by id: regions, products and technologies, links, and fund classes by their funds' names."""
    names = {r.id: r.name for r in s.regions}
    names |= {p.id: p.name.lower() for p in s.products}
    names |= {t.id: t.name.lower() for t in s.technologies}
    region = {r.id: r.name for r in s.regions}
    names |= {
        link.id: f"the {region.get(link.from_region, link.from_region)}–{region.get(link.to_region, link.to_region)} "
        f"{link.mode}"
        for link in s.links
    }
    fund = {f.id: f.name for f in s.funds} | {a.id: f"agreement {a.id}" for z in s.zones for a in z.agreements}
    for c in pm.index.fund_classes:
        names[c.id] = fund_names([fund.get(f, f) for f in c.funds])
    return names


def fund_names(titles: list[str]) -> str:
    """Funds' names in one phrase, a fund given for several years once with its years: ["Budget 1958", "Budget
    1959", "Loans"] → "Budget 1958–1959 and Loans"."""
    years: dict[str, list[str]] = {}
    for t in titles:
        m = re.fullmatch(r"(.*\S)\s+((?:1[89]|20)\d\d)", t)
        base, year = (m.group(1), m.group(2)) if m else (t, "")
        years.setdefault(base, []).append(year)
    parts = []
    for base, ys in years.items():
        ys = sorted(y for y in ys if y)
        if not ys:
            parts.append(base)
        elif len(ys) >= 2 and [int(y) for y in ys] == list(range(int(ys[0]), int(ys[-1]) + 1)):
            parts.append(f"{base} {ys[0]}–{ys[-1]}")
        else:
            parts.append(f"{base} {', '.join(ys)}")
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _number(v: float) -> str:
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:,.2f} billion"
    if a >= 1e6:
        return f"{v / 1e6:,.1f} million"
    if a >= 100:
        return f"{v:,.0f}"
    return f"{v:,.3g}"


def builds_sentence(s: Scenario, builds: pd.DataFrame, until: int | None = None) -> str:
    """'It builds 1,234 indigenous blast furnaces in 57 regions, …' from the builds table (up to year ``until``)."""
    if until is not None and len(builds):
        builds = builds[builds["period"].astype(str).str[:4].astype(int) <= until]
    if not len(builds):
        return "It builds nothing new."
    tech = {t.id: t for t in s.technologies}
    by = builds.groupby("technology").agg(
        plants=("plants", "sum"), regions=("region", "nunique"), cost=("cost", "sum"), capacity=("new_capacity", "sum")
    )
    by = by.sort_values("cost", ascending=False)
    parts = []
    for t, r in by.head(5).iterrows():
        plants = max(1, round(float(r["plants"])))
        name = tech[str(t)].name.lower() if str(t) in tech else str(t)
        where = f"in {int(r['regions'])} region{'s' if r['regions'] != 1 else ''}"
        parts.append(f"{plants:,} × {name} ({_number(float(r['capacity']))} {_unit(s, str(t))}/yr) {where}")
    rest = len(by) - 5
    tail = f", and {rest} other kind{'s' if rest != 1 else ''} of plant" if rest > 0 else ""
    total = float(builds["cost"].sum())
    return f"It builds {'; '.join(parts)}{tail}: {_number(total)} {s.currency} of new capacity in all."


def _unit(s: Scenario, technology: str) -> str:
    product = next((t.product for t in s.technologies if t.id == technology), "")
    return next((p.unit for p in s.products if p.id == product), "")


def explain_targets(
    pm: PlanModel, tables: dict[str, pd.DataFrame], weak: pd.DataFrame, names: dict[str, str]
) -> list[str]:
    """One paragraph per row of the targets table: empty for a target met, else what is cut, the ``ACTIONS``
    reliefs worth most, and what the plan builds up to the target's year."""
    s = pm.scenario
    tt = tables["targets"]
    level_of = {t.id: f"priority {t.priority}" for t in s.targets}
    out = []
    for r in tt.itertuples(index=False):
        if not (r.cut > 0):
            out.append("")
            continue
        own = weak[weak["target"] == r.id] if "target" in weak else weak.iloc[0:0]
        if not len(own) and "target" in weak:
            own = weak[weak["target"] == level_of.get(r.id, "")]
        named = r.id if r.description in ("", r.id) else f"{r.id} ({r.description})"
        text = (
            f"{named} is cut by {r.cut_share:.1%}: {_number(r.achievable)} of the required "
            f"{_number(r.required)} {r.unit} in {r.year} (usable output)."
        )
        if len(own):
            reliefs = []
            for w in own.head(ACTIONS).itertuples(index=False):
                unit = str(w.unit).split(" per ", 1)[-1]
                unit = PLURAL.get(unit, unit)
                size = float(getattr(w, "size", float("nan")))
                amount = f" ({_number(0.01 * size)} {unit})" if size == size and size > 0 else ""
                gain = str(w.unit).split(" per ", 1)[0]
                reliefs.append(f"{w.action}: 1 % more{amount} would add about {_number(w.value_of_one_percent)} {gain}")
            text += " What would relieve it most: " + "; ".join(reliefs) + "."
        text += " " + builds_sentence(s, tables["builds"], int(r.year))
        out.append(text)
    return out
