"""The local Dask cluster the parallel stages share (``leapplan.dask_client``)."""

from __future__ import annotations

import os
from functools import partial

from leapplan.dask_client import dask_client, trim_memory
from leapplan.errors import SimulationError

NAMES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS")


def test_local_workers_take_arrays_from_the_heap_and_keep_one_blas_thread() -> None:
    # glibc's mmap threshold 32 MiB = 33,554,432 bytes and trim threshold 64 MiB = 67,108,864 bytes, set before each
    # worker process starts; Dask's own settings (one BLAS thread a worker) are kept
    with dask_client(2, None, SimulationError) as (client, workers):
        seen = [list(client.run(partial(os.getenv, name)).values()) for name in NAMES]  # os.getenv: known to workers
    assert workers == 2
    assert seen == [["33554432"] * 2, ["67108864"] * 2, ["1"] * 2]


def _resident() -> int:
    """This process's resident memory [bytes]."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_trim_memory_hands_freed_heap_back() -> None:
    # 100,000 chunks of 1,000 bytes (100 MB) from the heap, one more kept above them so that freeing them cannot
    # shrink the heap from its top: they stay resident until malloc_trim returns their pages (to under half)
    chunks = [bytearray(1000) for _ in range(100_000)]
    pin = bytearray(1000)
    chunks.clear()
    before = _resident()
    assert trim_memory()
    assert _resident() < before - 50_000_000
    assert len(pin) == 1000
