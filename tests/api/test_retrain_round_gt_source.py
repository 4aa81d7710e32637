"""A round trains and scores on the ground truth the project uses: before any round, the source
the active model was trained on (or the one chosen at launch); after round 1, the series' source,
fixed like its held-out specimens. The automatic trigger counts that source only."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cellweb.errors import ConflictError
from inference.models import RetrainRound, RoundSettings
from inference.services.model_versions import model_version_activate
from inference.services.rounds import retrain_round_launch
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_training import TINY, add_specimens

pytestmark = pytest.mark.django_db(transaction=True)


def trained_on(project, manager, source: str | None):
    """An active version whose training configuration records ``source`` (none: says nothing,
    as a version imported from a file)."""
    version = tiny_model_version(project, name=f"trained on {source}")
    version.config = dict(TINY) | ({"gt_source": source} if source else {})
    version.save(update_fields=["config"])
    model_version_activate(version=version, user=manager)
    return version


def test_a_project_of_imported_masks_launches_a_round_on_them(
    api, project, manager, make_volume, queued
):
    add_specimens(project, make_volume, 4, sections=2, source="imported")
    trained_on(project, manager, "imported")

    response = api(manager).post(f"/api/projects/{project.slug}/retrain-rounds/", {}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["gt_source"] == "imported" and body["gt_source_label"] == "Imported mask"
    row = RetrainRound.objects.get()
    assert row.gt_source == "imported" and row.gt_sections == 8
    job = row.training_job
    assert job.config["gt_source"] == "imported" and job.snapshot.source == "imported"
    assert len(job.config["specimen_ids"]) == 3 and len(row.held_out) == 1
    assert "imported mask ground truth" in row.message


def test_a_consensus_model_rounds_on_consensus_beside_imported_masks(
    project, manager, make_volume, queued
):
    add_specimens(project, make_volume, 3, sections=2, source="imported", prefix="expert")
    add_specimens(project, make_volume, 4, sections=3, prefix="ours")
    trained_on(project, manager, "consensus")

    row = retrain_round_launch(project=project, user=manager)

    assert row.gt_source == "consensus" and row.gt_sections == 12
    assert row.training_job.config["gt_source"] == "consensus"


def test_a_version_that_does_not_say_rounds_on_consensus(project, manager, make_volume, queued):
    add_specimens(project, make_volume, 3, sections=2, source="imported")
    trained_on(project, manager, None)
    with pytest.raises(ConflictError, match="confirmed consensus ground truth; this project has 0"):
        retrain_round_launch(project=project, user=manager)


def test_the_first_round_fixes_the_source_for_the_series(project, manager, make_volume, queued):
    add_specimens(project, make_volume, 3, sections=2, source="imported", prefix="expert")
    add_specimens(project, make_volume, 3, sections=2, prefix="ours")
    trained_on(project, manager, "consensus")
    first = retrain_round_launch(project=project, user=manager, gt_source="imported")
    assert first.gt_source == "imported"
    first.state = "done"
    first.save(update_fields=["state"])

    with pytest.raises(ConflictError) as refused:
        retrain_round_launch(project=project, user=manager, gt_source="consensus")
    assert refused.value.code == "round_source_fixed" and refused.value.status_code == 409
    assert "round 1 fixed it" in refused.value.message
    assert RetrainRound.objects.count() == 1

    # Nothing asked: the series' source, not the active model's own.
    second = retrain_round_launch(project=project, user=manager)
    assert second.gt_source == "imported" and second.held_out_ids == first.held_out_ids
    assert second.training_job.config["gt_source"] == "imported"


def test_the_api_and_the_command_refuse_an_unknown_source_and_another_than_the_series(
    api, project, manager, make_volume, queued
):
    add_specimens(project, make_volume, 3, sections=2, source="imported")
    trained_on(project, manager, "imported")
    url = f"/api/projects/{project.slug}/retrain-rounds/"
    assert api(manager).post(url, {"gt_source": "guess"}, format="json").status_code == 400
    call_command("retrain_round", project=project.slug, gt_source="imported", stdout=None)
    RetrainRound.objects.update(state="done")
    refused = api(manager).post(url, {"gt_source": "consensus"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "round_source_fixed"
    schema = api(manager).get("/api/schema/?format=json").json()
    answer = schema["paths"]["/api/projects/{slug}/retrain-rounds/"]["post"]["responses"]["409"]
    codes = answer["content"]["application/json"]["schema"]["properties"]["code"]["enum"]
    assert {"round_source_fixed", "too_few_specimens", "round_running"} <= set(codes)
    listing = api(manager).get(url).json()
    assert [r["gt_source"] for r in listing["rounds"]] == ["imported"]


def test_the_automatic_round_counts_ground_truth_of_the_models_source_only(
    project, manager, make_volume, queued
):
    trained_on(project, manager, "imported")
    RoundSettings.objects.create(project=project, epochs=1, retrain_after_sections=12)
    add_specimens(project, make_volume, 3, sections=3, source="imported", prefix="expert")
    add_specimens(project, make_volume, 5, sections=3, prefix="ours")  # 15 consensus sections
    assert not RetrainRound.objects.exists()

    add_specimens(project, make_volume, 1, sections=3, source="imported", prefix="late")
    row = RetrainRound.objects.get()
    assert row.gt_source == "imported" and row.gt_sections == 12
    assert row.message.startswith("Launched by itself: 12 confirmed sections of imported")
