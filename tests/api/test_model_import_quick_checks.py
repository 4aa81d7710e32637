"""What an upload's request checks while its manager waits (size, zip, description, network),
and what it leaves to the import's job: reading the weights, which a package of Unet64 holds by
the hundred megabytes. Each refusal says the same words wherever it is made."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from django.core.files.uploadedfile import SimpleUploadedFile

from inference.ml import import_bioimageio
from inference.ml.nets import create_model
from inference.ml.weights import WeightsError
from inference.models import ModelImportJob, ModelVersion
from tests.data_files import files_under
from tests.unit import test_model_exchange as exchange
from tests.unit.test_model_exchange import _rewrite, _without

package = exchange.package  # the fixture: a CellWeb export of Unet16 at 32 pixels


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/zip")


def _post(api, user, project, path: Path):
    return api(user).post(
        f"/api/projects/{project.slug}/model-versions/import/",
        {"file": _upload(path)},
        format="multipart",
    )


def test_the_upload_of_a_package_reads_no_weights_and_its_job_does(
    api,
    project,
    manager,
    package,
    monkeypatch,
):
    read = []
    real = import_bioimageio.read_state_dict

    def reading(data, **kwargs):
        read.append(len(data))
        return real(data, **kwargs)

    monkeypatch.setattr(import_bioimageio, "read_state_dict", reading)
    response = _post(api, manager, project, package[0])
    assert response.status_code == 202, response.content
    assert read == []  # the job (not run here) reads them


def _osnet_weights(_) -> bytes:
    buffer = io.BytesIO()
    torch.save(create_model("osnet").state_dict(), buffer)
    return buffer.getvalue()


def test_weights_swapped_in_a_package_fail_its_job_with_the_reason(
    project,
    manager,
    package,
    tmp_path,
    model_import,
    media_root,
):
    bad = _rewrite(package[0], tmp_path / "other.zip", "weights.pt", _osnet_weights)
    with pytest.raises(WeightsError) as refused:  # the words the import says it in
        import_bioimageio.read_model_file(bad)
    response, job = model_import(manager, project, _upload(bad))
    assert response.status_code == 202, response.content
    assert job["status"] == "failed" and job["error"] == str(refused.value)
    assert job["error"] == "The weights file does not match the SHA-256 in the package."
    assert not ModelVersion.objects.exists() and files_under(media_root) == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda src, dest: _without(src, dest, "weights.pt"), "lacks its weights file"),
        (
            lambda src, dest: _rewrite(src, dest, "rdf.yaml", lambda _: b"{{{ not: yaml"),
            "rdf.yaml cannot be read",
        ),
        (
            lambda src, dest: _rewrite(
                src, dest, "rdf.yaml", lambda d: d.replace(b"input_size: 32", b"input_size: big")
            ),
            "config.cellweb.input_size is “big”",
        ),
    ],
    ids=["no-weights-file", "rdf-not-yaml", "input-size-not-a-number"],
)
def test_a_package_whose_description_does_not_fit_is_still_a_400_at_once(
    api,
    project,
    manager,
    package,
    tmp_path,
    media_root,
    edit,
    message,
):
    bad = edit(package[0], tmp_path / "messy.zip")
    response = _post(api, manager, project, bad)
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert not ModelImportJob.objects.exists() and files_under(media_root / "staging") == []
