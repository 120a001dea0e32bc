"""Monte Carlo ensembles: many runs in fixed-size batches, in process or on dask.distributed, and their
quantile bands. Batches have a size fixed by the model, run i always draws from child i of the seed, so the
bands for a seed do not depend on the number of workers."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from leapplan.dask_client import dask_client
from leapplan.errors import SimulationError
from leapplan.scenario.model import Scenario
from leapplan.simulate.engine import batch_size, draw, simulate_batch
from leapplan.simulate.frictions import Frictions
from leapplan.simulate.model import Model, compile_model
from leapplan.simulate.once import run_seeds

logger = logging.getLogger(__name__)

QUANTILES = (0.05, 0.5, 0.95)
PRODUCT_SERIES = ("planned", "reported", "actual", "usable", "stocks", "fulfilment")
PERIOD_SERIES = (
    "food_per_head",
    "food_per_head_lowest",
    "grain",
    "grain_reported",
    "procured",
    "resold",
    "output_value_planned",
    "output_value_actual",
    "output_value_reported",
    "output_value_usable",
    "farm_labour",
    "nonfarm_labour",
)
UNITS = {
    "food_per_head": "kg per person per year (scenario average)",
    "food_per_head_lowest": "kg per person per year (lowest food region)",
    "grain": "t per period",
    "grain_reported": "t per period",
    "procured": "t per period",
    "resold": "t per period (state grain sold back to farm regions)",
    "output_value_planned": "yuan at base-year prices",
    "output_value_actual": "yuan at base-year prices",
    "output_value_reported": "yuan at base-year prices",
    "output_value_usable": "yuan at base-year prices",
    "farm_labour": "persons (farm workers, average over the period)",
    "nonfarm_labour": "persons (the food regions' labour force less the farm workers)",
    "fulfilment": "actual / planned",
    "stocks": "product units (closing)",
}


@dataclass(frozen=True)
class EnsembleResult:
    """Quantile bands of an ensemble. ``bands`` dims: (quantile, period, product) for planned, reported,
    actual, usable (scenario totals, product units per period), stocks and fulfilment; (quantile, period)
    for food per head [kg/person/yr], grain [t], output values [yuan at base-year prices]."""

    scenario: str
    runs: int
    seed: int
    mode: str
    frictions: list[str]
    bands: xr.Dataset
    seconds: float
    workers: int
    share_below_floor: np.ndarray = field(repr=False)
    """(T,) share of runs whose lowest-region food per head is below the floor [-]."""
    floor: float = 0.0
    share_below_floor_any_year: float = 0.0
    """Share of runs with a region below the floor in at least one period [-]."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data: every band by variable, quantile, period (and product)."""
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "mode": self.mode,
            "frictions": self.frictions,
            "quantiles": list(QUANTILES),
            "periods": [str(p) for p in self.bands["period"].values],
            "seconds": self.seconds,
            "workers": self.workers,
            "food_floor": self.floor,
            "share_below_floor": {
                str(p): float(v) for p, v in zip(self.bands["period"].values, self.share_below_floor, strict=True)
            },
            "share_below_floor_any_year": float(self.share_below_floor_any_year),
            "units": UNITS,
            "bands": {},
        }
        for name, var in self.bands.data_vars.items():
            entry: dict[str, Any] = {}
            for q in QUANTILES:
                sel = var.sel(quantile=q)
                if "product" in sel.dims:
                    entry[f"{q:g}"] = {
                        str(p): {str(t): _num(sel.sel(period=t, product=p)) for t in sel["period"].values}
                        for p in sel["product"].values
                    }
                else:
                    entry[f"{q:g}"] = {str(t): _num(sel.sel(period=t)) for t in sel["period"].values}
            out["bands"][str(name)] = entry
        return out


def _num(v: xr.DataArray) -> float | None:
    f = float(v)
    return f if math.isfinite(f) else None


def run_chunk(m: Model, frictions: Frictions, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Runs start … stop−1 of seed ``seed``: per run, period (and product) the series the bands summarise."""
    b = simulate_batch(m, frictions, draw(m, run_seeds(seed, start, stop)))
    pop = m.population.sum()
    eaten = b.eaten
    people = b.people if b.people is not None else np.broadcast_to(m.population, eaten.shape)
    per_head = np.divide(eaten, people * m.dt, out=np.full_like(eaten, np.inf), where=people > 0)
    farm = (b.farm if b.farm is not None else np.broadcast_to(m.farm, eaten.shape)).sum(axis=2)
    return {
        "planned": b.planned,
        "reported": b.reported,
        "actual": b.actual,
        "usable": b.usable,
        "stocks": b.stocks,
        "food_per_head": eaten.sum(axis=2) / (pop * m.dt) * 1000 if pop > 0 else np.zeros(eaten.shape[:2]),
        "food_per_head_lowest": per_head.min(axis=2) * 1000,
        "grain": b.grain.sum(axis=2),
        "grain_reported": b.grain_reported.sum(axis=2),
        "procured": b.procured.sum(axis=2),
        "resold": b.resold.sum(axis=2),
        "output_value_planned": b.planned @ m.prices,
        "output_value_actual": b.actual @ m.prices,
        "output_value_reported": b.reported @ m.prices,
        "output_value_usable": b.usable @ m.prices,
        "farm_labour": farm,
        "nonfarm_labour": m.labour_force - farm,
    }


def run_ensemble(
    scenario: Scenario,
    plan: Any | None,
    runs: int,
    *,
    seed: int | None = None,
    frictions: Frictions | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
    batch: int = 250,
) -> EnsembleResult:
    """Run ``runs`` Monte Carlo runs of ``plan`` (None: the scenario's policies) and return 5/50/95 % bands.

    workers=1 and no scheduler runs in this process; workers>1 starts a dask LocalCluster (processes, one
    thread each); ``scheduler`` ('tcp://host:port') uses an existing dask cluster.
    """
    if runs < 1:
        raise SimulationError(f"runs must be at least 1, not {runs}")
    if workers < 1:
        raise SimulationError(f"workers must be at least 1, not {workers}")
    seed = scenario.seed if seed is None else seed
    fr = frictions if frictions is not None else Frictions()
    began = time.perf_counter()
    m = compile_model(scenario, plan)
    size = batch_size(m, batch)
    chunks = [(a, min(a + size, runs)) for a in range(0, runs, size)]
    results: list[dict[str, np.ndarray] | None] = [None] * len(chunks)
    with progress_bar(progress, runs, f"simulating {runs:,} runs of {scenario.name}") as advance:
        if scheduler is None and workers == 1:
            for k, (a, b) in enumerate(chunks):
                results[k] = run_chunk(m, fr, seed, a, b)
                advance(b - a)
            used = 1
        else:
            used = _on_dask(m, fr, seed, chunks, results, workers, scheduler, advance)
    parts = [r for r in results if r is not None]
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    bands = _bands(m, data)
    lowest = data["food_per_head_lowest"]
    short = lowest < scenario.guardrails.food_per_head * (1 - 1e-9)
    below = short.mean(axis=0)
    seconds = time.perf_counter() - began
    logger.info("%d runs in %.2f s on %d workers", runs, seconds, used)
    return EnsembleResult(
        scenario.name,
        runs,
        seed,
        m.mode,
        fr.active(),
        bands,
        seconds,
        used,
        below,
        scenario.guardrails.food_per_head,
        float(short.any(axis=1).mean()),
    )


def _bands(m: Model, data: dict[str, np.ndarray]) -> xr.Dataset:
    q = np.array(QUANTILES)
    with np.errstate(divide="ignore", invalid="ignore"):
        fulfil = np.where(data["planned"] > 0, data["actual"] / data["planned"], np.nan)
    series = {**data, "fulfilment": fulfil}
    coords = {"quantile": q, "period": m.periods, "product": m.products}
    variables: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name in PRODUCT_SERIES:
        values = series[name]
        if name == "fulfilment":
            with np.errstate(all="ignore"):
                band = _nanquantile(values, q)
        else:
            band = np.quantile(values, q, axis=0)
        variables[name] = (("quantile", "period", "product"), band)
    for name in PERIOD_SERIES:
        variables[name] = (("quantile", "period"), np.quantile(series[name], q, axis=0))
    ds = xr.Dataset(variables, coords=coords)
    ds = ds.assign_coords(unit=("product", m.units))
    for name, unit in UNITS.items():
        if name in ds:
            ds[name].attrs["unit"] = unit
    return ds


def _nanquantile(values: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles over runs, NaN where a product is never planned (no RuntimeWarning for all-NaN slices)."""
    out = np.full((len(q), *values.shape[1:]), np.nan)
    ok = ~np.isnan(values).all(axis=0)
    if ok.any():
        out[:, ok] = np.nanquantile(values[:, ok], q, axis=0)
    return out


@contextmanager
def progress_bar(show: bool, total: int, label: str) -> Iterator[Any]:
    """A progress bar on stderr counting ``total`` runs; yields ``advance(n)``, n the runs just finished."""
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def tune_malloc() -> bool:
    """Let glibc keep freed arrays for reuse in this process (a Dask worker); True when it could.

    Dask's nanny sets MALLOC_TRIM_THRESHOLD_, which turns off glibc's adaptive mmap threshold: then every
    array over 128 KiB is a fresh mmap, and the simulation's temporaries cost a page fault per page
    (3-4 times slower than in a plain process). This raises the mmap threshold to 64 MiB and the trim
    threshold to 256 MiB.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 64 << 20)) and bool(libc.mallopt(m_trim_threshold, 256 << 20))
    except (OSError, AttributeError):
        return False


def _on_dask(
    m: Model,
    fr: Frictions,
    seed: int,
    chunks: list[tuple[int, int]],
    results: list[dict[str, np.ndarray] | None],
    workers: int,
    scheduler: str | None,
    advance: Any,
) -> int:
    """Run the chunks on dask.distributed; return the number of workers used."""
    from dask.distributed import as_completed

    with dask_client(workers, scheduler, SimulationError) as (client, n_workers):
        client.run(tune_malloc)
        model = client.scatter(m, broadcast=True)
        futures = {
            client.submit(run_chunk, model, fr, seed, a, b, pure=False, key=f"leapplan-sim-{seed}-{a}-{id(m)}"): k
            for k, (a, b) in enumerate(chunks)
        }
        for future in as_completed(futures):
            k = futures[future]
            results[k] = future.result()
            advance(chunks[k][1] - chunks[k][0])
        return n_workers
