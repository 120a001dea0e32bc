"""The region tree with the collaboration zones and the industrial networks, as a layered graph:
province → districts → counties (left to right), county → zone edges, and one dot column per network."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from leapplan.report import style
from leapplan.scenario.model import Scenario


def layered_tree(s: Scenario) -> dict[str, tuple[int, float]]:
    """Region id → (depth, row): leaves take rows 0, 1, … in depth-first order (children in scenario order),
    a parent sits at the mean row of its children."""
    children: dict[str, list[str]] = {}
    root = ""
    for r in s.regions:
        if r.parent is None:
            root = r.id
        else:
            children.setdefault(r.parent, []).append(r.id)
    pos: dict[str, tuple[int, float]] = {}
    next_row = 0
    stack: list[tuple[str, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        kids = children.get(node, [])
        if not kids:
            pos[node] = (depth, float(next_row))
            next_row += 1
        elif done:
            pos[node] = (depth, float(np.mean([pos[k][1] for k in kids])))
        else:
            stack.append((node, depth, True))
            stack.extend((k, depth + 1, False) for k in reversed(kids))
    return pos


def network_regions(s: Scenario) -> dict[str, tuple[set[str], set[str]]]:
    """Network id → (regions holding its hub enterprises, regions holding its members)."""
    where = {e.id: e.region for e in s.enterprises}
    regions = {r.id for r in s.regions}
    out = {}
    for n in s.networks:
        hubs = {where[h] for h in n.commanders if h in where}
        members = {where[e] for t in n.tiers for e in t.enterprises if e in where}
        for resp in n.responsibilities:
            members |= {m if m in regions else where.get(m, m) for m in resp.members}
        out[n.id] = (hubs, members - hubs)
    return out


def spread(rows: list[float], gap: float) -> list[float]:
    """Move label rows apart so neighbours are at least ``gap`` apart, keeping their order [rows]."""
    order = sorted(range(len(rows)), key=lambda i: rows[i])
    out = list(rows)
    for prev, cur in zip(order, order[1:], strict=False):
        out[cur] = max(out[cur], out[prev] + gap)
    return out


def short(name: str) -> str:
    """A region name without its kind word ('Qin County' → 'Qin')."""
    for word in (" Special District", " County", " Province", " City"):
        name = name.replace(word, "")
    return name


def region_map_figure(s: Scenario) -> Figure:
    """The layered region tree, the zones each county belongs to, and the networks present in each region."""
    pos = layered_tree(s)
    rows = max(r for _, r in pos.values()) + 1
    height = max(4.0, 1.4 + 0.115 * rows)
    fig = style.figure(9.5, height, constrained=False)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=1 - 0.35 / height)
    ax.set_axis_off()
    deepest = max(d for d, _ in pos.values())
    label_end = deepest + 0.62
    zone_x, net_x0 = deepest + 1.25, deepest + 2.05
    net_step = 0.32
    by_id = {r.id: r for r in s.regions}
    edges = []
    for r in s.regions:
        d, y = pos[r.id]
        if r.parent is not None:
            pd_, py = pos[r.parent]
            xm = (pd_ + d) / 2
            edges.append([(pd_, py), (xm, py), (xm, y), (d, y)])
    ax.add_collection(LineCollection(edges, colors=style.GRID, linewidths=0.7, zorder=1))
    kind_colour = {"province": style.INK, "prefecture": "#475569", "city": style.INK, "county": style.MUTED}
    zone_colour: dict[str, str] = {}
    for i, z in enumerate(s.zones):
        for m in [z.centre, *z.counties]:
            zone_colour.setdefault(m, style.CYCLE[i % len(style.CYCLE)])
    parents = {x.parent for x in s.regions}
    dots: dict[str, tuple[list[float], list[float], list[float], list[str]]] = {
        "o": ([], [], [], []),
        "s": ([], [], [], []),
    }
    for r in s.regions:
        d, y = pos[r.id]
        leaf = r.id not in parents
        colour = zone_colour.get(r.id, kind_colour.get(r.kind.value, style.MUTED))
        city = r.kind.value == "city"
        xs, ys, sizes, colours = dots["s" if city else "o"]
        xs.append(d)
        ys.append(y)
        sizes.append((26 if city else 14) if leaf else 30)
        colours.append(colour)
        if leaf:
            ax.text(
                d + 0.05,
                y,
                short(r.name) + (" (city)" if city else ""),
                va="center",
                fontsize=6.2 if city else 5.6,
                color=colour if city else style.INK,
                weight="bold" if city else "normal",
            )
        else:
            ax.text(d - 0.05, y - 0.6, short(r.name), va="bottom", ha="right", fontsize=7, weight="bold")
    for marker, (xs, ys, sizes, colours) in dots.items():
        ax.scatter(xs, ys, s=sizes, c=colours, marker=marker, zorder=3)
    zone_rows = spread(
        [float(np.mean([pos[m][1] for m in z.counties if m in pos] or [pos[z.centre][1]])) for z in s.zones], gap=1.6
    )
    for i, z in enumerate(s.zones):
        colour = style.CYCLE[i % len(style.CYCLE)]
        members = [m for m in z.counties if m in pos]
        zy = zone_rows[i]
        ax.add_collection(
            LineCollection(
                [[(label_end, pos[m][1]), (zone_x, zy)] for m in members],
                colors=colour,
                linewidths=0.55,
                alpha=0.75,
                zorder=2,
            )
        )
        ax.scatter([zone_x], [zy], s=60, color=colour, zorder=4, edgecolor="white")
        ax.text(
            zone_x + 0.06,
            zy,
            (short(by_id[z.centre].name) if z.centre in by_id else z.id) + " zone",
            va="center",
            fontsize=7.5,
            color=colour,
            weight="bold",
        )
    nets = network_regions(s)
    for j, n in enumerate(s.networks):
        x = net_x0 + j * net_step
        hubs, held = nets[n.id]
        ax.axvline(x, color=style.GRID, lw=0.4, zorder=0)
        ys = [pos[m][1] for m in held if m in pos and m not in parents]
        ax.scatter([x] * len(ys), ys, s=7, color=style.ACTUAL, zorder=3)
        up = [pos[m][1] for m in held if m in pos and m in parents]
        ax.scatter([x] * len(up), up, s=30, facecolors="white", edgecolors=style.ACTUAL, linewidths=0.9, zorder=3)
        hy = [pos[h][1] for h in hubs if h in pos]
        ax.scatter([x] * len(hy), hy, s=42, marker="*", color=style.REPORTED, zorder=4)
        ax.text(x, -1.6, n.id, rotation=60, ha="left", va="bottom", fontsize=7)
    ax.text(zone_x, -1.6, "zones", ha="center", va="bottom", fontsize=8, weight="bold")
    if s.networks:
        ax.text(net_x0 - 0.15, -8.4, "networks", ha="left", va="bottom", fontsize=8, weight="bold")
        ax.text(net_x0 - 0.15, -7.1, "★ hub  ● member  ○ district-level member", ha="left", va="bottom", fontsize=6.5)
    ax.set_ylim(rows + 0.5, -9.6)
    ax.set_xlim(-0.4, net_x0 + net_step * max(len(s.networks), 1) + 0.3)
    ax.set_title("Regions, collaboration zones and industrial networks")
    return fig
