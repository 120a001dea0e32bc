"""Ensembles on a real dask.distributed LocalCluster and on a separately started scheduler + worker."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from leapplan.scenario import Scenario
from leapplan.simulate import run_ensemble


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_local_cluster_of_two_workers_gives_the_in_process_bands(china: Scenario) -> None:
    here = run_ensemble(china, None, 40, batch=10)
    there = run_ensemble(china, None, 40, batch=10, workers=2)
    assert there.workers == 2
    for name in here.bands.data_vars:
        np.testing.assert_array_equal(here.bands[name].values, there.bands[name].values)


@pytest.fixture()
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and one `dask worker` on 127.0.0.1 as subprocesses; both are killed afterwards."""
    dask = shutil.which("dask") or str(Path(sys.executable).with_name("dask"))
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "dask.log").open("wb")
    procs = []
    try:
        procs.append(
            subprocess.Popen(
                [
                    dask,
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--dashboard-address",
                    ":0",
                    "--no-show",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        )
        _wait_for_port(port, 60)
        procs.append(
            subprocess.Popen(
                [
                    dask,
                    "worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--host",
                    "127.0.0.1",
                    "--dashboard-address",
                    ":0",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        )
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"dask scheduler did not listen on port {port} within {timeout} s")


@pytest.mark.slow
def test_simulate_command_on_a_separate_scheduler(dask_cluster: str, tmp_path: Path) -> None:
    """`leapplan simulate --scheduler` against `dask scheduler` + `dask worker` gives the in-process bands."""
    import json

    cmd = [
        sys.executable,
        "-m",
        "leapplan",
        "simulate",
        "china-1957",
        "--policies",
        "--runs",
        "30",
        "--scheduler",
        dask_cluster,
        "--json",
    ]
    done = subprocess.run(cmd, capture_output=True, timeout=180, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["runs"] == 30 and data["workers"] == 1
    from leapplan.scenario import load

    here = run_ensemble(load("china-1957"), None, 30).to_json()
    assert data["bands"]["actual"] == here["bands"]["actual"]
    assert data["bands"]["food_per_head"] == here["bands"]["food_per_head"]
