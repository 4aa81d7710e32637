"""Proposals computed ahead end to end: an activation queues the "proposals" job, a real Celery
worker on the gpu queue stores them, and the real ASGI server answers them from its proposal
front with the bytes and headers of the API view; a newer version is never answered with them."""

from __future__ import annotations

import pytest

from annotations.models import Membership, Section
from cellweb.celery import app as celery_app
from inference.models import ProposalRun, StoredProposal
from inference.services.model_versions import model_version_activate
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_jobs import poll_job
from tests.helpers_prediction import time_lapse
from tests.helpers_training import SINGLE_THREAD_ENV
from tests.integration.test_section_image_front import fetch, signed_in

pytestmark = pytest.mark.integration

HEADERS = (
    "Content-Type",
    "Cache-Control",
    "Vary",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "X-Model-Version",
    "X-Model-Version-Name",
    "X-Proposal-Source",
)


def test_a_worker_stores_proposals_after_activation_and_the_front_serves_them(
    asgi_server, worker_factory, project, manager, annotator, outsider
):
    celery_app.control.purge()
    project.proposals = "offered"
    project.save(update_fields=["proposals"])
    specimen, _ = time_lapse(project, "cell", times=1, shape=(4, 40, 40))
    worker = worker_factory(queues="gpu", name="proposal-worker", extra_env=SINGLE_THREAD_ENV)
    version = tiny_model_version(project, input_size=32)
    model_version_activate(version=version, user=manager)
    run = poll_job(
        ProposalRun,
        ProposalRun.objects.get(model_version=version).pk,
        timeout=120,
        failure=lambda row: f"{row.status} {row.error}\n{worker.log_text()[-3000:]}",
    )
    assert run.status == "succeeded" and run.stored == 4, run.error
    assert StoredProposal.objects.filter(model_version=version).count() == 4

    section = Section.objects.get(volume__specimen=specimen, z=2)
    path = f"/api/sections/{section.pk}/proposal.png"
    client = signed_in(annotator)
    expected = client.get(path)  # the API view, in this process
    assert expected.status_code == 200 and expected["X-Model-Version"] == str(version.pk)
    stored = StoredProposal.objects.get(section=section, model_version=version)
    assert expected.content == bytes(stored.png)
    for _ in range(2):  # through the session check, then from memory
        status, headers, body = fetch(asgi_server, path, client)
        assert status == 200 and body == expected.content
        for name in HEADERS:
            assert headers.get(name) == expected.headers.get(name), name
        assert int(headers["Content-Length"]) == len(body)
    status, headers, body = fetch(asgi_server, path, client, method="HEAD")
    assert (status, body, int(headers["Content-Length"])) == (200, b"", len(expected.content))

    # Outsiders and anonymous requests get the view's answers.
    assert fetch(asgi_server, path, signed_in(outsider))[0] == 404
    assert fetch(asgi_server, path)[0] in (401, 403)

    # A newer version, with no worker to store its proposals: computed on demand, never the old.
    worker.stop()
    newer = tiny_model_version(project, input_size=32, seed=1, name="newer")
    model_version_activate(version=newer, user=manager)
    status, headers, body = fetch(asgi_server, path, client)
    assert status == 200 and headers["X-Model-Version"] == str(newer.pk)
    assert headers["X-Proposal-Source"] == "computed"
    assert body == client.get(path).content

    # Access taken away ends at once in the server too.
    Membership.objects.filter(user=annotator).delete()
    assert fetch(asgi_server, path, client)[0] == 404
