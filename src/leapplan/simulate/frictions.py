"""The frictions the simulation applies when a plan is carried out; each can be switched off."""

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


@dataclass(frozen=True)
class Frictions:
    """Which frictions are on. Their sizes are the scenario's ``simulation`` settings.

    build_delays: new capacity comes late (exponential delay, mean build_delay × build time);
    learning: new capacity starts at ramp_start of full output and rises as technicians learn it;
    indigenous_quality: indigenous output's usable share falls below its nominal value;
    harvest_shocks: log-normal harvest shocks, scenario-wide and per region;
    transport_breakdowns: transport capacity lost to breakdowns each period;
    harvest_labour: farm workers drawn from the fields at harvest, more when labour was moved to industry;
    reporting_bias: units cover part of their shortfall with inflated reports, and the next period's plan is
    raised on the reported figures.
    """

    build_delays: bool = True
    learning: bool = True
    indigenous_quality: bool = True
    harvest_shocks: bool = True
    transport_breakdowns: bool = True
    harvest_labour: bool = True
    reporting_bias: bool = True

    @classmethod
    def none(cls) -> Frictions:
        """Every friction off: the plan is carried out as written."""
        return cls(**{f.name: False for f in fields(cls)})

    @classmethod
    def only(cls, *names: str) -> Frictions:
        """Only the named frictions on."""
        _check(names)
        return cls(**{f.name: f.name in names for f in fields(cls)})

    def without(self, *names: str) -> Frictions:
        """The same frictions with the named ones off."""
        _check(names)
        return replace(self, **{name: False for name in names})

    def active(self) -> list[str]:
        """Names of the frictions that are on."""
        return [f.name for f in fields(self) if getattr(self, f.name)]


def _check(names: tuple[str, ...]) -> None:
    unknown = [n for n in names if n not in FRICTIONS]
    if unknown:
        from leapplan.errors import SimulationError

        raise SimulationError(f"unknown friction {unknown[0]!r}; known: {', '.join(FRICTIONS)}")
