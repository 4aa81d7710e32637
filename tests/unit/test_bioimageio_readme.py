"""The README of an exported package says what a user of another tool needs: at what scale the
network saw its sections, and the validation numbers it has (a final model: its job's folds')."""

from __future__ import annotations

import zipfile

import pytest
import torch

from inference.ml.export_bioimageio import write_package
from inference.ml.nets import create_model


def _readme(tmp_path, *, config: dict, metrics: dict) -> str:
    torch.manual_seed(0)
    out = write_package(
        model=create_model("unet16").eval(),
        arch="unet16",
        input_size=64,
        name="Unet16 · job 4 · final (all data)",
        out_path=tmp_path / "pkg.zip",
        provenance={"provenance": "trained", "metrics": metrics, "config": config},
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
