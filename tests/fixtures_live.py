"""Real processes for integration and browser tests: a Celery worker, an ASGI server, Chromium.

They run against the test database that pytest-django created, so tests using them must use
``transactional_db`` (data is committed and visible to the other processes).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env() -> dict[str, str]:
    """Environment for a child process that shares this test run's database, Redis and files."""
    db = connection.settings_dict
    env = dict(os.environ)
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{db['NAME']}"
    env["CELLWEB_DATA_DIR"] = str(settings.MEDIA_ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class ManagedProcess:
    def __init__(self, args: list[str], *, name: str, env: dict[str, str]):
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"{name}-{os.getpid()}-{int(time.time() * 1000)}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 10) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()


def start_worker(
    *, queues: str = "celery,gpu", name: str = "worker", extra_env: dict | None = None
) -> ManagedProcess:
    env = child_env() | (extra_env or {})
    process = ManagedProcess(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cellweb",
            "worker",
            "-Q",
            queues,
            "-P",
            "solo",
            "-c",
            "1",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            f"{name}-{os.getpid()}-{time.time_ns()}@%h",
            "-l",
            "INFO",
        ],
        name=name,
        env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if "ready." in process.log_text():
            return process
        if process.proc.poll() is not None:
            raise RuntimeError(f"Celery worker exited early:\n{process.log_text()}")
        time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"Celery worker did not become ready:\n{process.log_text()}")


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[ManagedProcess]:
    """A real Celery worker process consuming both queues of this test run's Redis broker."""
    from cellweb.celery import app

    app.control.purge()
    worker = start_worker()
    yield worker
    worker.stop()


@pytest.fixture
def worker_factory(transactional_db):
    started: list[ManagedProcess] = []

    def make(**kwargs) -> ManagedProcess:
        process = start_worker(**kwargs)
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()


class LiveServer:
    def __init__(self, process: ManagedProcess, port: int):
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"


def start_asgi_server(*, name: str = "asgi", extra_env: dict | None = None) -> LiveServer:
    """The real ASGI application (HTTP, websockets, lifespan) served by uvicorn in a child
    process."""
    port = _free_port()
    process = ManagedProcess(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "cellweb.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            # A test's websocket left open at its end (a page, a client that never closed)
            # would hold a graceful shutdown for the whole stop() timeout.
            "--timeout-graceful-shutdown",
            "2",
        ],
        name=name,
        env=child_env() | (extra_env or {}),
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.proc.poll() is not None:
                raise RuntimeError(f"ASGI server exited early:\n{process.log_text()}") from None
            time.sleep(0.2)
    else:
        process.stop()
        raise RuntimeError("ASGI server did not start")
    return LiveServer(process, port)


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[LiveServer]:
    """The real ASGI application (HTTP and websockets) served by uvicorn in a child process."""
    server = start_asgi_server()
    yield server
    server.process.stop()


@pytest.fixture(scope="module")
def shared_asgi_server(django_db_setup) -> Iterator[LiveServer]:
    """One ASGI server for a whole module: starting one takes seconds (it imports torch). Only
    for modules whose tests keep the default MEDIA_ROOT (the server reads it at start) and
    leave the server running; such a module overrides ``asgi_server`` to return this one."""
    server = start_asgi_server(name="asgi-module")
    yield server
    server.process.stop()


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is not installed (Debian packages chromium and chromium-driver).")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on the main thread; the tests' own ORM calls stay
    # synchronous, so Django's async-context guard would refuse them (and the database flush).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 950}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


def screenshot(tab, name: str, *, full_page: bool = True) -> Path:
    """Save the tab as ``test-artifacts/NAME.png``; ``full_page=False`` keeps the window only,
    for pages too long to look at (and slow to capture) whole."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=full_page)
    return path


def login(tab, server: LiveServer, username: str, password: str = "pass-word-123") -> None:
    tab.goto(f"{server.url}/accounts/login/")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", password)
    tab.click("button[type=submit]")
    tab.wait_for_load_state("networkidle")


def run_async(coroutine):
    """Run a coroutine to completion on its own thread.

    The session's Playwright browser keeps an event loop on the main thread, where
    ``asyncio.run`` refuses to start.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
