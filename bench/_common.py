"""Helpers shared by the bench scripts: the figure line format, timing, and the malloc setting.

Import this before torch and call ``ensure_malloc_env()`` first thing: glibc reads the malloc
tunables at process start, so they can only take effect through a re-exec.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "MALLOC_ENV",
    "NoMigrations",
    "REPO_ROOT",
    "bench_manager",
    "ensure_malloc_env",
    "figure",
    "format_value",
    "free_port",
    "median_ms",
    "setup_django",
    "start_server",
    "throwaway_site",
]

REPO_ROOT = Path(__file__).resolve().parents[1]

# Without these, glibc mmaps every large tensor and returns it to the kernel after each pass:
# ~0.8 M page faults per batch and 1.5-2.8x slower CPU inference (docs/performance.md).
MALLOC_ENV: dict[str, str] = {
    "MALLOC_MMAP_MAX_": "0",
    "MALLOC_TRIM_THRESHOLD_": "68719476736",
}


def ensure_malloc_env() -> None:
    """Re-exec the running script with ``MALLOC_ENV`` set, unless it already is."""
    if all(os.environ.get(k) == v for k, v in MALLOC_ENV.items()):
        return
    env = {**os.environ, **MALLOC_ENV}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def format_value(value: float | int | str) -> str:
    """Four significant digits for floats (enough for timings, stable to read)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def figure(name: str, value: float | int | str, unit: str) -> None:
    """Print one measured figure as ``figure: NAME = VALUE UNIT`` (parsed by tooling)."""
    print(f"figure: {name} = {format_value(value)} {unit}", flush=True)


def median_ms(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in milliseconds after ``warmup`` untimed calls.

    ``fn`` must finish its work before returning (e.g. synchronise CUDA inside it).
    """
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    """Serve the ASGI site with uvicorn in a child process and wait until it accepts connections."""
    args = [sys.executable, "-m", "uvicorn", "cellweb.asgi:application", "--host", "127.0.0.1"]
    args += [
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(
        args, cwd=REPO_ROOT, env={**os.environ, **env}, start_new_session=True
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("uvicorn exited early") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("uvicorn did not start")


def setup_django(workdir: Path, database_url: str, *, secret_filler: str = "x") -> dict[str, str]:
    """Point this process at a throwaway site in ``workdir`` and set Django up; returns the
    environment a server started for the same site needs. Redis only with ``BENCH_REDIS_URL``.
    """
    env = {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "cellweb.settings"),
        "CELLWEB_VAR_DIR": str(workdir),
        "CELLWEB_DATA_DIR": str(workdir / "media"),
        "CELLWEB_SECRET_KEY": "bench-only-" + secret_filler * 40,
        "CELLWEB_CACHE_PREFIX": f"bench{os.getpid()}",
        "CELLWEB_CHANNEL_PREFIX": f"bench{os.getpid()}",
        "DATABASE_URL": database_url,
    }
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ.update(env)
    import django

    django.setup()
    return env


class NoMigrations:
    """Every app's tables made straight from its models: a throwaway site needs no history."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


def throwaway_site(workdir: Path) -> None:
    """Django set up on a new SQLite database in ``workdir``, its tables made from the models,
    for benches that run jobs in this process."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_django(workdir, f"sqlite:///{workdir / 'bench.sqlite3'}")
    setup_test_environment()
    settings.MIGRATION_MODULES = NoMigrations()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)


def bench_manager():
    """The bench's manager ``bench`` and its project ``bench`` (Django must be set up)."""
    from django.contrib.auth import get_user_model

    from annotations.models import Membership, Project

    user = get_user_model().objects.create_user("bench", password="bench-password-123")
    project = Project.objects.create(slug="bench", name="Bench")
    Membership.objects.create(project=project, user=user, role="manager")
    return user, project


@contextlib.contextmanager
def throwaway_database(tag: str, workdir: Path) -> Iterator[str]:
    """A fresh database for one bench run, dropped afterwards: a PostgreSQL database next to
    ``BENCH_DATABASE_URL`` or ``DATABASE_URL`` when that is PostgreSQL, else SQLite in
    ``workdir``. Yields its URL."""
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not base.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(base)
    name = f"cwbench_{tag}_{os.getpid()}"
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
