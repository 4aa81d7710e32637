"""Serving rendered sections: latency of GET /api/sections/<id>/image.png under 16 clients.

Seeds a throwaway database (SQLite in a temporary folder, or ``BENCH_DATABASE_URL``) with one
64×448×448 RI volume, starts the real ASGI site under uvicorn as a child process, and has 16
threads (one keep-alive connection each) request section images:

- cached: the same few windows over and over (after one warm-up pass, every answer comes from
  the server process's memory; the default window is also in the shared cache: Redis when
  ``BENCH_REDIS_URL`` is set, else the in-process cache);
- uncached: a distinct lo/hi for every request, so each one is rendered.

Then, as the baseline, the same two runs against a second server with the section-image front
turned off (``CELLWEB_IMAGE_FRONT=false``: every request through Django's middleware, session
and the API view), and the ratios between the two.

    .venv/bin/python bench/serve.py [--requests 1600] [--clients 16] [--workers 1] [--no-baseline]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    bench_manager,
    ensure_malloc_env,
    figure,
    free_port,
    setup_django,
    start_server,
)


def configure(workdir: Path) -> dict[str, str]:
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = setup_django(workdir, database_url, secret_filler="y")
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    # A throwaway database: every table straight from the models, whatever migrations exist.
    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    return env


def seed(shape: tuple[int, int, int]) -> tuple[str, list[int]]:
    """One manager, one project, one RI volume; returns a session cookie and the section ids."""
    import numpy as np
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from annotations.models import Specimen
    from annotations.services.volumes import volume_create

    user, project = bench_manager()
    specimen = Specimen.objects.create(project=project, name="cell")
    rng = np.random.default_rng(0)
    zz, yy, xx = np.mgrid[0 : shape[0], 0 : shape[1], 0 : shape[2]].astype(np.float32)
    cell = ((yy - shape[1] / 2) ** 2 + (xx - shape[2] / 2) ** 2) < (0.35 * shape[1]) ** 2
    data = (1.337 + 0.03 * cell + 0.004 * rng.standard_normal(shape)).astype(np.float32)
    volume = volume_create(
        specimen=specimen, data=data, modality="ri", voxel_size=(0.195, 0.098, 0.098)
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key, list(volume.sections.order_by("z").values_list("id", flat=True))


def run_clients(
    port: int, cookie: str, urls: list[str], clients: int, rate: float | None = None
) -> list[float]:
    """Fetch ``urls`` with ``clients`` threads; returns each request's latency in ms.

    Without ``rate`` every client sends its next request as soon as the last one is answered
    (the server is saturated). With ``rate`` each client keeps to that many requests a second,
    like a person scrolling through sections; a late answer delays only that client.
    """
    latencies: list[float] = []
    lock = threading.Lock()
    position = iter(range(len(urls)))
    errors: list[str] = []

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        next_at = time.perf_counter() + (number / clients / rate if rate else 0.0)
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                break
            if rate:
                pause = next_at - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                next_at = max(next_at + 1.0 / rate, time.perf_counter())
            started = time.perf_counter()
            connection.request("GET", urls[index], headers={"Cookie": f"sessionid={cookie}"})
            response = connection.getresponse()
            body = response.read()
            mine.append((time.perf_counter() - started) * 1000.0)
            if response.status != 200 or not body.startswith(b"\x89PNG"):
                errors.append(f"{urls[index]} -> {response.status} {body[:120]!r}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def load_parser(description: str, *, requests: int) -> argparse.ArgumentParser:
    """The options of a load run against the served site: requests in all, concurrent
    clients, uvicorn workers."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    return parser


def main() -> None:
    ensure_malloc_env()
    parser = load_parser(__doc__, requests=1600)
    parser.add_argument("--shape", type=int, nargs=3, default=(64, 448, 448))
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the baseline runs through Django with the section-image front off",
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=10.0,
        help="requests per second per client for the paced runs (0 skips them)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cellweb-bench-serve-") as tmp:
        env = configure(Path(tmp))
        cookie, sections = seed(tuple(args.shape))
        port = free_port()
        server = start_server(env, port, args.workers)
        try:
            # A handful of windows a viewer uses; one pass fills the cache.
            windows = [(1.33, 1.40), (1.335, 1.39), (1.34, 1.38)]
            cached_urls = [
                f"/api/sections/{sid}/image.png?lo={lo}&hi={hi}"
                for sid in sections[:16]
                for lo, hi in windows
            ]
            run_clients(port, cookie, cached_urls, args.clients)
            urls = [cached_urls[i % len(cached_urls)] for i in range(args.requests)]
            cached = run_clients(port, cookie, urls, args.clients)

            uncached_urls = [
                f"/api/sections/{sections[i % len(sections)]}/image.png?lo={1.33 + i * 1e-6:.6f}&hi=1.4"
                for i in range(args.requests // 2)
            ]
            uncached = run_clients(port, cookie, uncached_urls, args.clients)

            paced_cached = paced_uncached = None
            if args.paced_rate > 0:
                paced_cached = run_clients(port, cookie, urls, args.clients, rate=args.paced_rate)
                paced_urls = [
                    f"/api/sections/{sections[i % len(sections)]}/image.png?lo=1.33&hi={1.4 - i * 1e-6:.6f}"
                    for i in range(args.requests // 2)
                ]
                paced_uncached = run_clients(
                    port, cookie, paced_urls, args.clients, rate=args.paced_rate
                )
        finally:
            server.terminate()
            server.wait(15)

        baseline_cached = baseline_uncached = None
        if not args.no_baseline:
            port = free_port()
            server = start_server({**env, "CELLWEB_IMAGE_FRONT": "false"}, port, args.workers)
            try:
                run_clients(port, cookie, cached_urls, args.clients)
                baseline_cached = run_clients(port, cookie, urls, args.clients)
                baseline_urls = [
                    f"/api/sections/{sections[i % len(sections)]}/image.png?lo=1.331&hi={1.4 - i * 1e-6:.6f}"
                    for i in range(args.requests // 2)
                ]
                baseline_uncached = run_clients(port, cookie, baseline_urls, args.clients)
            finally:
                server.terminate()
                server.wait(15)

    print(
        f"saturating: {args.clients} clients, {args.workers} uvicorn worker(s), sections {args.shape[1]}×{args.shape[2]}, "
        f"cache: {'Redis' if os.environ.get('BENCH_REDIS_URL') else 'in-process'}, cores: {os.cpu_count()}"
    )
    figure("section_png_p95_ms_cached", p95(cached), "ms")
    figure("section_png_median_ms_cached", statistics.median(cached), "ms")
    figure("section_png_p95_ms_uncached", p95(uncached), "ms")
    figure("section_png_median_ms_uncached", statistics.median(uncached), "ms")
    total = len(cached) + len(uncached)
    if paced_cached is not None:
        rate = args.paced_rate * args.clients
        print(
            f"paced: {args.clients} clients × {args.paced_rate:g} requests/s = {rate:g} requests/s offered"
        )
        figure("section_png_p95_ms_cached_paced", p95(paced_cached), "ms")
        figure("section_png_median_ms_cached_paced", statistics.median(paced_cached), "ms")
        figure("section_png_p95_ms_uncached_paced", p95(paced_uncached), "ms")
        figure("section_png_median_ms_uncached_paced", statistics.median(paced_uncached), "ms")
        total += len(paced_cached) + len(paced_uncached)
    if baseline_cached is not None:
        print("baseline: the same, through Django with the section-image front off")
        figure("section_png_p95_ms_cached_django", p95(baseline_cached), "ms")
        figure("section_png_p95_ms_uncached_django", p95(baseline_uncached), "ms")
        figure("section_png_p95_speedup_cached", p95(baseline_cached) / p95(cached), "x")
        figure("section_png_p95_speedup_uncached", p95(baseline_uncached) / p95(uncached), "x")
        total += len(baseline_cached) + len(baseline_uncached)
    figure("section_png_requests", total, "requests")


if __name__ == "__main__":
    main()
