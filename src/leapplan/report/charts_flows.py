"""Support flows as two-column flow diagrams (bands drawn as bezier ribbons, width ∝ quantity):
hubs → members (technicians, equipment), cities ↔ counties (machines, funds, food, labourers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MPath

from leapplan.console import fmt
from leapplan.report import style
from leapplan.report.charts_map import spread
from leapplan.scenario.model import Scenario

KIND_ORDER = ("technicians", "equipment", "funds", "labour", "product")
KIND_UNITS = {"technicians": "persons", "labour": "persons", "funds": "yuan"}
KIND_TITLES = {
    "technicians": "Technicians sent",
    "equipment": "Equipment supplied",
    "funds": "Funds",
    "labour": "Labourers",
    "product": "Goods",
}


class Names:
    """Display names and districts of enterprise and region ids."""

    def __init__(self, s: Scenario) -> None:
        self.region = {r.id: r for r in s.regions}
        self.enterprise = {e.id: e for e in s.enterprises}
        self.root = next(r.id for r in s.regions if r.parent is None)
        self.fund = {f.id: f.name for f in s.funds}

    def name(self, ident: str) -> str:
        """Enterprise or region name for an id (the id itself when unknown)."""
        if ident in self.enterprise:
            return self.enterprise[ident].name
        if ident in self.region:
            return self.region[ident].name
        return ident

    def district(self, ident: str) -> str:
        """Name of the region just below the root that holds an enterprise or region id."""
        rid = self.enterprise[ident].region if ident in self.enterprise else ident
        if rid not in self.region:
            return ident
        while self.region[rid].parent not in (None, self.root):
            rid = str(self.region[rid].parent)
        return self.region[rid].name.replace(" Special District", "")

    def sender(self, ident: str) -> str:
        """How a sending unit is shown: an enterprise (a hub) or a fund by its name, a region as ``receiver`` does."""
        if ident in self.enterprise:
            return self.enterprise[ident].name
        if ident in self.fund:
            return self.fund[ident]
        return self.receiver(ident)

    def receiver(self, ident: str) -> str:
        """How a receiving unit is shown: a city by its name, anything else by its district."""
        if ident in self.region and self.region[ident].kind.value == "city":
            return self.region[ident].name
        return self.district(ident)


def cap_nodes(flows: pd.DataFrame, column: str, limit: int) -> pd.DataFrame:
    """Keep the ``limit`` largest nodes of ``column`` by total quantity, merge the rest into 'N others'."""
    totals = flows.groupby(column)["quantity"].sum().sort_values(ascending=False)
    if len(totals) <= limit:
        return flows
    keep = set(totals.index[: limit - 1])
    rest = len(totals) - len(keep)
    out = flows.copy()
    out[column] = out[column].where(out[column].isin(keep), f"{rest} others")
    return out.groupby(["src", "dst"], as_index=False, sort=False)["quantity"].sum()


def panel_flows(s: Scenario, support: pd.DataFrame, limit: int = 9) -> list[tuple[str, str, pd.DataFrame]]:
    """Per kind (and product, when the support table names one): (title, unit, flows [src, dst, quantity]) with
    senders by name and receivers by district, summed over periods, at most ``limit`` nodes a side."""
    names = Names(s)
    units = {p.id: p.unit for p in s.products}
    pnames = {p.id: p.name for p in s.products}
    sup = support[support["quantity"] > 0].copy()
    if sup.empty:
        return []
    sup["kind"] = sup["kind"].astype(str)
    has_product = "product" in sup.columns
    sup["item"] = sup["product"].fillna("").astype(str) if has_product else ""
    sup.loc[sup["kind"].isin(["technicians", "labour", "funds"]), "item"] = ""
    out = []
    keys = sorted(
        {(k, i) for k, i in zip(sup["kind"], sup["item"], strict=True)},
        key=lambda ki: (KIND_ORDER.index(ki[0]) if ki[0] in KIND_ORDER else 99, ki[1]),
    )
    for kind, item in keys:
        sub = sup[(sup["kind"] == kind) & (sup["item"] == item)]
        frame = pd.DataFrame(
            {
                "src": [names.sender(i) for i in sub["source"]],
                "dst": [names.receiver(i) for i in sub["member"]],
                "quantity": sub["quantity"].to_numpy(dtype=float),
            }
        )
        frame = frame.groupby(["src", "dst"], as_index=False, sort=False)["quantity"].sum()
        frame = cap_nodes(cap_nodes(frame, "src", limit), "dst", limit)
        unit = KIND_UNITS.get(kind, units.get(item, "units"))
        title = KIND_TITLES.get(kind, kind) + (f": {pnames.get(item, item)}" if item else "")
        out.append((title, unit, frame))
    return out


def _ribbon(x0: float, x1: float, a: tuple[float, float], b: tuple[float, float]) -> MPath:
    """A band from interval ``a`` (bottom, top) at x0 to ``b`` at x1 with cubic bezier edges."""
    xm = (x0 + x1) / 2
    verts = [(x0, a[1]), (xm, a[1]), (xm, b[1]), (x1, b[1]), (x1, b[0]), (xm, b[0]), (xm, a[0]), (x0, a[0]), (x0, a[1])]
    codes = [
        MPath.MOVETO,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.LINETO,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CLOSEPOLY,
    ]
    return MPath(verts, codes)


def node_positions(totals: pd.Series, gap: float) -> dict[str, tuple[float, float]]:
    """Stack nodes top-down in order on a unit-height column: name → (bottom, top), heights ∝ totals."""
    n = len(totals)
    usable = 1.0 - gap * max(n - 1, 0)
    scale = usable / float(totals.sum())
    pos, top = {}, 1.0
    for name, value in totals.items():
        h = float(value) * scale
        pos[str(name)] = (top - h, top)
        top -= h + gap
    return pos


def short_label(name: str, width: int = 30) -> str:
    """A node name cut to ``width`` characters in the middle, keeping its end (often a year or a place)."""
    if len(name) <= width:
        return name
    tail = width // 3
    return name[: width - tail - 1].rstrip() + "…" + name[-tail:]


def _is_rest(name: object) -> bool:
    return str(name).endswith(" others")


def _totals(flows: pd.DataFrame, column: str) -> pd.Series:
    """Node totals, largest first, the merged 'N others' node last."""
    tot = flows.groupby(column, sort=False)["quantity"].sum().sort_values(ascending=False)
    rest = [k for k in tot.index if _is_rest(k)]
    return pd.concat([tot.drop(rest), tot[rest]])


def draw_flows(ax: Axes, flows: pd.DataFrame, title: str, unit: str) -> None:
    """Two-column flow diagram of ``flows`` [src, dst, quantity] on ``ax``."""
    ax.set_axis_off()
    ax.set_xlim(-1.15, 2.15)
    ax.set_ylim(-0.12, 1.1)
    total = float(flows["quantity"].sum())
    ax.set_title(f"{title} — {fmt(total, unit)}", loc="left")
    src_tot, dst_tot = _totals(flows, "src"), _totals(flows, "dst")
    gap = 0.03
    left, right = node_positions(src_tot, gap), node_positions(dst_tot, gap)
    colours = {
        k: style.MUTED if _is_rest(k) else style.CYCLE[i % len(style.CYCLE)] for i, k in enumerate(src_tot.index)
    }
    scale = (1.0 - gap * (len(src_tot) - 1)) / total, (1.0 - gap * (len(dst_tot) - 1)) / total
    used_l = {k: v[1] for k, v in left.items()}
    used_r = {k: v[1] for k, v in right.items()}
    order = flows.assign(
        sr=flows["src"].map({k: i for i, k in enumerate(src_tot.index)}),
        dr=flows["dst"].map({k: i for i, k in enumerate(dst_tot.index)}),
    ).sort_values(["sr", "dr"])
    w = 0.06
    for _, f in order.iterrows():
        hl, hr = f["quantity"] * scale[0], f["quantity"] * scale[1]
        a = (used_l[f["src"]] - hl, used_l[f["src"]])
        b = (used_r[f["dst"]] - hr, used_r[f["dst"]])
        used_l[f["src"]] -= hl
        used_r[f["dst"]] -= hr
        ax.add_patch(PathPatch(_ribbon(0.0, 1.0, a, b), facecolor=colours[f["src"]], alpha=0.45, lw=0))
    for side, pos, tot, x, ha in ((0, left, src_tot, 0.0, "right"), (1, right, dst_tot, 1.0, "left")):
        names = list(pos)
        mids = [-(pos[n][0] + pos[n][1]) / 2 for n in names]
        label_y = [-v for v in spread(mids, gap=0.085)]
        for name, ly in zip(names, label_y, strict=True):
            lo, hi = pos[name]
            colour = colours[name] if side == 0 else style.MUTED
            ax.add_patch(Rectangle((x - w if side == 0 else x, lo), w, hi - lo, color=colour, lw=0))
            tx = x - w - 0.03 if side == 0 else x + w + 0.03
            mid = (lo + hi) / 2
            if abs(ly - mid) > 0.01:
                ax.plot([x - w if side == 0 else x + w, tx], [mid, ly], color=style.GRID, lw=0.5)
            amount = style.quantity(float(tot[name]))
            label = short_label(name)
            ax.text(tx, ly, f"{label}  {amount}" if side else f"{amount}  {label}", ha=ha, va="center", fontsize=7)
    ax.text(-0.02, 1.06, "from", ha="right", fontsize=7.5, color=style.MUTED, weight="bold")
    ax.text(1.02, 1.06, "to", ha="left", fontsize=7.5, color=style.MUTED, weight="bold")


def support_figure(s: Scenario, support: pd.DataFrame) -> Figure:
    """One flow diagram per kind of support (and product), two to a row."""
    panels = panel_flows(s, support)
    rows = max(1, int(np.ceil(len(panels) / 2)))
    fig = style.figure(11.0, 3.3 * rows, constrained=False)
    if not panels:
        style.no_data(fig.subplots(), "The plan sends no technicians, equipment, funds, labour or goods.")
        return fig
    axes = np.atleast_1d(
        fig.subplots(
            rows,
            2 if len(panels) > 1 else 1,
            gridspec_kw={
                "left": 0.01,
                "right": 0.99,
                "bottom": 0.01,
                "top": 1 - 0.4 / (3.3 * rows),
                "hspace": 0.25,
                "wspace": 0.02,
            },
        )
    ).ravel()
    for ax, (title, unit, flows) in zip(axes, panels, strict=False):
        draw_flows(ax, flows, title, unit)
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    return fig
