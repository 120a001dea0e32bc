"""A yearly scenario made quarterly: the same figures, planned quarter by quarter with its seasons.

Every rate in a scenario is stated per year (capacities, limits, consumption per head, the yield curve), and the
planner and the simulation take a quarter's share of each, so converting changes only:
  * ``period`` becomes 'quarter' (targets stay stated by year: a year's target counts its four quarters); over a
    shorter horizon, the targets due and the funds coming after it are left out;
  * ``seasons`` holds the profiles of farm work, harvest and eating (the scenario's own, or those given);
  * the simulation's ``harvest_season`` follows the harvest profile;
  * the state grain store at the start, ``agriculture.reserve``, gains the working stock that carries the
    households from the last harvest to the first of the plan: the base year's grain times the largest share of
    the year's eating not yet covered by the year's harvests, quarter by quarter, grossed up for storage losses
    (``working_stock``); the plan must hand the same store on at its end.
"""

from __future__ import annotations

import numpy as np

from leapplan.errors import LeapplanError
from leapplan.scenario.model import Period, Scenario, Seasons


def working_stock(s: Scenario, seasons: Seasons) -> float:
    """Grain the store needs at the start of a year so that eating at the base year's rate never runs ahead of
    the harvests before the year's first harvests come in, with the store losing ``storage_loss`` a year [t]."""
    from leapplan.scenario.accounts import base_grain

    grain = float(base_grain(s).sum())
    keep = (1 - s.agriculture.storage_loss) ** 0.25
    eat = np.asarray(seasons.consumption.shares, dtype=float) * grain
    harvest = np.asarray(seasons.harvest.shares, dtype=float) * grain
    need, stock = 0.0, 0.0
    for q in range(4):  # the store at the start needed so that it never falls below zero: stock_q = keep × … − net
        stock = keep * stock + harvest[q] - eat[q]
        need = max(need, -stock / keep ** (q + 1))
    return need


def to_quarters(
    s: Scenario, seasons: Seasons | None = None, *, horizon: int | None = None, name: str | None = None
) -> Scenario:
    """The quarterly version of the yearly scenario ``s`` with ``seasons`` (default: its own), over ``horizon``
    years (default: its own), named ``name`` (default: '<name>-quarterly')."""
    if s.period is Period.quarter:
        raise LeapplanError(f"{s.name} is already quarterly")
    seasons = seasons or s.seasons
    if seasons is None:
        raise LeapplanError(
            f"{s.name} has no seasons: add a 'seasons' table (farm_labour, harvest, consumption shares by quarter, "
            "each with its source) to make it quarterly"
        )
    horizon = horizon or s.horizon
    last = s.base_year + horizon
    stock = working_stock(s, seasons)
    reserve = s.agriculture.reserve + stock
    source = f"{s.agriculture.source}; quarterly: the reserve includes a working stock of {stock:,.0f} t to the first "
    source += "harvest (the base year's grain by the seasons' harvest and eating, leapplan.scenario.quarterly)"
    return s.model_copy(
        update={
            "name": name or f"{s.name}-quarterly",
            "title": f"{s.title} (by quarter)" if s.title else s.title,
            "period": Period.quarter,
            "horizon": horizon,
            "targets": [x for x in s.targets if x.year <= last],
            "funds": [f for f in s.funds if f.available_from <= last],
            "seasons": seasons,
            "agriculture": s.agriculture.model_copy(update={"reserve": reserve, "source": source.lstrip("; ")}),
            "simulation": s.simulation.model_copy(update={"harvest_season": seasons.harvest.shares}),
        }
    )
