"""The local Dask cluster the parallel stages share (``leapplan.dask_client``)."""

from __future__ import annotations

import os
from functools import partial

from leapplan.dask_client import dask_client
from leapplan.errors import SimulationError

NAMES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS")


def test_local_workers_take_arrays_from_the_heap_and_keep_one_blas_thread() -> None:
    # glibc's mmap threshold 32 MiB = 33,554,432 bytes and trim threshold 64 MiB = 67,108,864 bytes, set before each
    # worker process starts; Dask's own settings (one BLAS thread a worker) are kept
    with dask_client(2, None, SimulationError) as (client, workers):
        seen = [list(client.run(partial(os.getenv, name)).values()) for name in NAMES]  # os.getenv: known to workers
    assert workers == 2
    assert seen == [["33554432"] * 2, ["67108864"] * 2, ["1"] * 2]
