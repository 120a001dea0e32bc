"""Quarterly plans and reports rolled up to years: the roll-up's rows of a year's quarters summed."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from leapplan.service import rollup
from leapplan.service.context import ApiError, Context
from leapplan.service.security import Principal


def year_of(period: str) -> str:
    """The year of a period label: '1958Q3' → '1958', '1958' → '1958'."""
    return period[:4]


def rollup_years(
    ctx: Context,
    user: Principal,
    *,
    year: str | None,
    unit: str | None,
    product: str | None,
    group: str,
    children: bool = False,
) -> list[dict[str, Any]]:
    """The roll-up (``rollup.rollup``) with the periods of each year summed: rows {unit, period (the year), product,
    planned, reported, audited, pending} [product unit]; planned is None where every quarter's is, audited None
    where nothing in the year is audited yet. ``year``: only that year."""
    years = sorted({year_of(p) for p in ctx.periods})
    if year is not None and year not in years:
        raise ApiError(422, f"year {year!r} is outside the plan; years are {years[0]} … {years[-1]}")
    rows = rollup.rollup(ctx, user, period=None, unit=unit, product=product, group=group, children=children)
    totals: dict[tuple[str, str, str], dict[str, Any]] = {}
    pending: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in rows:
        y = year_of(str(r["period"]))
        if year is not None and y != year:
            continue
        key = (r["unit"], y, r["product"])
        row = totals.setdefault(
            key,
            {
                "unit": r["unit"],
                "period": y,
                "product": r["product"],
                "planned": None,
                "reported": 0.0,
                "audited": None,
            },
        )
        for column in ("planned", "audited"):
            if r[column] is not None:
                row[column] = (row[column] or 0.0) + r[column]
        row["reported"] += r["reported"]
        pending[key] += r["pending"]
    return [row | {"pending": pending[key]} for key, row in totals.items()]
