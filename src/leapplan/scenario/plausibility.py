"""Plausibility warnings: a valid scenario whose numbers look like slips (a figure ×1000, a percentage
written where a share belongs, a target no economy could reach). ``leapplan validate`` prints them as
warnings (exit 0); ``--strict`` makes them errors (exit 2). Locations name items by id, like problems do.

Values that cannot be right at all are errors already (``model.py`` and ``validate.py``): a ``Share`` field
outside 0–1, an enterprise's base output above its capacity, a negative amount.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from leapplan.errors import Problem
from leapplan.scenario.model import PolicyKind, Region, Scenario

PEER_FACTOR = 10.0
"""A region's population or labour force more than this multiple of the median of its peers (regions of
the same kind) is flagged [-]."""

GROWTH_FACTOR = 10.0
"""A target asking for more than this multiple of its base-year level per year is flagged [-]."""

MIN_PEERS = 3
"""Regions of a kind needed before the median of their population means anything."""


def plausibility(s: Scenario) -> list[Problem]:
    """Every plausibility warning for ``s`` (a scenario that passed validation), located by id."""
    out: list[Problem] = []
    for field, unit in (("population", "persons"), ("labour_force", "persons")):
        out += _against_parent(s.regions, field, unit)
        out += _against_peers(s.regions, field, unit)
    for r in s.regions:
        if r.population > 0 and r.labour_force > r.population:
            out.append(
                Problem(
                    f"regions[{r.id}].labour_force",
                    f"{r.labour_force:,.0f} persons is more than the region's population ({r.population:,.0f})",
                )
            )
    out += _shares(s)
    out += _growth(s)
    return out


def _against_parent(regions: Sequence[Region], field: str, unit: str) -> list[Problem]:
    """A region whose figure exceeds its parent's own figure (where the parent gives one)."""
    by_id = {r.id: r for r in regions}
    out = []
    for r in regions:
        parent = by_id.get(r.parent) if r.parent else None
        mine, theirs = getattr(r, field), getattr(parent, field, 0.0)
        if parent is not None and theirs > 0 and mine > theirs:
            out.append(
                Problem(
                    f"regions[{r.id}].{field}",
                    f"{mine:,.0f} {unit} is more than its parent {parent.id!r} has ({theirs:,.0f})",
                )
            )
    return out


def _against_peers(regions: Sequence[Region], field: str, unit: str) -> list[Problem]:
    """A region whose figure is far above the median of its kind, and what the rest of the scenario holds."""
    total = sum(getattr(r, field) for r in regions)
    out = []
    for kind in dict.fromkeys(r.kind for r in regions):  # in order of first appearance: stable output
        peers = [r for r in regions if r.kind is kind and getattr(r, field) > 0]
        if len(peers) < MIN_PEERS:
            continue
        median = statistics.median(getattr(r, field) for r in peers)
        for r in peers:
            mine = getattr(r, field)
            if mine > PEER_FACTOR * median:
                rest = total - mine
                beyond = f", more than all other regions together ({rest:,.0f})" if mine > rest else ""
                out.append(
                    Problem(
                        f"regions[{r.id}].{field}",
                        f"{mine:,.0f} {unit} is {mine / median:,.0f} × the median {kind.value} "
                        f"({median:,.0f}){beyond}; a slip of a factor 10 or 1000?",
                    )
                )
    return out


def _shares(s: Scenario) -> list[Problem]:
    """Fields that hold a share or fraction without a hard upper bound, above 1 (a percentage typed in?)."""
    checks: list[tuple[str, float, str]] = [
        ("simulation.report_inflation", s.simulation.report_inflation, "a share of the shortfall"),
        ("simulation.capacity_growth", s.simulation.capacity_growth, "a fraction per year"),
    ]
    checks += [
        (f"networks[{n.id}].effect.max_capacity_gain", n.effect.max_capacity_gain, "a fraction of capacity")
        for n in s.networks
    ]
    checks += [
        (f"policies[{p.id}].value", p.value, "a fraction") for p in s.policies if p.kind is PolicyKind.target_ratchet
    ]
    return [
        Problem(where, f"{value:g} is {what} above 1 ({value:g} % would be {value / 100:g})")
        for where, value, what in checks
        if value > 1
    ]


def _growth(s: Scenario) -> list[Problem]:
    """Targets asking for more than GROWTH_FACTOR × their base-year level per year (usable output)."""
    from leapplan.scenario.summary import targets_table

    out = []
    for t in targets_table(s):
        growth = t["annual_growth"]
        if growth is None or 1 + growth <= GROWTH_FACTOR:
            continue
        asked = _fmt(t["required"] if t["required"] is not None else t["required_at_base_reference"])
        out.append(
            Problem(
                f"targets[{t['id']}].value",
                f"asks for ×{1 + growth:,.1f} a year from {s.base_year} to {t['year']} "
                f"({_fmt(t['base'])} → {asked} {t['unit']}, usable output)",
            )
        )
    return out


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


__all__ = ["GROWTH_FACTOR", "PEER_FACTOR", "plausibility"]
