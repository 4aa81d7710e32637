"""Model import of a bioimage.io package: the test tensors each format requires (a 0.4 package
without them is refused, a 0.5 one is stored marked unverified) and the name it gives itself."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import torch
from django.core.management import call_command

from cellweb.errors import InvalidInput
from inference.ml.export_bioimageio import write_package
from inference.ml.nets import create_model
from inference.models import ModelVersion
from inference.selectors.model_versions import model_version_public
from inference.services.model_exchange import model_version_import

UNVERIFIED = (
    "no test tensors: the import could not check that this package reproduces its own output"
)
# A format 0.4 description of the same network; {name} and {tests} are filled in per test.
RDF_04 = """format_version: 0.4.10
type: model
name: {name}
description: A nucleus segmentation trained elsewhere.
authors: [{{name: mona}}]
cite: [{{text: U-Net, doi: 10.1007/978-3-319-24574-4_28}}]
license: CC-BY-4.0
documentation: README.md
covers: [cover.png]
timestamp: 2024-01-01T00:00:00
inputs:
  - {{name: ri, axes: bcyx, data_type: float32, data_range: [-.inf, .inf],
     shape: {{min: [1, 1, 16, 16], step: [0, 0, 16, 16]}}}}
outputs:
  - {{name: nucleus, axes: bcyx, data_type: float32, data_range: [0, 1],
     shape: {{reference_tensor: ri, scale: [1, 1, 1, 1], offset: [0, 0, 0, 0]}}}}
{tests}weights:
  pytorch_state_dict:
    source: weights.pt
    architecture: inference.ml.nets.create_model
    kwargs: {{name: unet16, in_channels: 1, out_channels: 1}}
"""
TESTS_04 = "test_inputs: [test_input.npy]\ntest_outputs: [test_output.npy]\n"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    torch.manual_seed(5)
    out = tmp_path_factory.mktemp("pkg") / "fold.zip"
    return write_package(
        model=create_model("unet16").eval(),
        arch="unet16",
        input_size=32,
        name="Unet16 · job 3 · fold 2/2",
        out_path=out,
        provenance={"provenance": "trained"},
    )


def _repack(src: Path, dest: Path, *, drop=(), rdf=None) -> Path:
    """``src`` without the entries in ``drop``, its rdf.yaml passed through ``rdf``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info)
            if info.filename == "rdf.yaml" and rdf is not None:
                data = rdf(data.decode()).encode()
            zout.writestr(info.filename, data)
    return dest


def _format_04(exported: Path, dest: Path, *, name: str, tests: str = TESTS_04) -> Path:
    return _repack(
        exported,
        dest,
        drop=("weights_torchscript.pt",),
        rdf=lambda _: RDF_04.format(name=name, tests=tests),
    )


def _without_test_tensors(text: str) -> str:
    return re.sub(r"    test_tensor:\n      source: \S+\n      sha256: \S+\n", "", text)


def _import(project, manager, path: Path) -> ModelVersion:
    return model_version_import(project=project, user=manager, path=path, filename=path.name)


def _nothing_stored(media: Path, before: list[Path]) -> bool:
    after = sorted(media.rglob("*")) if media.exists() else []
    return not ModelVersion.objects.exists() and after == before


# -- test tensors


@pytest.mark.parametrize(
    ("tests", "missing"),
    [
        ("", "test_inputs and no test_outputs"),
        ("test_inputs: [test_input.npy]\n", "test_outputs"),
        ("test_inputs: []\ntest_outputs: []\n", "test_inputs and no test_outputs"),
    ],
    ids=["neither", "no-outputs", "empty-lists"],
)
def test_a_format_04_package_without_test_tensors_is_refused_naming_them_and_nothing_stored(
    exported, project, manager, tmp_path, settings, tests, missing
):
    bad = _format_04(exported, tmp_path / "old.zip", name="Nuclei 2019", tests=tests)
    media = Path(settings.MEDIA_ROOT)
    before = sorted(media.rglob("*")) if media.exists() else []
    with pytest.raises(InvalidInput, match=f"format 0.4.10\\) names no {missing}; format 0.4"):
        _import(project, manager, bad)
    assert _nothing_stored(media, before)


def test_a_format_05_package_without_test_tensors_is_stored_marked_unverified(
    exported, project, manager, tmp_path
):
    bare = _repack(
        exported,
        tmp_path / "bare.zip",
        drop=("test_input.npy", "test_output.npy"),
        rdf=_without_test_tensors,
    )
    assert "test_tensor" not in zipfile.ZipFile(bare).read("rdf.yaml").decode()
    version = _import(project, manager, bare)
    assert version.origin["unverified"] == UNVERIFIED
    assert model_version_public(version)["unverified"] == UNVERIFIED
    text = io.StringIO()
    call_command("import_model", str(bare), "--project", project.slug, stdout=text)
    assert f"Unverified: {UNVERIFIED}." in text.getvalue()


def test_a_package_with_only_its_input_test_tensor_names_the_output_it_lacks(
    exported, project, manager, tmp_path
):
    def drop_output_tensor(text: str) -> str:
        head, tail = text.split("outputs:", 1)
        return f"{head}outputs:{_without_test_tensors(tail)}"

    half = _repack(
        exported, tmp_path / "half.zip", drop=("test_output.npy",), rdf=drop_output_tensor
    )
    version = _import(project, manager, half)
    assert version.origin["unverified"] == (
        "no test tensor for “nucleus_probability”: the import could not check that this "
        "package reproduces its own output"
    )


def test_packages_with_their_test_tensors_are_not_marked_unverified(
    exported, project, manager, tmp_path
):
    new = _import(project, manager, exported)
    old = _import(project, manager, _format_04(exported, tmp_path / "old.zip", name="Nuclei"))
    assert "unverified" not in new.origin and "unverified" not in old.origin
    assert model_version_public(new)["unverified"] is None


# -- the name


@pytest.mark.parametrize(
    "name", ["Nuclei U-Net fold 2/2", "HeLa (phase) / fold 2", "nuclei fold 2"]
)
def test_a_format_04_package_keeps_its_name_as_written(exported, project, manager, tmp_path, name):
    version = _import(project, manager, _format_04(exported, tmp_path / "old.zip", name=name))
    assert version.name == f"Unet16 · imported · {name}"
    assert version.origin["package_name"] == name


def test_a_cellweb_export_imports_under_the_versions_own_name(exported, project, manager):
    version = _import(project, manager, exported)
    assert version.name == "Unet16 · imported · Unet16 · job 3 · fold 2/2"


def test_a_package_renamed_after_export_keeps_its_new_name(exported, project, manager, tmp_path):
    renamed = _repack(
        exported,
        tmp_path / "renamed.zip",
        rdf=lambda t: t.replace("name: Unet16 job 3 fold 2 2", "name: Lab B nuclei v2"),
    )
    assert _import(project, manager, renamed).name == "Unet16 · imported · Lab B nuclei v2"
