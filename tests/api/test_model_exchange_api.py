"""Model exchange over the API and the models page: export, import, refusals, fine-tune field."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import torch
from django.core.files.uploadedfile import SimpleUploadedFile

from inference.ml.nets import create_model
from inference.models import ModelImportJob, ModelVersion, TrainingJob
from inference.services.model_versions import model_version_create, weights_payload
from tests.data_files import files_under
from tests.helpers_training import TINY, add_specimens


@pytest.fixture
def version(project):
    torch.manual_seed(0)
    return model_version_create(
        project=project,
        name="Unet16 · job 1 · fold 1/2",
        arch="unet16",
        weights=weights_payload(create_model("unet16"), arch="unet16", input_size=32),
        config={"input_size": 32},
    )


def _state_dict_upload(arch: str = "unet16", name: str = "weights.pt") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    torch.save(create_model(arch).state_dict(), buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def test_a_member_exports_a_version_as_a_bioimageio_zip_that_imports_back(
    api, project, annotator, manager, version, model_import
):
    response = api(annotator).get(f"/api/model-versions/{version.pk}/bioimageio/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "bioimageio.zip" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert "rdf.yaml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    upload = SimpleUploadedFile("exported.zip", data, content_type="application/zip")
    response, job = model_import(manager, project, upload)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert response.json()["url"] == f"/model-imports/{job['id']}/"
    assert job["status"] == "succeeded", job
    assert (
        job["version_url"]
        == f"/projects/{project.slug}/models/#model-version-{job['model_version']}"
    )
    assert job["result"]["verified"].startswith("test output reproduced")
    body = api(manager).get(f"/api/model-versions/{job['model_version']}/").json()
    assert body["provenance"] == "imported" and body["arch"] == "unet16"
    assert body["origin"]["format"] == "bioimageio" and body["origin"]["filename"] == "exported.zip"


def test_outsiders_cannot_export(api, outsider, version):
    assert api(outsider).get(f"/api/model-versions/{version.pk}/bioimageio/").status_code == 404


def test_a_state_dict_imports_with_its_architecture_and_only_for_managers(
    api, project, manager, annotator, model_import, media_root
):
    refused, _ = model_import(annotator, project, _state_dict_upload())
    assert refused.status_code == 403
    response, job = model_import(
        manager, project, _state_dict_upload(), arch="unet16", name="lab B"
    )
    assert response.status_code == 202, response.content
    assert job["status"] == "succeeded" and job["arch"] == "unet16" and job["name"] == "lab B"
    assert job["result"]["name"] == "Unet16 · imported · lab B"
    assert ModelVersion.objects.get(pk=job["model_version"]).created_by == manager
    assert files_under(media_root / "staging") == []


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"arch": "osnet"}, "do not fit the osnet network"),
        ({}, "does not say which network"),
        ({"arch": "resnet"}, "is not a valid choice"),
    ],
)
def test_a_file_that_does_not_fit_is_a_400_with_nothing_stored(
    api, project, manager, body, text, media_root
):
    response = api(manager).post(
        f"/api/projects/{project.slug}/model-versions/import/",
        {"file": _state_dict_upload(), **body},
        format="multipart",
    )
    assert response.status_code == 400
    assert text in response.content.decode()
    assert not ModelVersion.objects.exists() and not ModelImportJob.objects.exists()
    assert files_under(media_root / "staging") == []


def test_training_from_a_version_of_another_network_is_a_409(
    api, project, manager, make_volume, version, queued
):
    add_specimens(project, make_volume, 4, sections=2)
    response = api(manager).post(
        f"/api/projects/{project.slug}/training-jobs/",
        {**TINY, "arch": "osnet", "from_version": version.pk},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "parent_arch_mismatch"
    assert "train unet16 (not osnet)" in response.content.decode()
    assert not TrainingJob.objects.exists() and queued == []
    response = api(manager).post(
        f"/api/projects/{project.slug}/training-jobs/",
        {**TINY, "from_version": version.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["config"]["from_version"] == version.pk


# -- the models page


def test_the_models_page_offers_export_and_import_and_shows_provenance(
    client, project, manager, version, eager_tasks, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/models/").content.decode()
    assert f'href="/api/model-versions/{version.pk}/bioimageio/"' in page
    assert 'id="model-import-form"' in page and "trained from scratch" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/projects/{project.slug}/models/import/",
            {"file": _state_dict_upload(name="lab-b.pt"), "arch": "unet16"},
        )
    job = ModelImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/model-imports/{job.pk}/"
    followed = client.get(response["Location"]).content.decode()
    assert f"/ws/jobs/model_import/{job.pk}/" in followed
    assert (
        f'href="/projects/{project.slug}/models/#model-version-{job.model_version_id}"' in followed
    )
    page = client.get(f"/projects/{project.slug}/models/").content.decode()
    assert "imported from lab-b.pt" in page
    assert f'id="model-version-{job.model_version_id}"' in page


def test_a_refused_import_on_the_page_says_why_with_a_400(client, project, manager):
    client.force_login(manager)
    response = client.post(
        f"/projects/{project.slug}/models/import/",
        {"file": SimpleUploadedFile("broken.zip", b"PK\x03\x04 not really")},
    )
    assert response.status_code == 400
    assert "not a readable zip archive" in response.content.decode()
    assert not ModelVersion.objects.exists()


def test_annotators_see_no_import_form_and_cannot_post_one(client, project, annotator):
    client.force_login(annotator)
    assert (
        'id="model-import-form"'
        not in client.get(f"/projects/{project.slug}/models/").content.decode()
    )
    response = client.post(
        f"/projects/{project.slug}/models/import/", {"file": _state_dict_upload()}
    )
    assert response.status_code == 403


def test_the_training_form_fine_tunes_from_a_chosen_version(
    client, project, manager, make_volume, version, queued
):
    add_specimens(project, make_volume, 4, sections=2)
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/training/").content.decode()
    assert f'<option value="{version.pk}">{version.name} (#{version.pk}, unet16)</option>' in page
    paper = {"lr": 0.0005, "beta1": 0.5, "beta2": 0.999, "loss": "bce", "aug_fraction": 0.3}
    form = {**TINY, **paper, "gt_source": "consensus", "seed": 0}
    form |= {"arch": "osnet", "from_version": version.pk}
    refused = client.post(f"/projects/{project.slug}/training/", form)
    assert refused.status_code == 400
    assert "train unet16 (not osnet)" in refused.content.decode()
    launched = client.post(f"/projects/{project.slug}/training/", {**form, "arch": "unet16"})
    assert launched.status_code == 302
    assert TrainingJob.objects.get().config["from_version"] == version.pk


def test_a_package_without_test_tensors_is_shown_unverified_in_the_api_and_on_the_page(
    api, client, project, manager, version, model_import, django_capture_on_commit_callbacks
):
    data = b"".join(
        api(manager).get(f"/api/model-versions/{version.pk}/bioimageio/").streaming_content
    )
    bare = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(bare, "w") as zout:
        for info in zin.infolist():
            text = zin.read(info)
            if info.filename == "rdf.yaml":  # format 0.5: a tensor's test_tensor is optional
                text = re.sub(
                    rb"    test_tensor:\n      source: \S+\n      sha256: \S+\n", b"", text
                )
            if not info.filename.endswith(".npy"):
                zout.writestr(info.filename, text)
    upload = SimpleUploadedFile("bare.zip", bare.getvalue(), content_type="application/zip")
    response, job = model_import(manager, project, upload)
    assert response.status_code == 202, response.content
    note = "no test tensors: the import could not check that this package reproduces its own output"
    assert job["result"]["unverified"] == note and job["result"]["verified"] is None
    listed = api(manager).get(f"/api/projects/{project.slug}/model-versions/").json()["results"]
    assert {v["name"]: v["unverified"] for v in listed} == {
        version.name: None,
        "Unet16 · imported · Unet16 · job 1 · fold 1/2": note,
    }
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/models/").content.decode()
    assert 'data-role="unverified"' in page and note in page
    bare.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/projects/{project.slug}/models/import/",
            {"file": SimpleUploadedFile("bare.zip", bare.getvalue())},
        )
    response = client.get(response["Location"])  # its job ran as the upload's commit ended
    assert f"Unverified: {note}." in response.content.decode()
