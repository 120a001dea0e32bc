"""Shared fixtures: small standard scenarios."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from leapplan.scenario import Scenario, load

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    """The hand-checkable two-county scenario in tests/data/tiny.yaml."""
    return load(DATA / "tiny.yaml")


@pytest.fixture()
def tiny_raw() -> dict[str, Any]:
    """tests/data/tiny.yaml as plain data, to break on purpose."""
    return yaml.safe_load((DATA / "tiny.yaml").read_text())


@pytest.fixture(scope="session")
def shanxi() -> Scenario:
    """The embedded default scenario."""
    return load("shanxi-1958")


# --- headless Chromium (Debian's /usr/bin/chromium, installed by scripts/browser.sh) -------------
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> Any:
    """A launched headless playwright Browser on Debian's chromium (one per test module, so playwright's event
    loop never outlives the module); skips when /usr/bin/chromium is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/browser.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def console_errors() -> list[str]:
    """Console errors and uncaught page errors seen by `browser_page` (assert it stays empty)."""
    return []


@pytest.fixture()
def browser_page(chromium: Any, console_errors: list[str]) -> Any:
    """A fresh playwright Page (1280x900, own context) whose console errors land in `console_errors`."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    yield page
    context.close()


# --- `leapplan serve` in a subprocess (browser and load tests) -------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """`python -m leapplan serve` on a loopback port; start(), kill() (SIGKILL) and start() again on the same DB."""

    def __init__(self, db_url: str, log: Path, extra: list[str]) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        """Start the server and wait until GET /health answers 200 [timeout in s]."""
        import httpx

        cmd = [
            sys.executable,
            "-m",
            "leapplan",
            "serve",
            "--db",
            self.db_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *self.extra,
        ]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"leapplan serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + "/health", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"leapplan serve did not answer /health within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's combined stdout/stderr."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the server (no clean shutdown) and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server politely (SIGTERM), SIGKILL after 15 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture()
def live_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Factory: live_server(db_url=None, *extra_args, scenario=None) -> a started LiveServer on ``scenario`` (a
    scenario file or folder; default the tiny scenario) with demo users (temp SQLite file unless db_url is given);
    every server is stopped after the test."""
    servers: list[LiveServer] = []

    def make(db_url: str | None = None, *extra: str, scenario: Path | None = None) -> LiveServer:
        url = db_url or f"sqlite:///{tmp_path / f'live{len(servers)}.sqlite'}"
        args = ["--scenario", str(scenario or DATA / "tiny.yaml"), "--seed-demo-users", *extra]
        server = LiveServer(url, tmp_path / f"server{len(servers)}.log", args)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()
