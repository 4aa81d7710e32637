"""Model import runs a package's test input through the network and compares the result with
its test output: a CellWeb export comes back verified, a package whose test output differs (or
whose network cannot run its test input) is refused with the difference or the reason and
nothing stored, and test tensors of the wrong shape are still refused."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from cellweb.errors import InvalidInput
from inference.models import ModelImportJob, ModelVersion
from inference.selectors.model_versions import model_version_public
from inference.services.model_exchange import model_version_import
from tests.data_files import files_under
from tests.unit.test_model_exchange import SIZE, _npy, _version

TOLERANCE = "|difference| ≤ 0.001 + 0.001 × |expected|"
# A format 0.4 description whose input may be 8 × 8, which no CellWeb network can run.
RDF_04_SMALL = """format_version: 0.4.10
type: model
name: Nuclei at 8 pixels
description: A nucleus segmentation trained elsewhere.
authors: [{name: mona}]
cite: [{text: U-Net, doi: 10.1007/978-3-319-24574-4_28}]
license: CC-BY-4.0
documentation: README.md
covers: [cover.png]
timestamp: 2024-01-01T00:00:00
inputs:
  - {name: ri, axes: bcyx, data_type: float32, data_range: [-.inf, .inf],
     shape: {min: [1, 1, 8, 8], step: [0, 0, 8, 8]}}
outputs:
  - {name: nucleus, axes: bcyx, data_type: float32, data_range: [0, 1],
     shape: {reference_tensor: ri, scale: [1, 1, 1, 1], offset: [0, 0, 0, 0]}}
test_inputs: [test_input.npy]
test_outputs: [test_output.npy]
weights:
  pytorch_state_dict:
    source: weights.pt
    architecture: inference.ml.nets.create_model
    kwargs: {name: unet16, in_channels: 1, out_channels: 1}
"""


@pytest.fixture
def exported(project, tmp_path) -> Path:
    """A version of ``project`` written by the export_model command."""
    version = _version(project, seed=4)
    out = tmp_path / "exported.zip"
    call_command("export_model", "--model-version", str(version.pk), "--out", str(out))
    return out


def _with_test_tensor(src: Path, dest: Path, member: str, edit, *, rdf=None) -> Path:
    """``src`` with ``member`` (a .npy) passed through ``edit`` and its SHA-256 in rdf.yaml
    updated: a package that is whole and consistent, only its test tensor says otherwise."""
    with zipfile.ZipFile(src) as zin:
        files = {info.filename: zin.read(info) for info in zin.infolist()}
    old = hashlib.sha256(files[member]).hexdigest()
    files[member] = _npy(edit(np.load(io.BytesIO(files[member]))))
    text = files["rdf.yaml"].decode() if rdf is None else rdf
    files["rdf.yaml"] = text.replace(old, hashlib.sha256(files[member]).hexdigest()).encode()
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in files.items():
            zout.writestr(name, data)
    return dest


def _tampered(output: np.ndarray) -> np.ndarray:
    output = output.copy()
    output[0, 0, 5, 7] += 0.25
    return output


def test_a_package_exported_by_export_model_round_trips_verified(
    client, project, manager, exported, eager_tasks, django_capture_on_commit_callbacks
):
    text = io.StringIO()
    call_command("import_model", str(exported), "--project", project.slug, stdout=text)
    version = ModelVersion.objects.get(provenance="imported")
    verified = version.origin["verified"]
    assert verified["values"] == SIZE * SIZE and verified["beyond_tolerance"] == 0
    assert 0 <= verified["max_abs_diff"] <= 1e-6  # the same network on the same input
    assert verified["tolerance"] == {"relative": 1e-3, "absolute": 1e-3, "per_million": 100.0}
    assert "unverified" not in version.origin
    public = model_version_public(version)
    assert public["unverified"] is None
    assert public["verified"].startswith("test output reproduced: largest absolute difference ")
    assert f"over its 1,024 values (0 beyond {TOLERANCE})" in public["verified"]
    assert f"Verified: {public['verified']}." in text.getvalue()
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/models/").content.decode()
    assert 'data-role="verified"' in page and public["verified"] in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/projects/{project.slug}/models/import/",
            {"file": SimpleUploadedFile("again.zip", exported.read_bytes())},
        )
    response = client.get(response["Location"])  # its job ran as the upload's commit ended
    again = ModelVersion.objects.filter(provenance="imported").latest("pk")
    page = response.content.decode()
    assert f"Verified: {model_version_public(again)['verified']}." in page
    assert f'href="/projects/{project.slug}/models/#model-version-{again.pk}"' in page


def test_a_package_whose_test_output_was_tampered_ends_its_job_failed_naming_the_difference(
    api,
    client,
    project,
    manager,
    exported,
    tmp_path,
    media_root,
    model_import,
    django_capture_on_commit_callbacks,
):
    bad = _with_test_tensor(exported, tmp_path / "bad.zip", "test_output.npy", _tampered)
    with pytest.raises(InvalidInput) as refused:  # what the import says, as the command says it
        model_version_import(project=project, user=manager, path=bad, filename="bad.zip")
    upload = SimpleUploadedFile("bad.zip", bad.read_bytes(), content_type="application/zip")
    response, job = model_import(manager, project, upload)
    assert response.status_code == 202, response.content  # the quick checks pass
    assert job["status"] == "failed" and job["error"] == refused.value.message
    assert "does not reproduce the package's test output" in job["error"]
    assert (
        "the largest absolute difference is 0.25 (batch 0, channel “nucleus”, y 5, x 7)"
        in (job["error"])
    )
    assert f"1 of its 1,024 values are beyond the tolerance ({TOLERANCE}" in job["error"]
    assert job["model_version"] is None and job["result"] == {}
    assert ModelImportJob.objects.get(pk=job["id"]).staged_path  # it was staged ...
    assert files_under(media_root) == []  # ... and is gone; no weights were written
    assert not ModelVersion.objects.filter(provenance="imported").exists()
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/projects/{project.slug}/models/import/",
            {"file": SimpleUploadedFile("bad.zip", bad.read_bytes())},
        )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Refused: " in page and "largest absolute difference is 0.25" in page
    assert 'id="open-version"' not in page
    assert files_under(media_root) == []
    assert not ModelVersion.objects.filter(provenance="imported").exists()


def test_a_difference_within_the_tolerance_is_verified_with_its_size(
    project, manager, exported, tmp_path
):
    def nudged(output: np.ndarray) -> np.ndarray:
        return output + np.float32(5e-4)  # below 0.001 + 0.001 × |expected| everywhere

    close = _with_test_tensor(exported, tmp_path / "close.zip", "test_output.npy", nudged)
    version = model_version_import(project=project, user=manager, path=close, filename="c.zip")
    assert version.origin["verified"]["max_abs_diff"] == pytest.approx(5e-4, rel=1e-2)
    assert version.origin["verified"]["beyond_tolerance"] == 0


@pytest.mark.parametrize(
    ("member", "shape", "message"),
    [
        ("test_output.npy", (1, 1, 16, 16), "test output is 1 × 1 × 16 × 16|do not fit"),
        ("test_input.npy", (1, 1, 7, 7), "do not fit its description"),
    ],
    ids=["output", "input"],
)
def test_test_tensors_of_the_wrong_shape_are_still_refused(
    project, manager, exported, tmp_path, member, shape, message
):
    def resized(array: np.ndarray) -> np.ndarray:
        return np.resize(array, shape).astype(np.float32)

    bad = _with_test_tensor(exported, tmp_path / "shape.zip", member, resized)
    with pytest.raises(InvalidInput, match=message):
        model_version_import(project=project, user=manager, path=bad, filename="s.zip")
    assert not ModelVersion.objects.filter(provenance="imported").exists()


def test_a_network_that_cannot_run_the_test_input_is_refused_with_the_reason(
    project, manager, exported, tmp_path, model_import
):
    def small(array: np.ndarray) -> np.ndarray:
        return array[..., :8, :8].copy()

    bad = _with_test_tensor(
        exported, tmp_path / "in.zip", "test_input.npy", small, rdf=RDF_04_SMALL
    )
    bad = _with_test_tensor(bad, tmp_path / "small.zip", "test_output.npy", small)
    upload = SimpleUploadedFile("small.zip", bad.read_bytes(), content_type="application/zip")
    response, job = model_import(manager, project, upload)
    assert response.status_code == 202, response.content
    assert job["status"] == "failed"
    assert re.search(
        r"could not run on the package's test input \(1 × 1 × 8 × 8\): "
        r"input height and width must be multiples of 16, got 8x8",
        job["error"],
    )
    assert not ModelVersion.objects.filter(provenance="imported").exists()


def test_a_test_input_over_the_limit_is_not_run_and_the_version_says_so(
    project, manager, exported, tmp_path
):
    def large(array: np.ndarray) -> np.ndarray:
        noise = np.random.default_rng(0).random((1, 1, 1040, 1040))  # 1040² > 1024²
        return (array.mean() + noise).astype(np.float32)

    big = _with_test_tensor(exported, tmp_path / "in.zip", "test_input.npy", large)
    big = _with_test_tensor(big, tmp_path / "big.zip", "test_output.npy", large)
    version = model_version_import(project=project, user=manager, path=big, filename="big.zip")
    assert "verified" not in version.origin
    assert model_version_public(version)["unverified"] == (
        "its test input (1 × 1 × 1040 × 1040) is larger than the import runs (at most 1,048,576 "
        "pixels over batch, y and x, a 1024 × 1024 section): the import could not check that "
        "this package reproduces its own output"
    )
