"""Proposals computed ahead (the "proposals" job, run here in process) and served first by
``GET /api/sections/<id>/proposal.png``; a newer active version is never answered with an older
version's proposal; the first K annotations of a section are made without one."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command

from annotations.models import Section
from cellweb.jobs import job_execute
from inference.models import ProposalRun, StoredProposal
from inference.selectors.proposals import _computed_png
from inference.services.model_versions import model_version_activate
from tests.api.test_annotation_api import b64
from tests.conftest import signed_in
from tests.data_files import ri_stack, write_npy
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_pages import page_config
from tests.helpers_prediction import time_lapse
from tests.helpers_proposals import _empty_cache, png_mask, url  # noqa: F401 (an autouse fixture)


@pytest.fixture
def cell(project):
    project.proposals = "offered"
    project.save(update_fields=["proposals"])
    specimen, _ = time_lapse(project, "cell", times=1, shape=(4, 40, 40))
    return specimen


def run_in_process(run: ProposalRun) -> ProposalRun:
    assert job_execute("proposals", run.pk, worker="test", options={"device": "cpu"}) == (
        "succeeded"
    ), ProposalRun.objects.get(pk=run.pk).error
    return ProposalRun.objects.get(pk=run.pk)


def test_activation_queues_a_run_that_stores_what_the_endpoint_serves(
    api, annotator, manager, project, cell, queued
):
    version = tiny_model_version(project, input_size=32)
    model_version_activate(version=version, user=manager)
    run = ProposalRun.objects.get(model_version=version)
    assert run.reason == "activation" and run.status == "queued"
    model_version_activate(version=version, user=manager)  # a waiting run is enough
    assert ProposalRun.objects.filter(model_version=version).count() == 1

    run = run_in_process(run)
    assert (run.sections, run.stored) == (4, 4)
    section = Section.objects.get(volume__specimen=cell, z=2)
    stored = StoredProposal.objects.get(section=section, model_version=version)
    response = api(annotator).get(url(section))
    assert response.status_code == 200 and response["X-Model-Version"] == str(version.pk)
    assert response["X-Proposal-Source"] == "computed"
    assert response.content == bytes(stored.png)
    # What the run stored is the network's mask, as the on-demand path computes it.
    on_demand = png_mask(
        _computed_png(Section.objects.select_related("volume").get(pk=section.pk), version)
    )
    assert 0 < on_demand.sum() < on_demand.size
    assert (png_mask(response.content) == on_demand).mean() > 0.99

    # A new version: the old one's proposal is never its answer, stored or not.
    newer = tiny_model_version(project, input_size=32, seed=1, name="newer")
    model_version_activate(version=newer, user=manager)
    again = api(annotator).get(url(section))
    assert again.status_code == 200 and again["X-Model-Version"] == str(newer.pk)
    expected = png_mask(
        _computed_png(Section.objects.select_related("volume").get(pk=section.pk), newer)
    )
    assert (png_mask(again.content) == expected).mean() > 0.99
    assert ProposalRun.objects.get(model_version=newer).status == "queued"


def test_a_run_skips_what_it_cannot_propose_for_and_stops_for_a_replaced_version(
    manager, project, cell, make_volume, queued
):
    fluorescence = make_volume(cell, shape=(2, 40, 40), modality="fluorescence", time_index=5)
    version = tiny_model_version(project, input_size=32)
    model_version_activate(version=version, user=manager)
    run = run_in_process(ProposalRun.objects.get(model_version=version))
    assert run.stored == 4  # the label-free sections only
    assert not StoredProposal.objects.filter(section__volume=fluorescence).exists()

    newer = tiny_model_version(project, input_size=32, seed=1, name="newer")
    model_version_activate(version=newer, user=manager)
    stale = ProposalRun(project=project, model_version=version, reason="import")
    stale.save()
    assert run_in_process(stale).stored == 0


def test_no_run_while_the_project_shows_no_proposals_and_one_once_it_does(
    api, manager, project, queued, django_capture_on_commit_callbacks
):
    version = tiny_model_version(project, input_size=32)
    model_version_activate(version=version, user=manager)
    assert not ProposalRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).patch("/api/projects/lab/", {"proposals": "start"}, format="json")
    assert response.status_code == 200
    run = ProposalRun.objects.get()
    assert (run.reason, run.model_version) == ("settings", version)


def test_the_import_volume_command_queues_the_new_sections_proposals(
    tmp_path, media_root, manager, project, queued
):
    project.proposals = "start"
    project.save(update_fields=["proposals"])
    version = tiny_model_version(project, input_size=32)
    model_version_activate(version=version, user=manager)
    first = ProposalRun.objects.get()
    run_in_process(first)  # nothing queued yet: nothing to store

    path = write_npy(tmp_path / "cell.npy", ri_stack((3, 32, 32)))
    call_command(
        "import_volume", str(path), "--project", "lab", "--specimen", "new", "--modality", "ri",
        "--verbosity", "0",
    )  # fmt: skip
    run = ProposalRun.objects.exclude(pk=first.pk).get()
    assert run.reason == "import" and run.model_version == version
    assert run_in_process(run).stored == 3


def test_the_first_k_annotations_are_made_without_a_proposal(
    api, cast, manager, project, cell, queued
):
    annotator, second_annotator, third_annotator = cast
    version = tiny_model_version(project, input_size=32)
    model_version_activate(version=version, user=manager)
    response = api(manager).patch(
        "/api/projects/lab/", {"annotations_before_proposals": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["settings"]["annotations_before_proposals"] == 1
    assert (
        api(manager)
        .patch("/api/projects/lab/", {"annotations_before_proposals": -1}, format="json")
        .status_code
        == 400
    )

    section = Section.objects.get(volume__specimen=cell, z=2)
    refused = api(second_annotator).get(url(section))
    assert refused.status_code == 409
    assert (
        "1 annotation(s) of every section made without a model proposal" in refused.json()["detail"]
    )
    page = signed_in(second_annotator).get(f"/sections/{section.pk}/annotate/")
    assert page_config(page.content.decode())["proposal"] is None

    # A submission that started from a proposal does not count; a blank one does.
    mask = np.zeros((40, 40), dtype=bool)
    mask[10:20, 10:20] = True
    body = {"mask_png": b64(mask), "base_revision": None, "action": "submit"}
    anchored = {**body, "origin": "model", "origin_model_version": version.pk}
    put = f"/api/sections/{section.pk}/annotations/mine/"
    assert api(third_annotator).put(put, anchored, format="json").status_code == 200
    assert api(second_annotator).get(url(section)).status_code == 409
    assert api(annotator).put(put, body, format="json").status_code == 200
    assert api(second_annotator).get(url(section)).status_code == 200
    page = signed_in(second_annotator).get(f"/sections/{section.pk}/annotate/")
    assert page_config(page.content.decode())["proposal"]["mode"] == "offered"
