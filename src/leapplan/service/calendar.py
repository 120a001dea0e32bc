"""The service's calendar: the current period, what "today" is, and the default ``as_of`` of agreements.

For a scenario whose horizon reaches the server's date, today is the server's date and the current period is
the one holding it. For a historical scenario (shanxi-1958: its last period ended long ago) the current period
is a setting a planner moves forward (PUT /api/settings; default the first period), and today is its last day.
Nothing a unit records — a report, a delivery — moves the calendar.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from leapplan.service.context import ApiError, Context, record
from leapplan.service.models import Setting

CURRENT_PERIOD = "current_period"


def period_bounds(label: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period label: '1958' (a year) or '1958Q2' (a quarter)."""
    year = int(label[:4])
    if len(label) == 4:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    q = int(label[-1])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, end - dt.timedelta(days=1)


def server_date() -> dt.date:
    """The server's date (UTC)."""
    return dt.datetime.now(dt.UTC).date()


def historical(ctx: Context) -> bool:
    """True when the scenario's last period ended before the server's date."""
    return period_bounds(ctx.periods[-1])[1] < server_date()


def current_period(ctx: Context) -> str:
    """The period the service monitors now (see the module docstring)."""
    chosen = ctx.settings.get(CURRENT_PERIOD)
    if isinstance(chosen, str) and chosen in ctx.periods:
        return chosen
    day = server_date()
    for p in ctx.periods:
        if period_bounds(p)[0] <= day <= period_bounds(p)[1]:
            return p
    return ctx.periods[0] if historical(ctx) or day < period_bounds(ctx.periods[0])[0] else ctx.periods[-1]


def today(ctx: Context) -> dt.date:
    """The latest date a unit may record something for: the server's date, or for a historical scenario the
    last day of the current period."""
    if historical(ctx):
        return period_bounds(current_period(ctx))[1]
    return server_date()


def default_as_of(ctx: Context) -> dt.date:
    """The date agreements are judged at by default: the end of the current period, or today when sooner."""
    return min(period_bounds(current_period(ctx))[1], today(ctx))


def settings_view(ctx: Context) -> dict[str, Any]:
    """GET /api/settings: the calendar and the approval rule."""
    return {
        "current_period": current_period(ctx),
        "today": today(ctx).isoformat(),
        "as_of": default_as_of(ctx).isoformat(),
        "historical": historical(ctx),
        "four_eyes": ctx.four_eyes,
    }


def set_current_period(ctx: Context, session: Session, actor: str, period: str) -> None:
    """Move the current period (planners; written to the audit log)."""
    if period not in ctx.periods:
        raise ApiError(422, f"period {period!r} is outside the plan; periods are {ctx.periods[0]} … {ctx.periods[-1]}")
    before = current_period(ctx)
    row = session.get(Setting, CURRENT_PERIOD)
    if row is None:
        session.add(Setting(key=CURRENT_PERIOD, value=period))
    else:
        row.value = period
    record(session, actor, "setting", CURRENT_PERIOD, {"value": before}, {"value": period})
    ctx.settings[CURRENT_PERIOD] = period
