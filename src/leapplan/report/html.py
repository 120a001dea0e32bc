"""The report page: one self-contained HTML file (inline CSS, charts as base64 PNG, no scripts)."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leapplan.console import fmt
from leapplan.report.style import Chart

CSS = """
:root { --ink:#1f2328; --muted:#57606a; --rule:#d0d7de; --paper:#fff; --band:#f6f8fa; --accent:#1d4ed8;
        --warn:#b42318; --ok:#15803d; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; background: #eef1f4; color: var(--ink);
       font-family: Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, "Liberation Serif",
                    "DejaVu Serif", serif;
       line-height: 1.5; -webkit-font-smoothing: antialiased; }
main { max-width: 1120px; margin: 2rem auto; background: var(--paper); padding: 2.5rem 3rem 3rem;
       box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h1, h2, h3, .kicker, table, dl, nav, figcaption, .card {
       font-family: "Inter", "Segoe UI", "Helvetica Neue", "Liberation Sans", "DejaVu Sans", Arial, sans-serif; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: .75rem; color: var(--muted); margin: 0; }
h1 { font-size: 2rem; line-height: 1.2; margin: .2rem 0 .4rem; font-weight: 700; }
h2 { font-size: 1.35rem; margin: 2.6rem 0 .6rem; padding-top: .8rem; border-top: 2px solid var(--ink); }
h3 { font-size: 1rem; margin: 1.4rem 0 .4rem; }
p { margin: .4rem 0 .8rem; max-width: 46rem; }
.lede { font-size: 1.1rem; color: #333; }
nav { font-size: .85rem; margin: 1rem 0 0; }
nav a { color: var(--accent); text-decoration: none; margin-right: 1rem; white-space: nowrap; }
dl.inputs { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: .2rem 1.2rem;
            font-size: .85rem; background: var(--band); padding: .9rem 1.1rem; border-radius: 4px; margin: 1.2rem 0; }
dl.inputs dt { color: var(--muted); }
dl.inputs dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: break-word; }
dl.inputs dd.hash { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .75rem;
                    grid-column: 2 / -1; }
dl.inputs dt.hash { grid-column: 1; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid var(--rule); border-left: 4px solid var(--accent); padding: .7rem .9rem; border-radius: 3px; }
.card.warn { border-left-color: var(--warn); } .card.ok { border-left-color: var(--ok); }
.card .label { font-size: .75rem; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.card .value { font-size: 1.35rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .value.long { font-size: 1rem; line-height: 1.3; padding: .15rem 0; }
.card .note { font-size: .8rem; color: var(--muted); }
figure { margin: 1rem 0 1.6rem; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid var(--rule); }
figcaption { font-size: .85rem; color: var(--muted); margin-top: .4rem; max-width: 52rem; }
figcaption b { color: var(--ink); }
table { border-collapse: collapse; font-size: .8rem; margin: .6rem 0 1rem; width: auto; min-width: 60%;
        font-variant-numeric: tabular-nums; }
th { text-align: left; font-weight: 600; border-bottom: 1.5px solid var(--ink); padding: .3rem .5rem; }
td { border-bottom: 1px solid var(--rule); padding: .25rem .5rem; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr:nth-child(even) td { background: #fafbfc; }
.files { font-size: .8rem; color: var(--muted); }
.files a { color: var(--accent); }
.status-feasible { color: var(--ok); } .status-targets_cut { color: #b45309; } .status-infeasible { color: var(--warn); }
footer { margin-top: 3rem; font-size: .8rem; color: var(--muted); border-top: 1px solid var(--rule); padding-top: .8rem; }
@media print { body { background: #fff; } main { box-shadow: none; margin: 0; max-width: none; padding: 0; }
  h2 { break-before: page; } figure, table { break-inside: avoid; } nav { display: none; } }
"""


@dataclass
class Section:
    """A part of the report: ``id`` (anchor), ``title``, paragraphs of ``text`` (trusted HTML) and parts."""

    id: str
    title: str
    text: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)
    """(heading, table HTML) pairs."""
    files: list[str] = field(default_factory=list)
    """Table file stems whose CSV and Parquet the section links to."""


def esc(value: object) -> str:
    """HTML-escaped text."""
    return html.escape(str(value), quote=True)


def cell(value: Any) -> tuple[str, bool]:
    """A table cell as (text, is_number)."""
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, int) and abs(value) < 10_000:
        return str(value), True
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return "–", True
        return fmt(float(value)), True
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–", False
    return str(value), False


def table_html(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    limit: int | None = None,
) -> str:
    """A DataFrame as an HTML table, numbers right-aligned in the planner's format (1,234 / 12.3 million)."""
    cols = list(columns or frame.columns)
    heads = list(headers or cols)
    rows = frame[cols].head(limit) if limit else frame[cols]
    parts = ["<table><thead><tr>"]
    sample = [cell(rows[c].iloc[0])[1] if len(rows) else False for c in cols]
    parts += [
        f'<th class="num">{esc(h)}</th>' if num else f"<th>{esc(h)}</th>" for h, num in zip(heads, sample, strict=True)
    ]
    parts.append("</tr></thead><tbody>")
    for rec in rows.itertuples(index=False):
        parts.append("<tr>")
        for v in rec:
            text, num = cell(v.item() if hasattr(v, "item") else v)
            parts.append(f'<td class="num">{esc(text)}</td>' if num else f"<td>{esc(text)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    if limit and len(frame) > limit:
        parts.append(f'<p class="files">First {limit} of {len(frame):,} rows; all rows in the CSV.</p>')
    return "".join(parts)


def figure_html(chart: Chart) -> str:
    """A chart as an inline base64 PNG with its caption."""
    data = base64.b64encode(chart.png).decode("ascii")
    axes = " | ".join(f"x: {x}; y: {y}" for x, y in chart.axes)
    alt = f"{chart.title} ({axes})" if axes else chart.title
    return (
        f'<figure id="chart-{esc(chart.name)}" data-chart="{esc(chart.name)}" data-axes="{esc(axes)}">'
        f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
        f"<figcaption><b>{esc(chart.title)}.</b> {chart.caption} "
        f'(<a href="charts/{esc(chart.name)}.png">PNG</a>)</figcaption></figure>'
    )


def page(
    title: str,
    kicker: str,
    lede: str,
    inputs: list[tuple[str, str]],
    cards: list[tuple[str, str, str, str]],
    sections: list[Section],
    footer: str,
) -> str:
    """The whole report page. ``cards``: (label, value, note, tone ∈ ''/'ok'/'warn')."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>",
        f'<p class="kicker">{esc(kicker)}</p><h1>{esc(title)}</h1><p class="lede">{lede}</p>',
        '<dl class="inputs">',
    ]
    out += [
        f"<dt{' class=hash' if 'hash' in k else ''}>{esc(k)}</dt><dd{' class=hash' if 'hash' in k else ''}>{esc(v)}</dd>"
        for k, v in inputs
    ]
    out.append("</dl><nav>" + "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in sections) + "</nav>")
    out.append('<div class="cards">')
    for label, value, note, tone in cards:
        out.append(
            f'<div class="card {esc(tone)}"><div class="label">{esc(label)}</div><div class="value{" long" if len(value) > 16 else ""}">{esc(value)}</div>'
            f'<div class="note">{esc(note)}</div></div>'
        )
    out.append("</div>")
    for s in sections:
        out.append(f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>')
        out += [f"<p>{t}</p>" for t in s.text]
        out += [figure_html(c) for c in s.charts]
        for heading, table in s.tables:
            out.append(f"<h3>{esc(heading)}</h3>{table}")
        if s.files:
            links = ", ".join(
                f'{esc(f)} (<a href="tables/{esc(f)}.csv">CSV</a>, <a href="tables/{esc(f)}.parquet">Parquet</a>)'
                for f in s.files
            )
            out.append(f'<p class="files">Tables: {links}</p>')
        out.append("</section>")
    out.append(f"<footer>{footer}</footer></main></body></html>")
    return "\n".join(out)
