"""The mechanisms of policy mode, one small function each, on numpy arrays over runs (and cells or regions).

``simulate.dynamics`` strings them together period by period; ``docs/replay.md`` says what each does to the replay
and where its parameters come from. Units: capacity in units per year, output and grain in units (t) per period,
labour in persons, shares in [0, 1].
"""

from __future__ import annotations

import numpy as np

# --- investment that lasts, and wears ---------------------------------------------------------------------------


def arrival_lag(build_time: np.ndarray, dt: float, delay: np.ndarray | None, build_delay: float) -> np.ndarray:
    """Periods from the decision to build until the capacity is in service [periods]: none for a plant built within
    the season (build time at most half a period), else the build time rounded up to whole periods, plus the build
    delay ``floor(E × build_delay × build_time / dt)`` for a standard exponential draw E (``delay``, None = none)."""
    build_time = np.asarray(build_time, dtype=float)
    base = np.where(build_time <= dt / 2, 0.0, np.ceil(build_time / dt - 1e-9))
    if delay is None:
        return base.astype(np.int64) + np.zeros(np.shape(build_time), dtype=np.int64)
    return (base + late_by(delay, build_delay, build_time, dt)).astype(np.int64)


def late_by(delay: np.ndarray, build_delay: float, build_time: np.ndarray, dt: float) -> np.ndarray:
    """Whole periods building of ``build_time`` [years] comes late: ``floor(E × build_delay × build_time / dt)``
    for standard exponential draws E (``delay``) [periods]."""
    return np.floor(np.asarray(delay) * (build_delay * np.asarray(build_time, dtype=float) / dt) + 1e-9)


def survival(age: np.ndarray | float, dt: float, lifetime: np.ndarray) -> np.ndarray:
    """Share of capacity still in service ``age`` periods after it came into service, wearing out exponentially over
    its ``lifetime`` [years] when not rebuilt: exp(−age × dt / lifetime) [-]."""
    return np.exp(-np.asarray(age, dtype=float) * dt / np.asarray(lifetime, dtype=float))


def ramp(
    age: np.ndarray | float, dt: float, ramp_start: np.ndarray | float, learning_time: np.ndarray | float
) -> np.ndarray:
    """Output of capacity ``age`` periods in service relative to full, as technicians learn it [-]:
    1 − (1 − ramp_start) × exp(−age × dt / learning_time)."""
    return 1 - (1 - ramp_start) * np.exp(-np.asarray(age, dtype=float) * dt / learning_time)


def pay(costs: np.ndarray, funds: np.ndarray) -> np.ndarray:
    """Share of each cost the funds pay [-]: all when they suffice, else every cost the same share.
    ``costs`` (n, k) [yuan], ``funds`` (n,) [yuan]."""
    total = costs.sum(axis=1)
    share = np.divide(funds, total, out=np.ones_like(total), where=total > funds)
    return np.broadcast_to(np.clip(share, 0.0, 1.0)[:, None], costs.shape)


# --- plans --------------------------------------------------------------------------------------------------------


def ratchet_factor(reported: np.ndarray, planned: np.ndarray, rise: np.ndarray) -> np.ndarray:
    """Factor on next period's plan from this period's reports [-]: the reported over-fulfilment, raised by the
    policy's ``rise`` on top wherever reports beat the plan; 1 elsewhere."""
    over = np.divide(reported, planned, out=np.ones_like(reported), where=planned > 0)
    return np.maximum(1.0, over) * np.where(over > 1 + 1e-12, 1 + rise, 1.0)


def allocate(
    required: np.ndarray,
    potential: np.ndarray,
    modern: np.ndarray,
    product_of: np.ndarray,
    n_products: int,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """(n, C) each cell's share of its product's ``required`` output (n, P) [units per period]: modern plants first,
    up to their ``potential`` (n, C) [units per period]; the rest to indigenous plants in proportion to ``weight``
    (default their potential; beyond it if need be: that is the pressure reports answer, or what mass labour must
    build). A product without indigenous weight puts the rest on its modern plants, in proportion to potential."""
    w = potential if weight is None else weight
    n = required.shape[0]
    mod = np.zeros((n, n_products))
    ind = np.zeros((n, n_products))
    np.add.at(mod.T, product_of, (potential * modern).T)
    np.add.at(ind.T, product_of, (w * ~modern).T)
    first = np.minimum(required, mod)
    rest = required - first
    to_ind = ind > 0
    share_mod = np.divide(first + np.where(to_ind, 0.0, rest), mod, out=np.zeros_like(mod), where=mod > 0)
    share_ind = np.divide(rest, ind, out=np.zeros_like(ind), where=to_ind)
    return np.where(modern, potential * share_mod[:, product_of], w * share_ind[:, product_of])


def mobilise(wanted: np.ndarray, held: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Share of the workers ``wanted`` (n, G) a region's fields can still give, when it already gives ``held``
    (n, G) and may give at most ``room`` (n, G) in all [-]."""
    free = np.clip(room - held, 0.0, None)
    return np.divide(free, wanted, out=np.ones_like(wanted), where=wanted > free)


# --- grain --------------------------------------------------------------------------------------------------------


def procure(share: float, reported: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Grain the state takes [t]: ``share`` of the *reported* harvest, as far as what the village holds (its stocks,
    the seed it kept and the harvest, ``held``) goes."""
    return np.minimum(share * np.asarray(reported), np.asarray(held))


def keep_seed_and_eat(have: np.ndarray, need: np.ndarray, seed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(eaten, kept) [t]: villagers with ``have`` (after procurement) keep next sowing's ``seed`` first, as far as it
    goes, and eat the rest up to ``need``; whatever procurement took is missing from the seed."""
    kept = np.minimum(seed, have)
    return np.minimum(need, have - kept), kept


def sown_share(kept: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """Share of the planned grain area that can be sown with the seed ``kept`` of the ``seed`` it needs [-]."""
    return np.divide(kept, seed, out=np.ones_like(np.asarray(kept, dtype=float)), where=seed > kept)


def area_after_reports(
    reported: np.ndarray, area: np.ndarray, base_yield: np.ndarray, response: float, max_cut: float
) -> np.ndarray:
    """Share of the grain land planners keep in grain next year [-], when they believe the ``reported`` harvest
    [t per year] from ``area`` [ha]: they take back ``response`` × the believed yield gain (reported per ha over the
    base year's ``base_yield`` [t per ha], less 1) as land for other crops, at most ``max_cut``."""
    believed = np.divide(reported, area * base_yield, out=np.ones_like(reported), where=area * base_yield > 0)
    return 1 - np.clip(response * (believed - 1), 0.0, max_cut)


def hunger_factor(eaten: np.ndarray, floor: np.ndarray, work_lost: float) -> np.ndarray:
    """Work people can do in the next period relative to normal [-]: exp(−``work_lost`` × s), s the share by which
    they ate below the food ``floor`` (0 at or above it). Near the floor each 1 % short costs ``work_lost`` % of
    work; deeper down each further 1 % costs that share of the work still done, so work never quite stops."""
    short = np.clip(1 - np.divide(eaten, floor, out=np.ones_like(eaten), where=floor > 0), 0.0, 1.0)
    return np.exp(-work_lost * short)


# --- collapse: retrenchment and write-off -----------------------------------------------------------------------


def input_shortfall(actual: np.ndarray, potential: np.ndarray) -> np.ndarray:
    """Share of its potential output a unit lost for want of inputs [-]."""
    return np.clip(1 - np.divide(actual, potential, out=np.ones_like(actual), where=potential > 0), 0.0, 1.0)


def sent_back_for_food(got: np.ndarray, need: np.ndarray, threshold: float) -> np.ndarray:
    """Share of the new workers planners send back to the fields [-] when the people they feed got ``got`` of
    ``need`` [t]: none while the shortfall is within ``threshold``, all once it is twice that, in proportion
    between."""
    short = np.clip(1 - np.divide(got, need, out=np.ones_like(got), where=need > 0), 0.0, 1.0)
    if threshold <= 0:
        return (short > 0).astype(float)
    return np.clip((short - threshold) / threshold, 0.0, 1.0)


def write_off_threshold(inputs_value: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Usable share below which a unit's usable output is worth less than its material inputs, at base-year prices
    [-]: inputs' value per unit over the product's price."""
    return np.divide(inputs_value, price, out=np.zeros_like(np.asarray(inputs_value, dtype=float)), where=price > 0)


def written_off(nominal: np.ndarray, loss: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Share of a cell's plants written off [-]: those whose usable share falls below ``threshold``, when the cell's
    plants lose a share of their ``nominal`` usable share spread evenly between 0 and 2 × its mean ``loss``
    (the indigenous_quality friction's draw): P(nominal × (1 − L) < threshold), L ~ U(0, 2·loss)."""
    nominal = np.asarray(nominal, dtype=float)
    need = 1 - np.divide(threshold, nominal, out=np.zeros_like(nominal), where=nominal > 0)  # losses above this fail
    spread = 2 * np.asarray(loss, dtype=float)
    share = np.divide(spread - need, spread, out=np.zeros(np.broadcast(spread, need).shape), where=spread > 0)
    share = np.where(spread > 0, np.clip(share, 0.0, 1.0), 0.0)
    return np.where((nominal < threshold) & (threshold > 0), 1.0, share * (threshold > 0))
