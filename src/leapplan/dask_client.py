"""The Dask client the parallel stages share: a local cluster of single-threaded worker processes, or a running
cluster at a scheduler's address."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from leapplan.errors import LeapplanError

CONNECT_TIMEOUT = "10s"
"""How long to try to reach a scheduler before giving up."""


@contextmanager
def dask_client(workers: int, scheduler: str | None, error: type[LeapplanError]) -> Iterator[tuple[Any, int]]:
    """Yield (client, number of workers): on the cluster at ``scheduler`` ('tcp://host:8786'), or on a local
    cluster of ``workers`` single-threaded processes (dashboard on a free port, so two at once do not collide),
    closed afterwards. Raises ``error`` when the scheduler cannot be reached or has no worker within 30 s."""
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise error(f"cannot reach the dask scheduler at {scheduler}: {exc}") from None
        with client:
            yield client, _workers(client, error)
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client, _workers(client, error)


def _workers(client: Any, error: type[LeapplanError]) -> int:
    n = len(client.scheduler_info().get("workers", {}))
    if n == 0:
        try:
            client.wait_for_workers(1, timeout=30)
        except TimeoutError:
            raise error("the dask cluster has no workers (waited 30 s)") from None
        n = len(client.scheduler_info().get("workers", {}))
    return n
