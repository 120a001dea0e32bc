"""Synthetic scenarios of any size, valid and productive by construction (for benchmarks and scale tests).

Every number here is synthetic: drawn from the seed's generator within ranges that mimic the
shanxi-1958 scenario (so plans and simulations on them behave like the real one, only bigger).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from leapplan.scenario.io import parse
from leapplan.scenario.model import LOCAL_OWNERSHIP, Scenario

SOURCE = "estimate: synthetic (leapplan scenario synth)"
COUNTIES_PER_PREFECTURE = 30


MAX_INPUT_T = 1.5
"""Most tonnes of one input per tonne of output in a synthetic technology [t/t]."""
MAX_USE = 0.6
"""Most of a good's base-year output that the base year's own production may use as input [-]."""


def synthesize(counties: int = 100, products: int = 20, years: int = 5, seed: int = 0) -> Scenario:
    """A valid scenario with ``counties`` counties, ``products`` products (≥ 3) and ``years`` plan years."""
    return parse(synthesize_raw(counties, products, years, seed), f"synthetic {counties}x{products}x{years}")


def synthesize_raw(counties: int, products: int, years: int, seed: int) -> dict[str, Any]:
    """The synthetic scenario as plain data (what ``synthesize`` validates)."""
    if counties < 1 or products < 3 or years < 1:
        raise ValueError("need at least 1 county, 3 products and 1 year")
    rng = np.random.default_rng(seed)
    base_year = 1957
    n_pref = max(1, -(-counties // COUNTIES_PER_PREFECTURE))
    prefs = [f"p{k:03d}" for k in range(n_pref)]
    cities = [f"c{k:03d}" for k in range(n_pref)]
    county_ids = [f"k{k:04d}" for k in range(counties)]
    pref_of = [prefs[k // COUNTIES_PER_PREFECTURE] for k in range(counties)]

    regions: list[dict[str, Any]] = [dict(id="nation", name="Synthetic province", kind="province", source=SOURCE)]
    regions += [dict(id=p, name=f"Prefecture {p}", kind="prefecture", parent="nation", source=SOURCE) for p in prefs]
    city_pop = rng.uniform(1e5, 8e5, n_pref).round()
    regions += [
        dict(
            id=c, name=f"City {c}", kind="city", parent=p, population=pop, labour_force=round(pop * 0.45), source=SOURCE
        )
        for c, p, pop in zip(cities, prefs, city_pop, strict=True)
    ]
    pop = rng.uniform(8e4, 2.5e5, counties).round()
    land_per_head = rng.uniform(0.2, 0.45, counties)
    factor = rng.uniform(0.8, 1.15, counties).round(3)
    regions += [
        dict(
            id=k,
            name=f"County {k}",
            kind="county",
            parent=p,
            population=float(n),
            labour_force=round(n * 0.45),
            farmland=round(n * lh),
            grain_yield_factor=float(f),
            source=SOURCE,
        )
        for k, p, n, lh, f in zip(county_ids, pref_of, pop, land_per_head, factor, strict=True)
    ]

    prod_ids = ["grain", "transport"] + [f"g{k:03d}" for k in range(products - 2)]
    industrial = prod_ids[2:]
    price = {"grain": 200.0, "transport": 0.015} | {
        p: float(v) for p, v in zip(industrial, rng.uniform(10, 800, len(industrial)).round(1), strict=True)
    }
    consumption = {p: float(v) for p, v in zip(industrial, rng.uniform(0, 0.05, len(industrial)).round(4), strict=True)}
    prods = [
        dict(
            id="grain",
            name="Grain",
            unit="t",
            price=200,
            sector="agriculture",
            import_limit=1e5,
            import_price=260,
            source=SOURCE,
        ),
        dict(id="transport", name="Transport", unit="t-km", price=0.015, sector="transport", source=SOURCE),
    ]
    prods += [
        dict(
            id=p,
            name=f"Good {p}",
            unit="t",
            price=price[p],
            sector="industry",
            branch=f"b{i % 6}",
            consumption_per_head=consumption[p],
            source=SOURCE,
        )
        for i, p in enumerate(industrial)
    ]

    techs: list[dict[str, Any]] = []
    for p in industrial + ["transport"]:
        others = [q for q in industrial if q != p]
        n_in = int(rng.integers(1, min(4, len(others)) + 1)) if others else 0
        chosen: Any = rng.choice(others, size=n_in, replace=False) if n_in else []
        # value share of inputs below 0.6 keeps the input-output system productive (column sums in value < 1)
        shares: Any = rng.dirichlet(np.ones(n_in)) * rng.uniform(0.2, 0.6) if n_in else []
        # tonnes of input per tonne from the value share, at most MAX_INPUT_T (a cheap input to a dear product
        # otherwise came to tens of tonnes per tonne, more than any link could carry)
        inputs = {
            q: round(min(float(sh * price[p] / price[q]), MAX_INPUT_T), 6) for q, sh in zip(chosen, shares, strict=True)
        }
        inputs = {q: v for q, v in inputs.items() if v > 0}
        if p != "transport":
            inputs["transport"] = round(float(rng.uniform(5, 50)), 2)
        for kind, scale, labour, cost, build, usable, size in (
            ("modern", "large", 0.005, 300.0, 2, 0.97, 100_000),
            ("indigenous", "small", 0.05, 30.0, 0.25, 0.6, 1_000),
        ):
            techs.append(
                dict(
                    id=f"{p}_{kind}",
                    name=f"{p} {kind}",
                    product=p,
                    kind=kind,
                    scale=scale,
                    inputs=dict(inputs),
                    labour=labour * (1e-4 if p == "transport" else 1),
                    technicians=0.0001 if kind == "modern" else 0.0,
                    capital_cost=cost * (1e-4 if p == "transport" else 1),
                    capital_goods={industrial[0]: 0.02} if p != industrial[0] else {},
                    build_time=build,
                    lifetime=30 if kind == "modern" else 5,
                    usable_share=usable,
                    plant_size=size * (1e3 if p == "transport" else 1),
                    source=SOURCE,
                )
            )

    enterprises: list[dict[str, Any]] = []
    per_county = min(8, len(industrial))
    for k, n in zip(county_ids, pop, strict=True):
        for p in rng.choice(industrial, size=per_county, replace=False):
            cap = round(float(n * rng.uniform(0.005, 0.05)))
            enterprises.append(
                dict(
                    id=f"{k}_{p}",
                    name=f"{k} {p} plant",
                    region=k,
                    ownership="county",
                    technology=f"{p}_indigenous",
                    capacity=cap,
                    base_output=round(cap * 0.8),
                    workforce=round(cap * 0.05),
                    technicians=0,
                    source=SOURCE,
                )
            )
        enterprises.append(
            dict(
                id=f"{k}_carts",
                name=f"{k} carts",
                region=k,
                ownership="township",
                technology="transport_indigenous",
                capacity=round(float(n * 30)),
                base_output=round(float(n * 25)),
                workforce=round(float(n * 0.001)),
                source=SOURCE,
            )
        )
    for c, n in zip(cities, city_pop, strict=True):
        for p in industrial:
            cap = round(float(n * rng.uniform(0.05, 0.5)))
            enterprises.append(
                dict(
                    id=f"{c}_{p}",
                    name=f"{c} {p} works",
                    region=c,
                    ownership="central",
                    technology=f"{p}_modern",
                    capacity=cap,
                    base_output=round(cap * 0.85),
                    workforce=round(cap * 0.005),
                    technicians=round(cap * 0.0001),
                    source=SOURCE,
                )
            )

    effect = dict(capacity_gain=0.04, max_capacity_gain=0.5, quality_gain=0.03, max_usable_share=0.85)
    networks = []
    for g in range(min(5, len(industrial))):
        covered = industrial[g::5]
        commanders = [f"{c}_{covered[0]}" for c in cities[: max(1, n_pref // 10)]]
        responsibilities = [dict(hub=commanders[i % len(commanders)], members=[p]) for i, p in enumerate(prefs)]
        networks.append(
            dict(
                id=f"net{g}",
                name=f"Network {g}",
                products=covered,
                commanders=commanders,
                tiers=[dict(level=1, enterprises=commanders)],
                responsibilities=responsibilities,
                technicians=float(20 * n_pref),
                effect=effect,
                source=SOURCE,
            )
        )

    start, due = f"{base_year + 1}-03-01", f"{base_year + 1}-12-31"
    zones = []
    for z, (c, p) in enumerate(zip(cities, prefs, strict=True)):
        members = [k for k, pp in zip(county_ids, pref_of, strict=True) if pp == p]
        agreements = [
            dict(
                id=f"{k}_labour",
                kind="labour",
                from_region=k,
                to_region=c,
                quantity=500,
                unit="persons",
                start=start,
                due=due,
                source=SOURCE,
            )
            for k in members[:3]
        ]
        zones.append(
            dict(
                id=f"z{z:03d}",
                name=f"Zone {c}",
                centre=c,
                counties=members,
                technicians=30,
                agreements=agreements,
                source=SOURCE,
            )
        )

    city_of = dict(zip(prefs, cities, strict=True))
    links = [
        dict(
            id=f"{k}_{city_of[p]}",
            from_region=k,
            to_region=city_of[p],
            mode="road",
            distance=float(d),
            capacity=150_000,
            source=SOURCE,
        )
        for k, p, d in zip(county_ids, pref_of, rng.uniform(20, 150, counties).round(), strict=True)
    ]
    links += [
        dict(id=f"{a}_{b}", from_region=a, to_region=b, mode="rail", distance=float(d), capacity=5e6, source=SOURCE)
        for a, b, d in zip(cities, cities[1:], rng.uniform(50, 400, n_pref).round(), strict=False)
    ]

    local = [o.value for o in LOCAL_OWNERSHIP]
    plan_years = list(range(base_year + 1, base_year + years + 1))
    targets = [
        dict(
            id="local_first",
            description="Local industry +50 % in the first year",
            scope=dict(metric="output_value", sector="industry", ownership=local),
            kind="ratio_to_base",
            value=1.5,
            year=plan_years[0],
            priority=1,
            source=SOURCE,
        ),
        dict(
            id="local_last",
            description="Local industry catches up with agriculture",
            scope=dict(metric="output_value", sector="industry", ownership=local),
            kind="ratio_to_metric",
            value=1.0,
            reference=dict(metric="output_value", sector="agriculture"),
            year=plan_years[-1],
            priority=2,
            source=SOURCE,
        ),
    ]
    funds = [
        dict(
            id=f"budget_{y}",
            name=f"Budget {y}",
            kind="state_budget",
            amount=float(2e5 * counties),
            available_from=y,
            recipients=["nation"],
            source=SOURCE,
        )
        for y in plan_years
    ]
    by_id = {t["id"]: t for t in techs}
    # the base year must balance in tonnes: where base production would use more of a good than MAX_USE of what
    # is made of it, that good's input coefficients are scaled down (random value shares over random prices did
    # not see to this: one good was used 4.5 times over)
    made = dict.fromkeys(industrial, 0.0)
    used = dict.fromkeys(industrial, 0.0)
    for e in enterprises:
        tech = by_id[e["technology"]]
        if tech["product"] in made:
            made[tech["product"]] += e["base_output"] * tech["usable_share"]
        for q, c in tech["inputs"].items():
            if q in used:
                used[q] += e["base_output"] * c
    for tech in techs:
        for q in list(tech["inputs"]):
            if q in used and used[q] > MAX_USE * made[q]:
                tech["inputs"][q] = round(tech["inputs"][q] * MAX_USE * made[q] / used[q], 6)
    # each city runs a railway; together they can carry twice the freight that base production needs as input
    # (county carts alone could not move the base year)
    freight = sum(e["base_output"] * by_id[e["technology"]]["inputs"].get("transport", 0.0) for e in enterprises)
    for c in cities:
        cap = round(2 * freight / len(cities))
        enterprises.append(
            dict(
                id=f"{c}_rail",
                name=f"{c} railway",
                region=c,
                ownership="central",
                technology="transport_modern",
                capacity=cap,
                base_output=round(cap / 2),
                workforce=round(cap * 5e-7),
                technicians=0,
                source=SOURCE,
            )
        )
    # households consume up to half of what the base year made beyond the inputs of its own production (the first
    # draw alone, up to 0.05 t of each good per head, asked for more than the plants made)
    net = {q: made[q] - min(used[q], MAX_USE * made[q]) for q in industrial}  # the inputs as scaled above
    people = float(pop.sum() + city_pop.sum())
    for prod in prods:
        if prod["id"] in net:
            share = 0.5 * consumption[prod["id"]] / 0.05
            prod["consumption_per_head"] = round(max(net[prod["id"]], 0.0) * share / people, 6)
    return dict(
        name=f"synthetic-{counties}x{products}x{years}-s{seed}",
        title="Synthetic scenario",
        base_year=base_year,
        horizon=years,
        period="year",
        seed=seed,
        regions=regions,
        products=prods,
        technologies=techs,
        enterprises=enterprises,
        networks=networks,
        zones=zones,
        funds=funds,
        links=links,
        targets=targets,
        agriculture=dict(
            grain_product="grain",
            yield_curve=[[0, 0], [0.5, 0.45], [1.0, 0.68], [1.5, 0.8], [2.5, 0.88], [4.0, 0.9]],
            base_farm_share=0.85,
            source=SOURCE,
        ),
        guardrails=dict(food_per_head=165, min_farm_share=0.6, source=SOURCE),
    )
