"""The README of an exported package says what a user of another tool needs: at what scale the
network saw its sections, and the validation numbers it has (a final model: its job's folds')."""

from __future__ import annotations

import zipfile

import pytest
import torch

from inference.ml.bioimageio_io import PackageIO
from inference.ml.export_bioimageio import write_package
from inference.ml.heads import HeadLayout, attach_heads
from inference.ml.nets import create_model


def _readme(tmp_path, *, config: dict, metrics: dict, io: PackageIO = PackageIO()) -> str:
    torch.manual_seed(0)
    model = create_model("unet16")
    if io.recorded:
        model = attach_heads(model, io.layout)
    out = write_package(
        model=model.eval(),
        arch="unet16",
        input_size=64,
        name="Unet16 · job 4 · final (all data)",
        out_path=tmp_path / "pkg.zip",
        provenance={"provenance": "trained", "metrics": metrics, "config": config},
        io=io,
    )
    return zipfile.ZipFile(out).read("README.md").decode()


@pytest.mark.usefixtures("no_network")
def test_a_final_models_readme_gives_its_jobs_cross_validation_and_the_resize(tmp_path):
    readme = _readme(
        tmp_path,
        config={"input_size": 64, "native_crops": False},
        metrics={"cross_validation": {"dice": 0.9714, "jaccard": 0.94, "recall": 0.96}},
    )
    assert "- dice: 0.9714" in readme and "No section was held out" in readme
    assert "- none" not in readme
    assert "resized to 64 × 64 px" in readme


@pytest.mark.usefixtures("no_network")
def test_a_native_crops_models_readme_says_native_pixel_size(tmp_path):
    readme = _readme(
        tmp_path, config={"input_size": 64, "native_crops": True}, metrics={"dice": 0.8}
    )
    assert "- dice: 0.8000" in readme and "pixels pooled over the held-out sections" in readme
    assert "native pixel size" in readme and "resized" not in readme


@pytest.mark.usefixtures("no_network")
def test_a_classes_models_readme_names_its_classes_and_each_ones_dice(tmp_path):
    classes = (
        {"value": 1, "name": "nucleus", "kind": "instances"},
        {"value": 2, "name": "cytoplasm", "kind": "region"},
    )
    readme = _readme(
        tmp_path,
        config={"input_size": 64},
        metrics={
            "dice": 0.7,
            "per_class": {"nucleus": {"dice": 0.9}, "cytoplasm": {"dice": 0.5}},
        },
        io=PackageIO(layout=HeadLayout(n_classes=3), classes=classes),
    )
    assert "Unet16 segmentation (nucleus, cytoplasm) of label-free" in readme
    assert "nucleus segmentation" not in readme
    assert "the\nmean over the classes" in readme and "- dice: 0.7000" in readme
    assert "- nucleus dice: 0.9000" in readme and "- cytoplasm dice: 0.5000" in readme
