"""The live job page's websocket: a snapshot first, then the job's events in order."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import requests
import websockets

from inference.services.training import training_job_launch
from tests.conftest import PASSWORD
from tests.fixtures_live import run_async
from tests.helpers_training import POOLED_METRICS, SINGLE_THREAD_ENV, tiny_config

pytestmark = pytest.mark.integration


def session_cookie(server, username: str) -> str:
    """Sign in through the site's login form, as a browser does, and return the Cookie header."""
    session = requests.Session()
    login_url = f"{server.url}/accounts/login/"
    # A fresh server's first request loads the whole site (torch included): on a busy host that
    # takes far longer than any later request.
    session.get(login_url, timeout=120)
    response = session.post(
        login_url,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": login_url},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


async def _collect(
    url: str, headers: dict, *, on_snapshot, timeout: float = 120.0
) -> tuple[dict, list[dict]]:
    events: list[dict] = []
    async with websockets.connect(url, additional_headers=headers, open_timeout=10) as ws:
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        on_snapshot()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
            events.append(event)
            if event["type"] == "job_status" and event["status"] in {
                "succeeded",
                "failed",
                "cancelled",
            }:
                break
    return snapshot, events


def watch_job(
    server,
    worker_factory,
    kind: str,
    job_id: int,
    *,
    worker: str = "",
    extra_env=SINGLE_THREAD_ENV,
    **collect,
):
    """Follow ``/ws/jobs/<kind>/<id>/`` as mona, start a worker (named ``worker``, by default
    ``<kind>-worker``; torch on one thread unless ``extra_env`` says otherwise) once the
    snapshot arrived, and gather every event to the final one: ``(snapshot, events, worker
    process)``."""
    headers = {"Cookie": session_cookie(server, "mona"), "Origin": server.url}
    worker = worker or f"{kind}-worker"
    workers = []
    snapshot, events = run_async(
        _collect(
            f"{server.ws_url}/ws/jobs/{kind}/{job_id}/",
            headers,
            on_snapshot=lambda: workers.append(worker_factory(name=worker, extra_env=extra_env)),
            **collect,
        )
    )
    return snapshot, events, workers[0]


def assert_succeeded(final: dict, worker) -> None:
    """The final event says the job succeeded; otherwise show the worker's log."""
    assert final["type"] == "job_status" and final["status"] == "succeeded", worker.log_text()[
        -3000:
    ]


async def _close_code(url: str, headers: dict) -> int:
    async with websockets.connect(url, additional_headers=headers, open_timeout=10) as ws:
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code
    raise AssertionError("the socket was not closed")


def test_strangers_are_turned_away_and_a_member_gets_the_snapshot_then_every_event_in_order(
    asgi_server, worker_factory, project, manager, outsider, training_cells
):
    job = training_job_launch(project=project, user=manager, config=tiny_config(epochs=3))
    url = f"{asgi_server.ws_url}/ws/jobs/training/{job.pk}/"
    origin = {"Origin": asgi_server.url}
    headers = {"Cookie": session_cookie(asgi_server, "mona"), **origin}

    assert run_async(_close_code(url, origin)) == 4403  # not signed in
    outsider_headers = {"Cookie": session_cookie(asgi_server, "otto"), **origin}
    assert run_async(_close_code(url, outsider_headers)) == 4404  # not a member
    assert (
        run_async(_close_code(f"{asgi_server.ws_url}/ws/jobs/training/{job.pk + 1000}/", headers))
        == 4404
    )
    assert (
        run_async(_close_code(f"{asgi_server.ws_url}/ws/jobs/nonsense/{job.pk}/", headers)) == 4404
    )
    started = []

    def start_worker_after_the_snapshot():
        started.append(worker_factory(name="ws-worker", extra_env=SINGLE_THREAD_ENV))

    snapshot, events = run_async(
        _collect(
            url,
            headers,
            on_snapshot=start_worker_after_the_snapshot,
        )
    )

    assert snapshot["type"] == "snapshot"
    assert snapshot["job"]["id"] == job.pk and snapshot["job"]["status"] == "queued"
    assert [f["status"] for f in snapshot["job"]["folds"]] == ["queued", "queued"]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
    assert all(s > snapshot["job"]["seq"] for s in seqs)
    for fold in (0, 1):
        epochs = [e["epoch"] for e in events if e["type"] == "epoch" and e["fold"] == fold]
        assert epochs == [1, 2, 3], (fold, epochs)
        progress = [e for e in events if e["type"] == "progress" and e["fold"] == fold]
        assert progress and all(
            set(e) >= {"epoch", "epochs", "batch", "batches", "eta_s", "loss"} for e in progress
        )
        running = [
            e
            for e in events
            if e["type"] == "fold_status" and e["fold"] == fold and e["status"] == "running"
        ]
        assert (
            running
            and running[0]["worker"].startswith("ws-worker-")
            and running[0]["device"].startswith("cpu")
        )
        first_epoch = next(
            i for i, e in enumerate(events) if e["type"] == "epoch" and e["fold"] == fold
        )
        assert events.index(running[0]) < first_epoch
    final = events[-1]
    assert final["type"] == "job_status" and final["status"] == "succeeded", started[0].log_text()[
        -2000:
    ]
    assert set(final["summary"]["metrics"]) == POOLED_METRICS

    # A reload (or a second browser) sees the same history from the database.
    again, _ = run_async(
        _snapshot_only(f"{asgi_server.ws_url}/ws/jobs/training/{job.pk}/", headers)
    )
    history = {f["index"]: [p["epoch"] for p in f["history"]] for f in again["job"]["folds"]}
    assert history == {0: [1, 2, 3], 1: [1, 2, 3]} and again["job"]["status"] == "succeeded"


async def _snapshot_only(url: str, headers: dict):
    async with websockets.connect(url, additional_headers=headers, open_timeout=10) as ws:
        return json.loads(await asyncio.wait_for(ws.recv(), 10)), None
