"""The Dask client the parallel stages share: a local cluster of single-threaded worker processes, or a running
cluster at a scheduler's address."""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from leapplan.errors import LeapplanError

CONNECT_TIMEOUT = "10s"
"""How long to try to reach a scheduler before giving up."""

WORKER_MALLOC = {"MALLOC_MMAP_THRESHOLD_": 32 * 2**20, "MALLOC_TRIM_THRESHOLD_": 64 * 2**20}
"""glibc's malloc settings in the local cluster's worker processes [bytes]. Dask sets MALLOC_TRIM_THRESHOLD_ to
64 KiB, which also fixes glibc's mmap threshold at its 128 KiB floor: every array above that is then a fresh mmap,
its pages faulted in at first touch and unmapped when freed. The decomposed plan's blocks make and free many such
arrays each iteration: the 100-county plan on 2 workers spent 30 s of its 93 CPU seconds in the kernel (17.9
million page faults); with arrays up to 32 MiB taken from the heap, 4.6 s (0.7 million), its two stages 38.7 and
30.0 s against 28.8 and 22.2 s, the same iterations (6 December, quiet machine; docs/decompose.md). A running
cluster's workers (``--scheduler``) keep the settings they were started with."""


@contextmanager
def dask_client(workers: int, scheduler: str | None, error: type[LeapplanError]) -> Iterator[tuple[Any, int]]:
    """Yield (client, number of workers): on the cluster at ``scheduler`` ('tcp://host:8786'), or on a local
    cluster of ``workers`` single-threaded processes (dashboard on a free port, so two at once do not collide),
    closed afterwards. Raises ``error`` when the scheduler cannot be reached or has no worker within 30 s."""
    import dask
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise error(f"cannot reach the dask scheduler at {scheduler}: {exc}") from None
        with client:
            yield client, _workers(client, error)
        return
    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_MALLOC}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):  # read as the workers are made
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        )
    with cluster, Client(cluster) as client:
        yield client, _workers(client, error)


def trim_memory() -> bool:
    """Hand the heap's free memory back to the operating system (glibc's ``malloc_trim``), as Dask's documentation
    advises for memory a worker no longer uses but still holds; with ``WORKER_MALLOC`` freed arrays stay in the heap
    (a national plan's worker held 4.1 GB in its second stage against 3.4 GB at the end of the first). Returns
    whether memory was released; False where there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.malloc_trim(0))


def _workers(client: Any, error: type[LeapplanError]) -> int:
    n = len(client.scheduler_info().get("workers", {}))
    if n == 0:
        try:
            client.wait_for_workers(1, timeout=30)
        except TimeoutError:
            raise error("the dask cluster has no workers (waited 30 s)") from None
        n = len(client.scheduler_info().get("workers", {}))
    return n
