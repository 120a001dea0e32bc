"""The frictions and mechanisms the simulation applies when a plan is carried out; each can be switched off."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

FRICTIONS = (
    "build_delays",
    "learning",
    "indigenous_quality",
    "harvest_shocks",
    "transport_breakdowns",
    "harvest_labour",
    "reporting_bias",
)
"""Names of the frictions, in the order the model applies them."""

MECHANISMS = (
    "investment",
    "wear",
    "capacity_ratchet",
    "labour_stays",
    "sown_area",
    "seed_grain",
    "mess_halls",
    "hunger",
    "shock_persistence",
    "harvest_season",
    "retrenchment",
    "write_off",
)
"""Names of the mechanisms that carry a period's consequences into the next (``simulate.dynamics``); all but
shock_persistence act only where policies are carried out (``docs/replay.md``)."""


@dataclass(frozen=True)
class Frictions:
    """Which frictions and mechanisms are on. Their sizes are the scenario's ``simulation`` settings.

    Frictions. build_delays: new capacity comes late (exponential delay, mean build_delay × build time);
    learning: new capacity starts at ramp_start of full output and rises as technicians learn it;
    indigenous_quality: indigenous output's usable share falls below its nominal value;
    harvest_shocks: log-normal harvest shocks, scenario-wide and per region;
    transport_breakdowns: transport capacity lost to breakdowns each period;
    harvest_labour: farm workers drawn from the fields at harvest, more when labour was moved to industry;
    reporting_bias: units cover part of their shortfall with inflated reports, and the next period's plan is
    raised on the reported figures.

    Mechanisms (policy mode, ``simulate.dynamics``; shock_persistence also in plan mode). investment: targets and
    funds build capacity that stays; wear: capacity built wears out over its technology's lifetime; capacity_ratchet:
    the ratchet raises capacity and labour plans, not only output plans; labour_stays: workers drawn into industry
    stay (state workers on the state's ration) until retrenchment sends them back; sown_area: planners who believe
    the reported harvest cut the grain area; seed_grain: procurement and hunger eat the seed, and the next sowing
    is short of it; mess_halls: the mess-hall policy raises rural eating while the villages' stocks last; hunger:
    food below the floor lowers the next period's work; shock_persistence: harvest shocks persist from year to year
    (``simulation.harvest_persistence``); harvest_season: each season's harvest sees the labour away in that
    season; retrenchment: input and food shortages cut plans and send workers back; write_off: indigenous plants
    whose usable output is worth less than their inputs are closed.
    """

    build_delays: bool = True
    learning: bool = True
    indigenous_quality: bool = True
    harvest_shocks: bool = True
    transport_breakdowns: bool = True
    harvest_labour: bool = True
    reporting_bias: bool = True
    investment: bool = True
    wear: bool = True
    capacity_ratchet: bool = True
    labour_stays: bool = True
    sown_area: bool = True
    seed_grain: bool = True
    mess_halls: bool = True
    hunger: bool = True
    shock_persistence: bool = True
    harvest_season: bool = True
    retrenchment: bool = True
    write_off: bool = True

    @classmethod
    def none(cls) -> Frictions:
        """Every friction and mechanism off: the plan is carried out as written."""
        return cls(**{f.name: False for f in fields(cls)})

    @classmethod
    def only(cls, *names: str) -> Frictions:
        """Only the named frictions and mechanisms on."""
        _check(names)
        return cls(**{f.name: f.name in names for f in fields(cls)})

    def without(self, *names: str) -> Frictions:
        """The same with the named frictions and mechanisms off."""
        _check(names)
        return replace(self, **{name: False for name in names})

    def active(self) -> list[str]:
        """Names of the frictions and mechanisms that are on."""
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def dynamic(self) -> bool:
        """True when a mechanism of policy mode is on (``simulate.dynamics`` carries policies out)."""
        return any(getattr(self, name) for name in MECHANISMS if name != "shock_persistence")


def _check(names: tuple[str, ...]) -> None:
    unknown = [n for n in names if n not in FRICTIONS + MECHANISMS]
    if unknown:
        from leapplan.errors import SimulationError

        raise SimulationError(
            f"unknown friction {unknown[0]!r}; frictions: {', '.join(FRICTIONS)}; mechanisms: {', '.join(MECHANISMS)}"
        )
