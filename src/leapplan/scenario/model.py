"""The scenario schema: every field carries its unit and a one-line description.

A scenario is immutable once loaded. Structural checks (types, signs, ranges) live here;
cross-references (unknown ids, cycles, units) live in ``validate.py``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

NonNeg = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class RegionKind(StrEnum):
    province = "province"
    prefecture = "prefecture"
    city = "city"
    county = "county"
    township = "township"


class Ownership(StrEnum):
    """Who runs an enterprise. Everything but ``central`` is *local industry*."""

    central = "central"
    provincial = "provincial"
    prefecture = "prefecture"
    city = "city"
    county = "county"
    township = "township"
    cooperative = "cooperative"


LOCAL_OWNERSHIP: tuple[Ownership, ...] = tuple(o for o in Ownership if o is not Ownership.central)


class Sector(StrEnum):
    """Broad sector used for output-value accounts."""

    agriculture = "agriculture"
    industry = "industry"
    transport = "transport"


class TechKind(StrEnum):
    modern = "modern"
    indigenous = "indigenous"


class Scale(StrEnum):
    large = "large"
    medium = "medium"
    small = "small"


class Period(StrEnum):
    year = "year"
    quarter = "quarter"


class Region(_Item):
    id: str = Field(description="Unique id, lower-case ascii, e.g. 'qinxian'.")
    name: str = Field(description="Display name.")
    kind: RegionKind = Field(description="Level in the administrative tree.")
    parent: str | None = Field(None, description="Id of the parent region; none only for the root.")
    population: NonNeg = Field(0.0, description="Resident population in the base year [persons].")
    labour_force: NonNeg = Field(0.0, description="Working-age labour force in the base year [persons].")
    farmland: NonNeg = Field(0.0, description="Cultivated land [ha].")
    grain_yield_factor: Positive = Field(1.0, description="Land quality relative to the scenario's yield curve [-].")
    reserve: NonNeg | None = Field(
        None,
        description="Grain of the state reserve (`agriculture.reserve`) in this region's granaries at the end of "
        "the base year [t]; what no region states is spread over the other regions with people by population.",
    )
    source: str = Field("", description="Provenance of this row's numbers: 'seed NNN', 'cited: …' or 'estimate: …'.")


class Product(_Item):
    id: str = Field(description="Unique id, e.g. 'pig_iron'.")
    name: str = Field(description="Display name.")
    unit: str = Field(description="Physical unit of one unit of the product, e.g. 't', 'kWh', 't-km', 'piece'.")
    price: NonNeg = Field(description="Base-year price used for output value [yuan per unit].")
    sector: Sector = Field(description="Sector the product's output value counts in.")
    branch: str = Field("", description="Industrial branch for grouping, e.g. 'coal', 'metallurgy'.")
    consumption_per_head: NonNeg = Field(0.0, description="Household consumption [units per person per year].")
    import_limit: NonNeg = Field(
        0.0, description="Most that can be brought in from outside the scenario [units per year]."
    )
    import_price: NonNeg = Field(0.0, description="Cost of one imported unit [yuan per unit].")
    export_limit: NonNeg = Field(
        0.0, description="Most that can be delivered out of the scenario, e.g. central allocation [units per year]."
    )
    source: str = Field("", description="Provenance of this row's numbers.")


class Technology(_Item):
    id: str = Field(description="Unique id, e.g. 'iron_indigenous'.")
    name: str = Field(description="Display name.")
    product: str = Field(description="Id of the main output product.")
    kind: TechKind = Field(description="Modern ('foreign', 洋) or indigenous ('native', 土).")
    scale: Scale = Field(description="Plant scale.")
    inputs: dict[str, NonNeg] = Field(default_factory=dict, description="Inputs [units of input per unit of output].")
    byproducts: dict[str, NonNeg] = Field(default_factory=dict, description="By-products [units per unit of output].")
    labour: NonNeg = Field(description="Workers needed [person-years per unit of output].")
    technicians: NonNeg = Field(
        0.0, description="Technicians needed to run the plant [persons per unit of annual capacity]."
    )
    capital_cost: NonNeg = Field(description="Funds to build capacity [yuan per unit of annual capacity].")
    capital_goods: dict[str, NonNeg] = Field(
        default_factory=dict, description="Capital goods to build capacity [units per unit of annual capacity]."
    )
    build_time: NonNeg = Field(description="Time from start of building to first output [years].")
    lifetime: Positive = Field(description="Service life of new capacity [years].")
    usable_share: Share = Field(1.0, description="Share of output that is of usable quality [-].")
    plant_size: Positive = Field(description="Annual capacity of one typical new plant [units per year].")
    buildable: bool = Field(
        True,
        description="Whether the plan may build new capacity of it; false for a way of producing that grows only with"
        " what the scenario counts elsewhere (sidelines worked by the farm labour, say).",
    )
    source: str = Field("", description="Provenance of this row's numbers.")


class Enterprise(_Item):
    id: str = Field(description="Unique id.")
    name: str = Field(description="Display name.")
    region: str = Field(description="Id of the region it stands in.")
    ownership: Ownership = Field(description="Level that runs it.")
    technology: str = Field(description="Id of the technology it uses.")
    capacity: Positive = Field(description="Annual capacity in the base year [units of the product per year].")
    base_output: NonNeg = Field(description="Output in the base year [units of the product].")
    workforce: NonNeg = Field(0.0, description="Workers in the base year [persons].")
    technicians: NonNeg = Field(0.0, description="Technicians on staff in the base year [persons].")
    source: str = Field("", description="Provenance of this row's numbers.")

    @model_validator(mode="after")
    def _output_within_capacity(self) -> Enterprise:
        if self.base_output > self.capacity * (1 + 1e-9):
            raise ValueError(f"base_output {self.base_output:g} exceeds capacity {self.capacity:g}")
        return self


class Upgrade(_Item):
    """A way to rebuild plants of one technology as plants of another making the same product (an indigenous
    furnace rectified into a small modern one): the site, part of the workforce and some of the equipment are kept,
    so it costs less and takes less time than building anew."""

    id: str = Field(description="Unique id, e.g. 'iron_indigenous_to_small_modern'.")
    name: str = Field("", description="Display name.")
    from_technology: str = Field(description="Id of the technology of the plants rebuilt.")
    to_technology: str = Field(description="Id of the technology they become (same product).")
    cost: NonNeg = Field(
        description="Funds to rebuild one unit of annual capacity [yuan per unit of the new technology's annual "
        "capacity]; paid from the funds that may build the new technology."
    )
    time: NonNeg = Field(
        description="Time from closing the old plant to the rebuilt plant's first output [years] (the old "
        "capacity is out of service from the start of the period the rebuilding starts)."
    )
    capacity_ratio: Positive = Field(
        1.0, description="Annual capacity of the rebuilt plant per unit of old annual capacity rebuilt [-]."
    )
    workforce_kept: Share = Field(
        description="Share of the old plant's workers who stay on in the rebuilt one [-]; in the simulation the "
        "rebuilt capacity starts this share of the way from ramp_start to full output."
    )
    source: str = Field("", description="Provenance of this row's numbers.")


class SupportEffect(_Item):
    capacity_gain: NonNeg = Field(
        description="Rise in a member's effective capacity per technician on site [fraction per person]."
    )
    max_capacity_gain: NonNeg = Field(description="Largest rise technicians can bring to one member [fraction].")
    quality_gain: NonNeg = Field(
        0.0, description="Rise in usable-quality share per technician [share points per person]."
    )
    max_usable_share: Share = Field(
        1.0, description="Usable-quality share technicians can raise a member to at most [-]."
    )


class Responsibility(_Item):
    hub: str = Field(description="Id of the hub enterprise answerable for the members.")
    members: list[str] = Field(
        description="Ids of member enterprises or regions (a region means its enterprises in the network)."
    )


class NetworkTier(_Item):
    level: Annotated[int, Field(ge=1)] = Field(description="1 = commanders, 2 = medium plants, 3 = small plants.")
    enterprises: list[str] = Field(description="Ids of the enterprises in this tier.")


class Network(_Item):
    id: str = Field(description="Unique id.")
    name: str = Field(description="Display name.")
    products: list[str] = Field(description="Ids of the products the network covers.")
    commanders: list[str] = Field(description="Ids of the commander hub enterprises (state-owned).")
    tiers: list[NetworkTier] = Field(default_factory=list, description="Tiers below and including the commanders.")
    responsibilities: list[Responsibility] = Field(
        default_factory=list, description="Which hub answers for which members."
    )
    technicians: NonNeg = Field(0.0, description="Technicians the hubs can send to members [persons per year].")
    equipment: dict[str, NonNeg] = Field(
        default_factory=dict, description="Equipment and materials the hubs can supply to members [units per year]."
    )
    effect: SupportEffect = Field(description="What a technician on site does to a member.")
    source: str = Field("", description="Provenance of this network's numbers.")


class AgreementKind(StrEnum):
    product = "product"
    labour = "labour"
    technicians = "technicians"
    funds = "funds"


class Agreement(_Item):
    id: str = Field(description="Unique id.")
    kind: AgreementKind = Field(description="What is delivered.")
    from_region: str = Field(description="Id of the region that delivers.")
    to_region: str = Field(description="Id of the region that receives.")
    product: str | None = Field(None, description="Id of the product, when kind is 'product'.")
    quantity: Positive = Field(description="Amount to deliver between start and due [unit].")
    unit: str = Field(description="Unit of quantity: the product's unit, 'persons' or 'yuan'.")
    start: dt.date = Field(description="First day deliveries count.")
    due: dt.date = Field(description="Day the full quantity is due.")
    hard: bool = Field(False, description="A hard agreement must be met; a soft one may fall short at a penalty.")
    source: str = Field("", description="Provenance of this agreement's numbers.")

    @model_validator(mode="after")
    def _dates_in_order(self) -> Agreement:
        if self.due < self.start:
            raise ValueError(f"due {self.due} is before start {self.start}")
        return self


class Zone(_Item):
    id: str = Field(description="Unique id.")
    name: str = Field(description="Display name.")
    centre: str = Field(description="Id of the centre city region.")
    counties: list[str] = Field(description="Ids of the member counties.")
    technicians: NonNeg = Field(
        0.0, description="Technicians the centre city can send to member counties [persons per year]."
    )
    agreements: list[Agreement] = Field(default_factory=list, description="Two-way commitments within the zone.")
    source: str = Field("", description="Provenance of this zone's numbers.")


class FundKind(StrEnum):
    state_budget = "state_budget"
    cooperative_pooling = "cooperative_pooling"
    city_support = "city_support"
    retained_profit = "retained_profit"


class FundSource(_Item):
    id: str = Field(description="Unique id.")
    name: str = Field(description="Display name.")
    kind: FundKind = Field(description="Where the money comes from.")
    amount: Positive = Field(
        description="Total made available [yuan], usable from available_from on, unspent funds carry over."
    )
    available_from: int = Field(description="First year the funds can be spent [year].")
    provider: str | None = Field(None, description="Id of the providing region; none for the state budget.")
    recipients: list[str] = Field(
        description="Ids of regions whose enterprises may spend it (a region covers its subtree)."
    )
    ownership: list[Ownership] = Field(
        default_factory=list, description="Ownership levels that may build with it; empty = any."
    )
    technologies: list[str] = Field(default_factory=list, description="Technologies it may build; empty = any.")
    source: str = Field("", description="Provenance of this fund's numbers.")


class Metric(StrEnum):
    output_value = "output_value"
    output = "output"
    new_plants = "new_plants"


class TargetKind(StrEnum):
    absolute = "absolute"
    ratio_to_base = "ratio_to_base"
    ratio_to_metric = "ratio_to_metric"


class Scope(_Item):
    metric: Metric = Field(
        description="output_value [yuan at base-year prices], output [product unit] in the year, "
        "or new_plants [plants built since the base year, cumulative to the year]."
    )
    sector: Sector | None = Field(None, description="Only products of this sector; none = all.")
    ownership: list[Ownership] = Field(
        default_factory=list, description="Only enterprises of these levels; empty = all."
    )
    region: str | None = Field(None, description="Only this region's subtree; none = whole scenario.")
    product: str | None = Field(None, description="Only this product (required for metric 'output').")


class Target(_Item):
    id: str = Field(description="Unique id.")
    description: str = Field(description="What the planners said, in words.")
    scope: Scope = Field(description="What is measured.")
    kind: TargetKind = Field(
        description="How value is read: an amount, a multiple of the base year, or of another metric."
    )
    value: Positive = Field(description="The amount [metric unit] or the ratio [-].")
    reference: Scope | None = Field(None, description="The other metric, same year, for kind 'ratio_to_metric'.")
    year: int = Field(description="Year the target is due [year].")
    hard: bool = Field(False, description="Hard targets must be met; soft ones are cut when they cannot be.")
    priority: Annotated[int, Field(ge=1)] = Field(1, description="1 is met first among soft targets.")
    source: str = Field("", description="Provenance of the target.")

    @model_validator(mode="after")
    def _reference_matches_kind(self) -> Target:
        if self.kind is TargetKind.ratio_to_metric and self.reference is None:
            raise ValueError("kind 'ratio_to_metric' needs a 'reference' scope")
        if self.kind is not TargetKind.ratio_to_metric and self.reference is not None:
            raise ValueError(f"'reference' is only for kind 'ratio_to_metric', not {self.kind.value!r}")
        return self


class Link(_Item):
    id: str = Field(description="Unique id.")
    from_region: str = Field(description="One end (links carry goods both ways).")
    to_region: str = Field(description="The other end.")
    mode: str = Field(description="'rail', 'road' or 'cart'.")
    distance: Positive = Field(description="Length [km].")
    capacity: Positive = Field(description="Most tonnage the corridor carries, both ways together [t per year].")
    source: str = Field("", description="Provenance of this link's numbers.")


class Agriculture(_Item):
    grain_product: str = Field("grain", description="Id of the staple food product.")
    yield_curve: list[tuple[NonNeg, NonNeg]] = Field(
        description="Concave piecewise-linear grain yield: points (farm workers per ha, t per ha)."
    )
    base_farm_share: Share = Field(description="Share of the labour force working the fields in the base year [-].")
    reserve: NonNeg = Field(
        0.0, description="State grain reserve held at the end of the base year, available to the plan [t]."
    )
    storage_loss: Share = Field(
        0.02,
        description="Share of the grain held in reserve lost to rot, pests and handling per year [fraction per year].",
    )
    source: str = Field("", description="Provenance of the agriculture numbers.")

    @model_validator(mode="after")
    def _concave(self) -> Agriculture:
        pts = self.yield_curve
        if len(pts) < 2:
            raise ValueError("yield_curve needs at least two points")
        if pts[0][0] != 0:
            raise ValueError("yield_curve must start at 0 workers per ha")
        slopes = []
        for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
            if x1 <= x0:
                raise ValueError("yield_curve workers per ha must increase")
            slopes.append((y1 - y0) / (x1 - x0))
        if any(b > a + 1e-12 for a, b in zip(slopes, slopes[1:], strict=False)):
            raise ValueError("yield_curve must be concave (slopes must not increase)")
        return self


class Guardrails(_Item):
    """Limits no plan may cross. Each is on by default; a planner relaxes one (a share below 1, or 0 = off) to see
    what it costs in the targets."""

    food_per_head: NonNeg = Field(
        description="Floor on grain eaten per person in every region and period, in the plan and in every harvest "
        "outcome the plan must cover (see food_risk) [kg per person per year]."
    )
    min_farm_share: Share = Field(description="Least share of the labour force that must stay in the fields [-].")
    base_deliveries: Share = Field(
        1.0,
        description="Share of the base year's deliveries beyond the scenario's own uses (base usable output less "
        "the inputs of base production and household consumption: state allocation, other provinces, stocks) "
        "that every plan period must keep making [-]; 0 lets output fall to what the scenario itself uses.",
    )
    agriculture: NonNeg = Field(
        1.0,
        description="Grain of every farm region, and agriculture's usable output value scenario-wide, in every period "
        "at least this multiple of the base year's [-]; 0 = off.",
    )
    consumption_per_head: NonNeg = Field(
        1.0,
        description="Household consumption per head of every consumer good, grain eaten included, in every region "
        "and period at least this multiple of the base year's [-]; 0 = off (grain then only keeps the food floor).",
    )
    reference_floor: bool = Field(
        True,
        description="A ratio_to_metric target counts its reference metric at no less than the reference's own "
        "base-year value, so that it cannot be met by shrinking the reference.",
    )
    food_risk: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.95,
        description="Share of harvest outcomes (the simulation's harvest shocks and harvest-labour draw) in which "
        "the plan keeps every region at or above the food floor, with its margin above the floor and the state "
        "grain reserve [-]; 0 = plan on the mean harvest.",
    )
    new_capacity_use: Share = Field(
        0.1,
        description="Least use of new capacity over the periods it is in service: for the capacity a unit starts in "
        "a period, the unit's output over the plan periods that capacity stands at least this share of what it "
        "could make in them (so it is not left below that use in every one of them) [-]; 0 = off.",
    )
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Provenance of single guardrails by field name ('seed NNN', 'cited: …' or 'estimate: …'), where "
        "it differs from source.",
    )
    source: str = Field("", description="Provenance of the guardrails.")

    @model_validator(mode="after")
    def _sources_name_fields(self) -> Guardrails:
        unknown = sorted(set(self.sources) - (set(type(self).model_fields) - {"sources", "source"}))
        if unknown:
            raise ValueError(f"sources: {unknown[0]!r} is not a guardrail")
        return self


class SeasonalProfile(_Item):
    shares: tuple[Share, Share, Share, Share] = Field(
        description="Share of the year's amount falling in each quarter Q1-Q4, summing to 1 [-]."
    )
    source: str = Field("", description="Provenance of the shares.")

    @model_validator(mode="after")
    def _sums_to_one(self) -> SeasonalProfile:
        if abs(sum(self.shares) - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, not {sum(self.shares):g}")
        return self


class Seasons(_Item):
    """How a year's farming and eating fall over its quarters (used when ``period`` is 'quarter')."""

    farm_labour: SeasonalProfile = Field(
        description="Share of the year's farm work done in each quarter: in a quarter with share f the fields need "
        "4 f times the farm workers the year's yield curve counts [-]."
    )
    harvest: SeasonalProfile = Field(description="Share of the year's grain harvested in each quarter [-].")
    consumption: SeasonalProfile = Field(
        description="Share of the year's grain eaten by households in each quarter (the food floor and the "
        "consumption guardrail follow it) [-]."
    )


class PolicyKind(StrEnum):
    """What a policy does when the simulation carries it out (see ``Policy.value`` for its unit)."""

    output_target = "output_target"
    indigenous_labour = "indigenous_labour"
    target_ratchet = "target_ratchet"
    mess_halls = "mess_halls"
    procurement = "procurement"


class Policy(_Item):
    id: str = Field(description="Unique id.")
    kind: PolicyKind = Field(
        description="output_target: a product's planned output; indigenous_labour: farm labour moved to "
        "indigenous plants; target_ratchet: next period's targets raised when reports exceed them; "
        "mess_halls: communal dining raises rural grain eaten; procurement: the state takes a share of the "
        "reported harvest."
    )
    description: str = Field("", description="What was announced, in words.")
    start: str = Field(
        description="First period it applies: a year '1958' or a quarter '1958Q3' (a quarter in a yearly "
        "scenario applies to the remaining share of that year)."
    )
    end: str | None = Field(None, description="Last period it applies, same form as start; none = to the horizon.")
    value: NonNeg = Field(
        description="output_target: [product unit per year]; indigenous_labour: share of farm labour moved [-]; "
        "target_ratchet: rise of the next target [fraction]; mess_halls: grain eaten relative to the normal "
        "ration [-]; procurement: share of the reported harvest taken [-]."
    )
    product: str | None = Field(None, description="Id of the product, for output_target.")
    technologies: dict[str, Share] = Field(
        default_factory=dict,
        description="indigenous_labour: share of the moved labour per technology id [-]; shares sum to at most 1.",
    )
    products: list[str] = Field(
        default_factory=list, description="target_ratchet: ids of the products ratcheted; empty = all."
    )
    source: str = Field("", description="Provenance of the policy's numbers.")


class SimulationSettings(_Item):
    """Parameters of the frictions the simulation applies when a plan is carried out."""

    build_delay: NonNeg = Field(
        0.5, description="Mean extra time to finish new capacity, relative to the technology's build time [-]."
    )
    ramp_start: Share = Field(
        0.6, description="Output of newly finished capacity relative to full, before technicians learn it [-]."
    )
    learning_time: Positive = Field(
        1.0, description="Time on site in which technicians close 63 % of the remaining ramp-up gap [years]."
    )
    support_speedup: Share = Field(
        0.5, description="Factor on learning_time where the plan sends technicians to a member [-]."
    )
    indigenous_quality_loss: Share = Field(
        0.3, description="Mean fall of indigenous output's usable share below its nominal value [fraction]."
    )
    harvest_sd: NonNeg = Field(0.08, description="Standard deviation of the scenario-wide log harvest shock [-].")
    regional_harvest_sd: NonNeg = Field(0.05, description="Standard deviation of each region's log harvest shock [-].")
    transport_breakdown: Share = Field(0.1, description="Mean share of transport capacity lost to breakdowns [-].")
    harvest_draw: Share = Field(
        0.03, description="Mean share of farm workers drawn away from the fields at harvest [-]."
    )
    harvest_draw_campaign: NonNeg = Field(
        1.0, description="Extra harvest draw per share of farm labour moved to industry by policy [-]."
    )
    report_inflation: NonNeg = Field(
        0.8, description="Mean share of a unit's shortfall against its plan that its report covers up [-]."
    )
    ration: NonNeg = Field(
        0.0,
        description="Normal grain eaten [kg per person per year]; 0 = the grain product's consumption_per_head, "
        "or if that is 0 the base-year grain per head net of industry's use.",
    )
    capacity_growth: NonNeg = Field(
        0.0, description="Capacity and output growth when no plan or policy says otherwise [fraction per year]."
    )
    state_reserve: NonNeg = Field(
        0.25,
        description="Grain the state keeps before selling procured grain back to farm regions it believes short "
        "[years of the cities' ration].",
    )
    harvest_persistence: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.0,
        description="Year-to-year autocorrelation of the log harvest shocks, scenario-wide and regional (a "
        "stationary AR(1) process; the plan's grain reserve covers it) [-]; 0 = independent years.",
    )
    harvest_season: tuple[Share, Share, Share, Share] = Field(
        (0.25, 0.25, 0.25, 0.25),
        description="Share of the year's grain harvested in each quarter Q1-Q4, summing to 1 [-]; under policies "
        "each season's harvest sees the farm labour away in its quarter.",
    )
    seed_rate: NonNeg = Field(
        0.0,
        description="Seed grain sown per ha, kept from the harvest before for the next sowing [t per ha]; 0 = seed "
        "not followed. It is part of the base year's grain per head, so the food ration is that less the seed.",
    )
    rural_stock: NonNeg = Field(
        0.0, description="Grain farm households hold at the start, beyond the seed [years of their food ration]."
    )
    sown_area_response: NonNeg = Field(
        0.0,
        description="Share of a believed yield gain (the reported harvest per ha over the base year's, less 1) "
        "that planners take back as grain land turned to other uses the next year [-].",
    )
    sown_area_max_cut: Share = Field(
        0.0, description="Largest share of the grain land planners take out of grain in one year [-]."
    )
    hunger_work: NonNeg = Field(
        0.0,
        description="Share of work lost in the next period per share of grain eaten below the food floor (farm "
        "work and the region's plants) [-].",
    )
    retrench_shortage: Share = Field(
        0.1,
        description="Shortfall (share of what was needed) of a unit's inputs, or of the state's grain for the "
        "people it feeds, above which planners cut plans to what was there and send workers back [-].",
    )
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Provenance of single parameters by field name ('seed NNN', 'cited: …' or 'estimate: …'), "
        "where it differs from source.",
    )
    source: str = Field("", description="Provenance of these parameters.")

    @model_validator(mode="after")
    def _season_and_sources(self) -> SimulationSettings:
        if abs(sum(self.harvest_season) - 1.0) > 1e-6:
            raise ValueError(f"harvest_season must sum to 1, not {sum(self.harvest_season):g}")
        unknown = sorted(set(self.sources) - (set(type(self).model_fields) - {"sources", "source"}))
        if unknown:
            raise ValueError(f"sources: {unknown[0]!r} is not a simulation parameter")
        return self


class Scenario(_Item):
    name: str = Field(description="Scenario id, e.g. 'shanxi-1958'.")
    title: str = Field("", description="One-line description.")
    base_year: int = Field(description="Year whose figures the scenario describes [year].")
    horizon: Annotated[int, Field(ge=1, le=50)] = Field(description="Planning years after the base year [years].")
    period: Period = Field(Period.year, description="Planning period length.")
    seed: int = Field(0, description="Seed for every random draw.")
    currency: str = Field("yuan", description="Unit of money in prices, funds and output value.")
    regions: list[Region] = Field(description="The region tree.")
    products: list[Product] = Field(description="Products with units and prices.")
    technologies: list[Technology] = Field(description="Ways of producing each product.")
    enterprises: list[Enterprise] = Field(default_factory=list, description="Existing plants in the base year.")
    upgrades: list[Upgrade] = Field(
        default_factory=list, description="Ways to rebuild existing plants of one technology as another."
    )
    networks: list[Network] = Field(default_factory=list, description="Industrial networks with commander hubs.")
    zones: list[Zone] = Field(default_factory=list, description="Urban-rural collaboration zones.")
    funds: list[FundSource] = Field(default_factory=list, description="Money available to build capacity.")
    links: list[Link] = Field(default_factory=list, description="Transport corridors between regions.")
    targets: list[Target] = Field(default_factory=list, description="What the planners want.")
    agriculture: Agriculture = Field(description="Grain production from land and labour.")
    guardrails: Guardrails = Field(description="Limits no plan may cross.")
    policies: list[Policy] = Field(
        default_factory=list, description="Policies the simulation carries out when no plan is given."
    )
    simulation: SimulationSettings = Field(
        default_factory=SimulationSettings, description="Parameters of the simulation's frictions."
    )
    seasons: Seasons | None = Field(
        None,
        description="Seasonal profiles of a quarterly scenario (farm work, harvest, eating); none = every quarter "
        "alike (see ``leapplan scenario export --period quarter``).",
    )
    notes: str = Field("", description="Free text about the scenario and its sources.")

    @property
    def years(self) -> list[int]:
        """Plan years, base year excluded [year]."""
        return list(range(self.base_year + 1, self.base_year + self.horizon + 1))

    @property
    def periods(self) -> list[str]:
        """Plan period labels: '1958' or '1958Q1' … in time order."""
        if self.period is Period.year:
            return [str(y) for y in self.years]
        return [f"{y}Q{q}" for y in self.years for q in range(1, 5)]
