"""Versions trained on native crops are tiled at native resolution on every inference path.

A native-crop version (here a registry Unet16 with a 128 px input, its head rescaled so about half
of a field is foreground) predicts 320 x 448 RI and bright-field fields, larger than its input, in
tiles: through the prediction job, the proposal masks (on demand and ahead) and the virtual stain.
Stated tolerance, away from the field's borders (``MARGIN`` px, where the tiles' padding differs
from the whole image's): probabilities within ``MAX_ABS`` of the whole-image prediction at every
pixel and ``MEAN_ABS`` on average, at most ``MASK_FRACTION`` of the mask different, and no seam:
no column or row within 3 px of a tile boundary has more than ``LINE_FRACTION`` of its pixels
changed from the whole-image mask.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
import torch

from annotations.models import Specimen
from annotations.services.volumes import volume_create
from inference.ml.data import normalise
from inference.ml.engine import predict_probabilities
from inference.ml.infer import FieldSettings, field_settings, tiles_field
from inference.ml.isl import predict_stain
from inference.ml.nets import create_model
from inference.ml.predict import predict_sections
from inference.ml.tiling import tile_axis
from inference.models import PredictionResult
from inference.selectors.proposals import proposal_masks
from inference.services.model_versions import (
    model_version_create,
    model_version_load,
    weights_payload,
)
from inference.services.prediction import prediction_launch, prediction_run

CPU = torch.device("cpu")
H, W, INPUT = 320, 448, 128
MARGIN = 16
MAX_ABS, MEAN_ABS, MASK_FRACTION, LINE_FRACTION = 5e-2, 5e-4, 2e-3, 2e-2


def _field(modality: str, seed: int) -> np.ndarray:
    """Nucleus-sized disks on an uneven background: brighter RI, or darker bright-field."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:H, :W]
    disks = np.zeros((H, W), dtype=bool)
    for cy, cx, r in zip(rng.uniform(0, H, 14), rng.uniform(0, W, 14), rng.uniform(10, 30, 14)):
        disks |= (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
    if modality == "ri":
        return (1.337 + 0.03 * disks + 0.002 * rng.standard_normal((H, W))).astype(np.float32)
    background = 100 + 10 * np.sin(xx / 60.0) * np.cos(yy / 45.0)
    return (background - 40 * disks + rng.normal(0, 3, (H, W))).astype(np.float32)


def _version(project, modality: str, **config):
    """A native-crop version whose random head is rescaled (an affine map of its logits) so that
    about half of a field is above 0.5: a mask with structure for tiles and resizing to draw."""
    torch.manual_seed(0)
    network = create_model("unet16").eval()
    x = normalise(_field(modality, 0), modality)[None, None]
    with torch.no_grad():
        logits = network(x)
        scale = 4.0 / float(logits.std())
        network.head.weight.mul_(scale)
        network.head.bias.mul_(scale).sub_(float(logits.median()) * scale)
    return model_version_create(
        project=project,
        name=f"native {modality}",
        arch="unet16",
        weights=weights_payload(network, arch="unet16", input_size=INPUT),
        config={"arch": "unet16", "input_size": INPUT, "native_crops": True, **config},
        metrics={},
    )


def _whole(model, stack: np.ndarray, modality: str) -> np.ndarray:
    x = torch.stack([normalise(s, modality) for s in stack])[:, None]
    return predict_probabilities(model, x, device=CPU, batch_size=1)[:, 0].numpy()


def _assert_like_whole(mask: np.ndarray, reference: np.ndarray) -> None:
    inner = (slice(None), slice(MARGIN, H - MARGIN), slice(MARGIN, W - MARGIN))
    assert 0.2 < reference.mean() < 0.8  # structure, not one class
    assert (mask[inner] != reference[inner]).mean() <= MASK_FRACTION
    rows, cols = (tile_axis(n, INPUT, INPUT // 4, 16).boundaries for n in (H, W))
    assert len(rows) >= 2 and len(cols) >= 4
    changed = mask != reference
    # No seam: no line of changed pixels along a tile boundary (each column or row within 3 px
    # of one keeps the whole-image mask at LINE_FRACTION of its pixels or more).
    for c in cols:
        lines = changed[:, MARGIN:-MARGIN, c - 3 : c + 3].mean(axis=(0, 1))
        assert lines.max() <= LINE_FRACTION, f"seam at x={c}: {lines}"
    for r in rows:
        lines = changed[:, r - 3 : r + 3, MARGIN:-MARGIN].mean(axis=(0, 2))
        assert lines.max() <= LINE_FRACTION, f"seam at y={r}: {lines}"


def test_one_function_decides_resize_or_tiles() -> None:
    assert field_settings({"input_size": 96}, {"native_crops": True}) == FieldSettings(96, True)
    assert field_settings({}, {"input_size": 64, "native_crops": False}) == FieldSettings(64, False)
    assert field_settings(None, None) == FieldSettings(448, None)  # imported: the modality decides
    assert field_settings({}, {"task": "isl"}).tile_large is False  # trained on resized sections
    assert field_settings({}, {"task": "isl", "native_crops": True}).tile_large is True
    for modality in ("ri", "brightfield", "phase"):
        assert tiles_field(600, 900, input_size=448, modality=modality, tile_large=True)
        assert tiles_field(300, 200, input_size=448, modality=modality, tile_large=True)
        assert not tiles_field(600, 900, input_size=448, modality=modality, tile_large=False)
    assert not tiles_field(600, 900, input_size=448, modality="ri", tile_large=None)
    assert tiles_field(600, 900, input_size=448, modality="phase", tile_large=None)
    assert not tiles_field(400, 300, input_size=448, modality="phase", tile_large=None)


@pytest.mark.parametrize("modality", ["ri", "brightfield"])
def test_a_native_crop_version_tiles_predictions_and_proposals_without_seams(
    project, manager, modality, single_thread_torch
):
    version = _version(project, modality)
    specimen = Specimen.objects.create(project=project, name=f"{modality}-field")
    stack = np.stack([_field(modality, 1), _field(modality, 2)])
    volume_create(specimen=specimen, data=stack, modality=modality, voxel_size=(1.0, 0.2, 0.2))
    model, meta = model_version_load(version, device=CPU)
    whole = _whole(model, stack, modality)
    field = field_settings(meta, version.config)

    prob = predict_sections(
        model,
        stack,
        device=CPU,
        input_size=field.input_size,
        batch_size=8,
        modality=modality,
        tile_large=field.tile_large,
    )
    diff = np.abs(prob - whole)[:, MARGIN:-MARGIN, MARGIN:-MARGIN]
    assert diff.max() <= MAX_ABS and diff.mean() <= MEAN_ABS, (diff.max(), diff.mean())
    resized = predict_sections(
        model, stack, device=CPU, input_size=INPUT, modality=modality, tile_large=False
    )
    assert np.abs(resized - whole).mean() > 40 * MEAN_ABS  # squashing would be another picture
    _assert_like_whole(prob > 0.5, whole > 0.5)

    masks = proposal_masks(model, meta, version, stack, modality=modality, device=CPU)
    _assert_like_whole(masks, whole > 0.5)

    prediction = prediction_launch(
        project=project, user=manager, queue=False, model_version_id=version.pk, min_voxels=1
    )
    prediction = prediction_run(prediction_id=prediction.pk, device="cpu")
    assert prediction.status == "succeeded", prediction.error
    result = PredictionResult.objects.get(prediction=prediction)
    with result.labels.open("rb") as fh:
        labels = tifffile.imread(io.BytesIO(fh.read()))
    _assert_like_whole(labels.reshape(stack.shape) > 0, whole > 0.5)


def test_a_native_crop_stain_version_tiles_the_virtual_stain(project, single_thread_torch) -> None:
    version = _version(project, "brightfield", task="isl")
    model, meta = model_version_load(version, device=CPU)
    field = field_settings(meta, version.config)
    image = _field("brightfield", 3)
    stain = predict_stain(
        model,
        image,
        device=CPU,
        input_size=field.input_size,
        modality="brightfield",
        tile_large=field.tile_large,
    )
    with torch.no_grad():
        whole = model(normalise(image, "brightfield")[None, None])[0, 0].numpy()
    scale = float(np.abs(whole).mean())
    diff = np.abs(stain - whole)[MARGIN:-MARGIN, MARGIN:-MARGIN] / scale
    assert diff.max() <= 10 * MAX_ABS and diff.mean() <= 10 * MEAN_ABS, (diff.max(), diff.mean())
