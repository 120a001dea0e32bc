"""The blocks of a decomposed solve on Dask: actors on the workers.

Each block's matrices are sent once, when its actor is built on a worker. For the block interior point
(``DaskParts``) the actor is one ``BlockGroup`` per worker holding the ``block_ipm.BlockKKT`` of each of its blocks
(dealt largest first to the least loaded worker, ``deal``): each iteration sends the linking rows' prices and steps
once per worker and gets back linking-row sized pieces; the iterates stay on the workers until the end. For
Dantzig–Wolfe (``DaskPricer``) it is a ``decompose.BlockSolver`` per block holding the block's HiGHS model
(round-robin): each iteration sends the linking rows' prices and gets back the proposal's cost and linking-row
activity. When a stage ends its actors are let go and waited for, so the next stage's blocks are not built beside
them. A plan whose blocks are built on the workers (``BlockHosts``) keeps one ``block_host.BlockHost`` actor per
worker for the whole plan instead, the interior point's calls going to it as to a ``BlockGroup``. A
``distributed.LocalCluster`` of ``workers`` processes is started unless a scheduler address is given, as
``simulate`` does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import numpy as np

from leapplan.dask_client import dask_client, trim_memory
from leapplan.errors import DecomposeError
from leapplan.plan.block_ipm import BlockKKT, LocalParts
from leapplan.plan.decompose import BlockLP, BlockSolver, Proposal

log = logging.getLogger(__name__)

RELEASE_SECONDS = 30.0
"""Longest wait for the workers to drop a stage's actors [s]."""


class DaskPool:
    """A connection to Dask workers (a LocalCluster of ``workers`` processes, or the scheduler at ``scheduler``) for
    the blocks of one or more decomposed solves."""

    def __init__(self, *, workers: int = 2, scheduler: str | None = None) -> None:
        if scheduler is None and workers < 1:
            raise DecomposeError(f"the number of workers must be at least 1, not {workers}")
        self._stack = ExitStack()
        self.client, _ = self._stack.enter_context(dask_client(workers, scheduler, DecomposeError))
        self.workers = list(self.client.scheduler_info().get("workers", {}))

    def pricer(self, blocks: list[BlockLP], options: dict[str, Any] | None = None) -> DaskPricer:
        """Actors for ``blocks`` on the workers (round-robin)."""
        return DaskPricer(self, blocks, options)

    def parts(
        self, master: BlockKKT, blocks: list[BlockLP], starts: list[np.ndarray | None] | None = None
    ) -> DaskParts:
        """The interior point's parts: ``master`` in this process, an actor per block on the workers (``deal``);
        ``starts``: each block's z to start from (``block_ipm.starts``)."""
        return DaskParts.dealt(self, master, blocks, starts)

    def worker_memory(self) -> dict[str, int]:
        """Peak resident memory of each worker process so far [bytes]."""
        return {str(k): int(v) for k, v in self.client.run(_peak_rss).items()}

    def close(self) -> None:
        """Close the client (and the local cluster it started)."""
        self._stack.close()

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _peak_rss() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


class DaskPricer:
    """Blocks priced in parallel by actors on Dask workers (``decompose.Pricer``)."""

    def __init__(self, pool: DaskPool, blocks: list[BlockLP], options: dict[str, Any] | None = None) -> None:
        names = pool.workers
        futures = [
            pool.client.submit(BlockSolver, b, options, actor=True, workers=[names[k % len(names)]])
            for k, b in enumerate(blocks)
        ]
        self.client = pool.client
        self.futures = futures
        self.actors: list[Any] = [f.result() for f in futures]

    def price(self, pi: np.ndarray | None, phase: int) -> list[Proposal]:
        calls = [a.price(pi, phase) for a in self.actors]
        return [c.result() for c in calls]

    def start(self, shares: list[tuple[np.ndarray, np.ndarray]]) -> list[Proposal]:
        calls = [a.start(lo, hi) for a, (lo, hi) in zip(self.actors, shares, strict=True)]
        return [c.result() for c in calls]

    def combine(self, weights: list[tuple[list[tuple[int, float]], list[tuple[int, float]]]]) -> list[np.ndarray]:
        calls = [a.combine(p, r) for a, (p, r) in zip(self.actors, weights, strict=True)]
        return [np.asarray(c.result()) for c in calls]

    def row_duals(self) -> list[np.ndarray]:
        calls = [a.row_duals() for a in self.actors]
        return [np.asarray(c.result()) for c in calls]

    def seconds(self) -> list[float]:
        calls = [a.elapsed() for a in self.actors]
        return [float(c.result()) for c in calls]

    def close(self) -> None:
        """Let the actors go and wait until their workers have dropped the blocks."""
        release(self.client, self.futures)
        self.actors = []
        self.futures = []


def deal(workers: list[str], sizes: list[int]) -> list[str]:
    """A worker for each block: the largest block first, each to the worker with the least work so far (longest
    processing time first); the blocks' work grows with their nonzeros."""
    load = dict.fromkeys(workers, 0)
    where = [""] * len(sizes)
    for k in sorted(range(len(sizes)), key=lambda k: -sizes[k]):
        w = min(workers, key=lambda w: load[w])
        where[k] = w
        load[w] += sizes[k]
    return where


class BlockGroup(LocalParts):
    """The blocks one worker holds for the interior point, each a ``BlockKKT`` built there (``add``); a call runs
    on each in turn (``LocalParts.call``) and returns their answers in the order they were added."""

    def __init__(self) -> None:
        super().__init__([])

    def add(self, block: BlockLP, start: np.ndarray | None = None) -> None:
        self.parts.append(BlockKKT.of_block(block, start))


class DaskParts:
    """The interior point's parts (``block_ipm.Parts``): the master part here, the blocks on the workers (``deal``),
    one ``BlockGroup`` actor per worker holding its blocks, each block's matrices sent once. A call goes to every
    worker once (one message, the linking rows' arrays sent once, not once per block: at 2,800 counties 2 messages
    a round instead of 94), runs on the master part meanwhile, then waits for the workers (``send``: waits only when
    asked, so the centre can work meanwhile)."""

    def __init__(
        self, master: BlockKKT, client: Any, groups: list[Any], members: list[list[int]], futures: list[Any]
    ) -> None:
        self.master = master
        self.client = client
        self.groups = groups
        """The actors, each a ``block_ipm.LocalParts`` of its blocks' parts."""
        self.members = members
        """Which blocks (their positions) each group holds, in the order it holds them."""
        self.futures = futures
        """The groups' futures, let go by ``close`` (none: the groups outlive the stage, ``BlockHosts``)."""

    @classmethod
    def dealt(
        cls, pool: DaskPool, master: BlockKKT, blocks: list[BlockLP], starts: list[np.ndarray | None] | None = None
    ) -> DaskParts:
        """A ``BlockGroup`` actor per worker holding the blocks ``deal`` gives it, each sent once."""
        first = starts if starts is not None else [None] * len(blocks)
        where = deal(pool.workers, [b.A.nnz + b.D.nnz for b in blocks])
        used = list(dict.fromkeys(where))
        futures = [pool.client.submit(BlockGroup, actor=True, workers=[w]) for w in used]
        groups: list[Any] = [f.result() for f in futures]
        members = [[k for k, w in enumerate(where) if w == u] for u in used]
        for i in range(max((len(m) for m in members), default=0)):  # each worker one block at a time, all at once
            adding = [g.add(blocks[m[i]], first[m[i]]) for g, m in zip(groups, members, strict=True) if i < len(m)]
            for a in adding:
                a.result()
        return cls(master, pool.client, groups, members, futures)

    def call(self, method: str, *args: Any) -> list[Any]:
        return self.send(method, *args)()

    def send(self, method: str, *args: Any) -> Callable[[], list[Any]]:
        pending = [g.call(method, *args) for g in self.groups]
        here = getattr(self.master, method)(*args)

        def answers() -> list[Any]:
            got: list[Any] = [None] * sum(len(m) for m in self.members)
            for p, members in zip(pending, self.members, strict=True):
                for k, a in zip(members, p.result(), strict=True):
                    got[k] = a
            return [here, *got]

        return answers

    def close(self) -> None:
        """Let the actors go and wait until their workers have dropped the blocks."""
        release(self.client, self.futures)
        self.groups = []
        self.futures = []


def release(client: Any, futures: list[Any]) -> None:
    """Release the actors behind ``futures`` and wait (at most ``RELEASE_SECONDS``) until no worker holds them:
    Dask drops an actor some time after its last future, and a next stage's actors built meanwhile sit beside the
    old ones (at 2,800 counties a worker held 2.9 GB in the second stage with a peak of 4.6 GB behind it)."""
    keys = [f.key for f in futures]
    deadline = time.monotonic() + RELEASE_SECONDS
    try:
        client.cancel(futures)
        while any(client.run(_actors_held, keys).values()) and time.monotonic() < deadline:
            time.sleep(0.02)
        client.run(trim_memory)  # the blocks' arrays, freed into the heap, back to the system
    except Exception as exc:  # noqa: BLE001 - called on the way out of a stage, maybe after a lost worker: the
        # stage's own outcome (or error) must not be replaced by the cluster's failure to answer here
        log.warning("could not confirm that the workers dropped the blocks: %s", exc)


def _actors_held(keys: list[Any], dask_worker: Any = None) -> int:
    """How many of the actors ``keys`` this worker still holds (``client.run`` passes the worker)."""
    return sum(k in dask_worker.state.actors for k in keys)


class BlockHosts:
    """The hosts of a decomposed plan's blocks (``block_host.BlockHost``): one in this process holding every block
    (``pool`` None), or one actor per Dask worker holding the blocks ``deal`` gives it by ``sizes`` (their entries,
    ``block_build.Census.sizes``), each built there from the scenario, kept for the whole plan."""

    def __init__(self, s: Any, part: Any, copied: np.ndarray, sizes: list[int], pool: DaskPool | None = None) -> None:
        from leapplan.plan.block_host import BlockHost

        K = len(sizes)
        self.pool = pool
        self.futures: list[Any] = []
        if pool is None:
            self.members = [list(range(K))]
            self.hosts: list[Any] = [BlockHost(s, part, copied, self.members[0])]
            return
        where = deal(pool.workers, sizes)
        used = list(dict.fromkeys(where))
        self.members = [[k for k, w in enumerate(where) if w == u] for u in used]
        self.futures = [
            pool.client.submit(BlockHost, s, part, copied, m, actor=True, workers=[w])
            for w, m in zip(used, self.members, strict=True)
        ]
        self.hosts = [f.result() for f in self.futures]

    def ask(self, method: str, args: list[tuple[Any, ...]]) -> list[Any]:
        """``method(*args[i])`` on host i, all at once; their answers in order."""
        if self.pool is None:
            return [getattr(h, method)(*a) for h, a in zip(self.hosts, args, strict=True)]
        pending = [getattr(h, method)(*a) for h, a in zip(self.hosts, args, strict=True)]
        return [p.result() for p in pending]

    def everyone(self, method: str, *args: Any) -> list[Any]:
        """``method(*args)`` on every host."""
        return self.ask(method, [args] * len(self.hosts))

    def parts_of(self, master: BlockKKT) -> Any:
        """The interior point's parts once the hosts have prepared a stage: ``master`` here, the blocks on the hosts."""
        if self.pool is None:
            return LocalParts([master, *(p for h in self.hosts for p in h.parts)])
        return DaskParts(master, self.pool.client, self.hosts, self.members, [])

    def finish(self) -> None:
        """The stage is over: the hosts drop its parts, and the workers hand the freed memory back to the system."""
        self.everyone("finish")
        if self.pool is not None:
            self.pool.client.run(trim_memory)

    def close(self) -> None:
        """Let the hosts go (and wait until their workers have dropped them)."""
        if self.pool is not None and self.futures:
            release(self.pool.client, self.futures)
        self.hosts = []
        self.futures = []
