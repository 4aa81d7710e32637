"""The in-silico-labelling pages: the launch form on the training page, its refusal without
paired fluorescence, and the job page that follows it with the PCC chart."""

from __future__ import annotations

from django.test import Client

from inference.models import TrainingJob
from tests.helpers_isl import add_stained_specimens
from tests.helpers_training import add_specimens

FORM = {
    "isl-arch": "unet16",
    "isl-folds": 2,
    "isl-epochs": 1,
    "isl-batch_size": 4,
    "isl-input_size": 32,
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_training_page_offers_managers_the_isl_form(project, manager, annotator):
    page = _client(manager).get(f"/projects/{project.slug}/training/")
    assert b'id="isl-form"' in page.content
    assert (
        b'id="isl-form"'
        not in _client(annotator).get(f"/projects/{project.slug}/training/").content
    )


def test_a_manager_launches_from_the_form_and_lands_on_the_job_page(
    project, manager, make_volume, queued
):
    add_stained_specimens(project, make_volume, 2, sections=1)
    response = _client(manager).post(f"/projects/{project.slug}/training/isl/", FORM)
    job = TrainingJob.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == f"/training-jobs/{job.pk}/"
    page = _client(manager).get(response["Location"])
    assert b"In-silico labelling job" in page.content
    assert page.context["config"]["validationMetric"] == "pcc"
    assert b"label-free/fluorescence pairs" in page.content


def test_the_form_is_refused_with_the_reason_without_paired_fluorescence(
    project, manager, make_volume
):
    add_specimens(project, make_volume, 2, sections=1)
    response = _client(manager).post(f"/projects/{project.slug}/training/isl/", FORM)
    assert response.status_code == 409
    assert "paired fluorescence" in response.content.decode()
    assert not TrainingJob.objects.exists()


def test_an_annotator_may_not_launch(project, annotator, make_volume):
    add_stained_specimens(project, make_volume, 2, sections=1)
    response = _client(annotator).post(f"/projects/{project.slug}/training/isl/", FORM)
    assert response.status_code == 403 and not TrainingJob.objects.exists()


def test_the_models_page_shows_an_isl_versions_pcc_and_offers_no_export_or_activation(
    project, manager
):
    from inference.ml.nets import create_model
    from inference.services.model_versions import model_version_create, weights_payload

    payload = weights_payload(create_model("unet16"), arch="unet16", input_size=32)
    isl = model_version_create(
        project=project, name="isl", arch="unet16", weights=payload, task="isl"
    )
    isl.metrics = {"pcc": 0.4567}
    isl.save(update_fields=["metrics"])
    segmentation = model_version_create(project=project, name="seg", arch="unet16", weights=payload)
    html = _client(manager).get(f"/projects/{project.slug}/models/").content.decode()
    isl_row = html.split(f'data-version="{isl.pk}"')[1].split("</tr>")[0]
    seg_row = html.split(f'data-version="{segmentation.pk}"')[1].split("</tr>")[0]
    assert "in-silico labelling · PCC 0.457" in isl_row
    assert 'data-role="export"' not in isl_row and "data-activate" not in isl_row
    assert 'data-role="export"' in seg_row and "data-activate" in seg_row
