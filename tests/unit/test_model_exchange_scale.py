"""A round trip keeps how a version sees a section: a phase version trained on sections resized
to its input (native crops off) and on foreground-normalised images predicts a field exactly as
before once exported and imported, instead of being tiled at native size with one pass."""

from __future__ import annotations

import numpy as np
import torch

from inference.ml.infer import field_settings
from inference.ml.nets import create_model
from inference.ml.predict import predict_sections
from inference.services.model_exchange import model_version_export, model_version_import
from inference.services.model_versions import (
    model_version_create,
    model_version_load,
    weights_payload,
)

SIZE = 32


def _predict(version, field: np.ndarray) -> np.ndarray:
    """As a prediction job predicts a version (``prediction/runner.py``)."""
    model, meta = model_version_load(version)
    settings = field_settings(meta, version.config)
    return predict_sections(
        model,
        field,
        device=torch.device("cpu"),
        input_size=settings.input_size,
        modality="phase",
        tile_large=settings.tile_large,
        foreground_two_pass=bool(version.config.get("foreground_normalise")),
    )


def test_a_resized_two_pass_phase_version_predicts_the_same_after_a_round_trip(
    project, manager, tmp_path, no_network
):
    torch.manual_seed(5)
    original = model_version_create(
        project=project,
        name="Unet16 · phase · fold 1/2",
        arch="unet16",
        weights=weights_payload(create_model("unet16"), arch="unet16", input_size=SIZE),
        config={"arch": "unet16", "input_size": SIZE, "modalities": ["phase"]}
        | {"native_crops": False, "foreground_normalise": True},
    )
    path = model_version_export(version=original, user=manager, out_path=tmp_path / "p.zip")
    imported = model_version_import(project=project, user=manager, path=path, filename="p.zip")
    assert imported.config["native_crops"] is False
    assert imported.config["foreground_normalise"] is True
    field = np.random.default_rng(3).normal(2000, 300, (1, 45, 77)).astype(np.float32)
    np.testing.assert_array_equal(_predict(imported, field), _predict(original, field))
