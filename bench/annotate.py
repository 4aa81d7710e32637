"""Annotation saving: mask codec speed and draft-save latency under 20 concurrent annotators.

    .venv/bin/python bench/annotate.py [--clients 20] [--seconds 30] [--interval 1.0]
                                       [--workers N] [--closed-loop-seconds 10]

- ``mask_codec_ms``: encode + decode of a realistic 448×448 nucleus mask (median).
- ``label_save_check_ms``: a save's label work on the editor's 448×448 instance map (two
  touching nuclei and a cytoplasm): decode, check against the label set, encode what is stored.
- ``save_service_ms``: one draft save through the service and the response state, in process.
- ``next_section_ms``: the work queue on 60 specimens × 40 sections: one Skip plus handing out
  the next section, in process (``--queue-only`` prints just this figure).
- The load test seeds a throwaway database (a fresh PostgreSQL database next to ``DATABASE_URL``
  or ``BENCH_DATABASE_URL`` when that is PostgreSQL, dropped afterwards; SQLite otherwise) with a
  project of 448×448 RI sections and 20 annotators, starts the real ASGI site under uvicorn as a
  child process, and runs one thread per annotator, each with its own session and keep-alive
  connection: it asks for its next section, then PUTs draft saves of 448×448 masks with the right
  base revision: 16-bit instance maps with their class table, each blob cut into two touching
  nuclei, as the editor sends a project with an instance class (``--payload binary``: 8-bit grey
  binary masks, as before label sets). The paced phase saves every
  ``--interval`` seconds per annotator (the editor autosaves 1.5 s after the last stroke, so 1 s
  is a busy room); the closed-loop phase saves back to back to show the ceiling.
  Prints ``save_p50_ms``, ``save_p95_ms``, ``save_p99_ms``, ``save_errors`` (target p95 <= 50 ms),
  ``save_single_client_p50_ms`` (one annotator alone), ``save_server_cpu_ms`` (web server CPU
  time per save, all workers: what the figures cost when the machine is shared) and, for the
  closed loop, ``save_closed_loop_p95_ms`` and ``save_closed_loop_per_s``. The load average is
  printed too: on a busy machine the latencies measure the neighbours as much as the code.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    ensure_malloc_env,
    figure,
    free_port,
    median_ms,
    setup_django,
    start_server,
    throwaway_database,
)

SIZE = 448
PASSWORD = "bench-password-123"


# ------------------------------------------------------------------------------------ database


def configure(workdir: Path, database_url: str) -> dict[str, str]:
    env = setup_django(workdir, database_url, secret_filler="z")
    from django.core.management import call_command

    # auth first: apps without migrations reference its tables.
    call_command("migrate", "auth", verbosity=0)
    call_command("migrate", run_syncdb=True, verbosity=0)
    return env


def seed(annotators: int, sections: int) -> tuple[list[tuple[str, str]], str]:
    """A project of 448×448 RI sections and ``annotators`` annotators, each with a session."""
    import numpy as np
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from annotations.models import Membership, Project, Specimen
    from annotations.services.volumes import volume_create

    project = Project.objects.create(slug="bench", name="Bench", required_annotations=3)
    rng = np.random.default_rng(0)
    per_specimen = 8
    for number in range((sections + per_specimen - 1) // per_specimen):
        specimen = Specimen.objects.create(project=project, name=f"cell-{number:02d}")
        shape = (min(per_specimen, sections - number * per_specimen), SIZE, SIZE)
        yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
        cell = ((yy - SIZE / 2) ** 2 + (xx - SIZE / 2) ** 2) < (0.35 * SIZE) ** 2
        data = (1.337 + 0.03 * cell + 0.004 * rng.standard_normal(shape)).astype(np.float32)
        volume_create(specimen=specimen, data=data, modality="ri", voxel_size=(0.195, 0.098, 0.098))

    users = get_user_model()
    sessions = []
    for number in range(annotators):
        user = users(username=f"annotator{number:02d}")
        user.set_unusable_password()  # sessions are made directly: no password hashing in the way
        user.save()
        Membership.objects.create(project=project, user=user, role="annotator")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        sessions.append((session.session_key, secrets.token_hex(16)))
    return sessions, project.slug


# ------------------------------------------------------------------------------------ masks


def nucleus_mask(rng, size: int = SIZE):
    """A nucleus-like blob: a wobbly ellipse, sometimes with a second small region."""
    import numpy as np

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    cy, cx = size / 2 + rng.uniform(-20, 20, 2)
    ry, rx = rng.uniform(70, 110, 2)
    angle = np.arctan2(yy - cy, xx - cx)
    wobble = 1 + 0.06 * np.sin(3 * angle + rng.uniform(0, 6.3)) + 0.03 * np.sin(7 * angle)
    mask = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= wobble**2
    if rng.random() < 0.3:
        mask |= (yy - cy - ry - 25) ** 2 + (xx - cx) ** 2 <= 12**2
    return mask


def instance_png_base64(mask) -> str:
    """The mask as the editor saves it: a 16-bit instance map, the blob cut into two nuclei."""
    import numpy as np

    from annotations.imaging.labels import encode_instance_map

    ids = np.where(mask, 1, 0).astype(np.uint16)
    ids[:, mask.shape[1] // 2 :][mask[:, mask.shape[1] // 2 :]] = 2
    return base64.b64encode(encode_instance_map(ids, {1: 1, 2: 1}, [1])).decode()


def grey_png_base64(mask) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(mask.astype("uint8") * 255).save(buffer, format="PNG", compress_level=6)
    return base64.b64encode(buffer.getvalue()).decode()


# ------------------------------------------------------------------------------------ in process


def bench_in_process() -> None:
    import numpy as np

    from annotations.demo import make_cell
    from annotations.imaging.masks import decode_mask, encode_mask
    from annotations.imaging.sections import resize_section

    cell = make_cell(seed=1)
    middle = cell.ri.shape[0] // 2
    mask = resize_section(cell.nucleus[middle].astype(np.float32), SIZE) > 0.5
    figure(
        "mask_codec_ms",
        median_ms(lambda: decode_mask(encode_mask(mask), mask.shape), repeat=200, warmup=20),
        "ms",
    )
    # What a save of the editor's instance map costs before the database: decode, check against
    # the label set (nucleus + cytoplasm), encode what is stored.
    from annotations.imaging.labels import encode_instance_map
    from annotations.models import Project
    from annotations.services.annotation.labelmask import label_mask_from_png
    from annotations.services.labels.presets import preset_classes

    project = Project(slug="bench", label_classes=preset_classes("nucleus-cytoplasm"))
    ids = np.where(mask, 1, 0).astype(np.uint16)
    ids[:, SIZE // 2 :][mask[:, SIZE // 2 :]] = 2
    ids[(ids == 0) & (np.indices(mask.shape)[0] > SIZE // 4)] = 3
    data = encode_instance_map(ids, {1: 1, 2: 1, 3: 2}, [1, 2])
    figure(
        "label_save_check_ms",
        median_ms(
            lambda: label_mask_from_png(project=project, shape=mask.shape, png_bytes=data),
            repeat=100,
            warmup=10,
        ),
        "ms",
    )


def bench_service(slug: str) -> None:
    """One draft save through the service plus the response state, without HTTP."""
    import numpy as np
    from django.contrib.auth import get_user_model

    from annotations.models import Membership, Project, Section
    from annotations.selectors.annotation import annotation_mine_state
    from annotations.services.annotation import annotation_save

    project = Project.objects.get(slug=slug)
    user = get_user_model().objects.create(username="service-bench")
    Membership.objects.create(project=project, user=user, role="annotator")
    section = (
        Section.objects.select_related("project", "volume", "specimen")
        .filter(project=project)
        .last()
    )
    rng = np.random.default_rng(1)
    masks = [nucleus_mask(rng) for _ in range(8)]
    state = {"base": None, "i": 0}

    def one() -> None:
        annotation = annotation_save(
            section=section,
            user=user,
            mask=masks[state["i"] % len(masks)],
            base_revision=state["base"],
            time_spent_s=1.0,
            submit=False,
            source="canvas",
        )
        annotation_mine_state(user=user, section=section, annotation=annotation, lookup=False)
        state["base"] = annotation.revision
        state["i"] += 1

    figure("save_service_ms", median_ms(one, repeat=60, warmup=5), "ms")


def queue_project(slug: str, name: str, *, specimens: int, depth: int):
    """A project of ``specimens`` × ``depth`` sections without image data, a third of them
    submitted once by someone else; (project, its sections)."""
    from annotations.models import Project, Section, Specimen, Volume

    project = Project.objects.create(slug=slug, name=name, required_annotations=3)
    rows = []
    for number in range(specimens):
        specimen = Specimen.objects.create(project=project, name=f"cell-{number:03d}")
        volume = Volume.objects.create(
            specimen=specimen, modality="ri", size_z=depth, size_y=SIZE, size_x=SIZE, data="none"
        )
        rows += [
            Section(
                volume=volume,
                project=project,
                specimen=specimen,
                z=z,
                submitted_count=1 if (z + number) % 3 == 1 else 0,
            )
            for z in range(depth)
        ]
    return project, Section.objects.bulk_create(rows, batch_size=1000)


def bench_queue(*, specimens: int = 60, depth: int = 40) -> None:
    """The work queue on a project of ``specimens`` × ``depth`` sections, a third of them
    already taken by others: ``next_section_ms`` is one Skip (the section on screen comes back
    later) plus handing out the next section, in process, as the annotate page's Skip does."""
    project, _ = queue_project("queue-bench", "Queue bench", specimens=specimens, depth=depth)
    figure("next_section_ms", queue_ms(project, "queue-bench", repeat=200), "ms")


def queue_ms(project, username: str, repeat: int) -> float:
    """Median ms of one Skip and the next section handed out, for a new annotator ``username``."""
    from django.contrib.auth import get_user_model

    from annotations.models import Membership
    from annotations.services.annotation import annotation_skip, section_offer_claim

    user = get_user_model().objects.create(username=username)
    Membership.objects.create(project=project, user=user, role="annotator")
    state = {"on_screen": None}

    def one() -> None:
        if state["on_screen"] is not None:
            annotation_skip(project=project, user=user, section_id=state["on_screen"])
        section = section_offer_claim(user=user, project=project, skip=state["on_screen"])
        state["on_screen"] = section.pk if section is not None else None

    return median_ms(one, repeat=repeat, warmup=10)


# ------------------------------------------------------------------------------------ load test


class Annotator:
    """One simulated annotator: its own session, CSRF token and keep-alive connection."""

    def __init__(self, port: int, session: tuple[str, str], slug: str, masks: list[str]):
        self.port = port
        self.session_key, self.csrf = session
        self.slug = slug
        self.masks = masks
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.base: int | None = None
        self.section_id: int | None = None
        self.count = 0

    def request(self, method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {
            "Cookie": f"sessionid={self.session_key}; csrftoken={self.csrf}",
            "X-CSRFToken": self.csrf,
            "Accept": "application/json",
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, url, body=body, headers=headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise

    def start(self) -> None:
        status, body = self.request("POST", f"/api/projects/{self.slug}/annotate/next/")
        if status != 200:
            raise SystemExit(f"next section: {status} {body[:200]!r}")
        self.section_id = json.loads(body)["section_id"]

    def save(self) -> tuple[float, str | None]:
        payload = {
            "base_revision": self.base,
            "mask_png": self.masks[self.count % len(self.masks)],
            "time_spent_s": 1.0,
            "action": "save",
        }
        body = json.dumps(payload).encode()
        started = time.perf_counter()
        try:
            status, answer = self.request(
                "PUT", f"/api/sections/{self.section_id}/annotations/mine/", body
            )
        except (OSError, http.client.HTTPException) as exc:
            return (time.perf_counter() - started) * 1000.0, f"network: {exc}"
        elapsed = (time.perf_counter() - started) * 1000.0
        self.count += 1
        if status != 200:
            return elapsed, f"{status} {answer[:160]!r}"
        self.base = json.loads(answer)["revision"]
        return elapsed, None


def run_phase(
    annotators: list[Annotator], *, seconds: float, interval: float
) -> tuple[list[float], list[str]]:
    """Every annotator saves every ``interval`` s (0: back to back) for ``seconds``."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def work(annotator: Annotator, seed: int) -> None:
        rng = random.Random(seed)
        mine, bad = [], []
        if interval:
            time.sleep(rng.uniform(0, interval))  # annotators do not all press at once
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            elapsed, error = annotator.save()
            mine.append(elapsed)
            if error:
                bad.append(error)
            if interval:
                pause = interval * rng.uniform(0.8, 1.2) - (time.perf_counter() - began)
                if pause > 0:
                    time.sleep(pause)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=work, args=(a, i)) for i, a in enumerate(annotators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def _process_tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    queue.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return pids


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server and its worker processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in _process_tree(pid):
        try:
            with open(f"/proc/{member}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    ensure_malloc_env()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--payload",
        choices=["instances", "binary"],
        default="instances",
        help="what each save sends: the editor's instance map, or a binary mask",
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="paced phase length")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between one annotator's saves"
    )
    parser.add_argument(
        "--closed-loop-seconds", type=float, default=10.0, help="0 skips the closed loop"
    )
    parser.add_argument(
        "--queue-only", action="store_true", help="only the in-process queue figure"
    )
    parser.add_argument(
        "--workers", type=int, default=min(4, os.cpu_count() or 1), help="uvicorn processes"
    )
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="cellweb-bench-annotate-") as tmp,
        throwaway_database("annotate", Path(tmp)) as database_url,
    ):
        postgres = database_url.startswith("postgres")
        server = None
        try:
            env = configure(Path(tmp), database_url)
            bench_queue()
            if args.queue_only:
                return
            bench_in_process()
            sessions, slug = seed(args.clients, sections=max(24, args.clients + 4))
            bench_service(slug)
            import numpy as np

            rng = np.random.default_rng(7)
            encode = instance_png_base64 if args.payload == "instances" else grey_png_base64
            masks = [encode(nucleus_mask(rng)) for _ in range(24)]
            port = free_port()
            from django.db import connections

            connections.close_all()
            server = start_server(env, port, args.workers)
            annotators = [
                Annotator(port, session, slug, masks[i % 3 :: 3])
                for i, session in enumerate(sessions)
            ]
            for annotator in annotators:
                annotator.start()
            run_phase(
                annotators, seconds=2.0, interval=0.5
            )  # warm-up: imports, connections, caches

            single, _ = run_phase(annotators[:1], seconds=3.0, interval=0.05)
            cpu_before = server_cpu_seconds(server.pid)
            latencies, errors = run_phase(annotators, seconds=args.seconds, interval=args.interval)
            cpu_per_save = (
                (server_cpu_seconds(server.pid) - cpu_before) * 1000.0 / max(1, len(latencies))
            )
            print(
                f"{args.clients} annotators, one save every ~{args.interval:g} s each for {args.seconds:g} s, "
                f"{args.workers} uvicorn worker(s), {os.cpu_count()} cores, "
                f"{'PostgreSQL' if postgres else 'SQLite'}, {len(latencies)} saves, "
                f"load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            figure("save_p50_ms", statistics.median(latencies), "ms")
            figure("save_p95_ms", percentile(latencies, 95), "ms")
            figure("save_p99_ms", percentile(latencies, 99), "ms")
            figure("save_errors", len(errors), "errors")
            figure("save_single_client_p50_ms", statistics.median(single), "ms")
            figure("save_server_cpu_ms", cpu_per_save, "ms")
            if errors:
                print(f"first error: {errors[0]}")

            if args.closed_loop_seconds > 0:
                closed, closed_errors = run_phase(
                    annotators, seconds=args.closed_loop_seconds, interval=0.0
                )
                figure("save_closed_loop_p95_ms", percentile(closed, 95), "ms")
                figure("save_closed_loop_per_s", len(closed) / args.closed_loop_seconds, "saves/s")
                figure("save_closed_loop_errors", len(closed_errors), "errors")
        finally:
            if server is not None:
                server.terminate()
                server.wait(15)


if __name__ == "__main__":
    main()
