"""Model proposals: ``GET /api/sections/<id>/proposal.png`` cached under 16 clients, and the
on-demand OS-Net proposal of one 448×448 section on the CPU.

Seeds a throwaway site (SQLite in a temporary folder, or ``BENCH_DATABASE_URL``) with one
RI volume and an active OS-Net version (untrained weights: the cost is the same), then:

- ``proposal_cold_ms``: ``section_proposal`` in this process for sections nobody asked for yet
  (no stored prediction, cache miss): read the section, normalise, OS-Net at 448, threshold,
  encode the PNG, store it in the cache. The median over ``--cold`` sections, after the first
  call, which also loads the network (printed as ``proposal_first_with_load_ms``).
- ``proposals_ahead_ms_per_section``: the "proposals" job run in this process on the CPU, which
  stores the proposal of every queued section (what a gpu worker does after an activation).
- ``proposal_p95_ms_cached``: the real ASGI site under uvicorn; after one pass (the proposal
  front learns the session and keeps the stored PNGs), 16 threads (one keep-alive connection
  each) request them over and over (target ≤ 20 ms, like section images).

    .venv/bin/python bench/assist.py [--requests 800] [--clients 16] [--sections 16] [--cold 5]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import ensure_malloc_env, figure, free_port, start_server  # noqa: E402
from bench.serve import configure, load_parser, p95, run_clients, seed  # noqa: E402


def activate_osnet() -> int:
    from django.contrib.auth import get_user_model

    from annotations.models import Project
    from inference.ml.nets import create_model
    from inference.services.model_versions import (
        model_version_activate,
        model_version_create,
        weights_payload,
    )

    user = get_user_model().objects.get(username="bench")
    project = Project.objects.get(slug="bench")
    weights = weights_payload(create_model("osnet"), arch="osnet", input_size=448)
    version = model_version_create(
        project=project,
        name="OS-Net bench",
        arch="osnet",
        weights=weights,
        kind="final",
        config={"arch": "osnet", "input_size": 448, "modalities": ["ri"]},
    )
    model_version_activate(version=version, user=user)  # proposals off: no run queued
    project.proposals = "offered"
    project.save(update_fields=["proposals"])
    return version.pk


def proposals_ahead_ms(version_id: int) -> float:
    """The "proposals" job in this process on the CPU; ms per stored section."""
    from cellweb.jobs import job_execute
    from inference.models import ModelVersion, ProposalRun

    version = ModelVersion.objects.get(pk=version_id)
    run = ProposalRun(project=version.project, model_version=version, reason="activation")
    run.save()
    start = time.perf_counter()
    outcome = job_execute("proposals", run.pk, worker="bench", options={"device": "cpu"})
    elapsed = (time.perf_counter() - start) * 1000.0
    run.refresh_from_db()
    assert outcome == "succeeded" and run.stored, run.error
    return elapsed / run.stored


def cold_ms(section_ids: list[int]) -> tuple[float, float]:
    from annotations.models import Section
    from inference.selectors.proposals import section_proposal

    def one(section_id: int) -> float:
        section = Section.objects.select_related("volume", "project").get(pk=section_id)
        start = time.perf_counter()
        proposal = section_proposal(section)
        elapsed = (time.perf_counter() - start) * 1000.0
        assert proposal.source == "computed" and proposal.png.startswith(b"\x89PNG")
        return elapsed

    first = one(section_ids[0])
    return first, statistics.median(one(s) for s in section_ids[1:])


def main() -> None:
    ensure_malloc_env()
    parser = load_parser(__doc__, requests=800)
    parser.add_argument("--sections", type=int, default=16, help="sections served cached")
    parser.add_argument("--cold", type=int, default=5, help="sections computed in-process")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cellweb-bench-assist-") as tmp:
        env = configure(Path(tmp))
        z = args.sections + args.cold + 1
        cookie, sections = seed((z, 448, 448))
        version_id = activate_osnet()
        first, cold = cold_ms(sections[-(args.cold + 1) :])
        figure("proposal_first_with_load_ms", first, "ms")
        figure("proposal_cold_ms", cold, "ms")
        figure("proposals_ahead_ms_per_section", proposals_ahead_ms(version_id), "ms")

        served = sections[: args.sections]
        urls = [f"/api/sections/{sid}/proposal.png" for sid in served]
        port = free_port()
        server = start_server(env, port, args.workers)
        try:
            run_clients(port, cookie, urls, 1)  # the front learns the session and the PNGs
            cycle = urls * (args.requests // len(urls) + 1)
            latencies = run_clients(port, cookie, cycle[: args.requests], args.clients)
        finally:
            server.terminate()
            server.wait(10)
        print(f"# {len(latencies)} cached requests, median {statistics.median(latencies):.1f} ms")
        figure("proposal_p95_ms_cached", p95(latencies), "ms")


if __name__ == "__main__":
    main()
