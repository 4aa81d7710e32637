"""Prediction with several classes and a distance output: every channel is predicted, tiled
like the rest, and each section becomes a class map whose touching nuclei are separate.

The network here is a pointwise stand-in whose outputs follow from the normalised RI of the
synthetic cells (``tests/helpers_classes``): medium 0, cytoplasm 1/3, nuclei 2/3 plus their
distance to their border. Being pointwise, its tiled maps equal its whole-field maps."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from inference.ml.data import normalise
from inference.ml.foreground import two_pass_inputs
from inference.ml.heads import HeadLayout
from inference.ml.infer import predict_volume
from inference.ml.label_output import activate_tensor
from inference.ml.predict import PredictOptions, predict_sections
from inference.ml.predict_labels import section_labels, volume_labels
from tests.helpers_classes import cell_image, touching_cell

LAYOUT = HeadLayout(n_classes=3, instance="distance")
CPU = torch.device("cpu")


class Pointwise(nn.Module):
    """Logits of background, nucleus (value 1) and cytoplasm (value 2) peaked at their
    normalised RI, and the distance read off the nuclei's brightness."""

    stride = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        centres = torch.tensor([0.0, 1.2, 1 / 3]).view(1, 3, 1, 1)
        logits = -40.0 * (x - centres) ** 2
        return torch.cat([logits, (x - 2 / 3).clamp(min=0.0)], dim=1)


def _field(cells: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    made = [touching_cell(rng)[0] for _ in range(cells)]
    instances = np.concatenate(made, axis=1)  # cells side by side: a 32 x 96 field
    return cell_image(instances)[None], instances


def test_each_section_becomes_a_class_map_with_its_touching_nuclei_apart():
    image, truth = _field(cells=1)
    maps = predict_sections(Pointwise(), image, device=CPU, input_size=32, layout=LAYOUT)
    assert maps.shape == (1, 4, 32, 32)
    options = PredictOptions()
    class_map, instances, classes = volume_labels(
        section_labels(maps, LAYOUT, [1, 2], [1], options), [1], options
    )
    expected = np.select([np.isin(truth, (1, 2)), truth == 3], [1, 2], 0)
    assert (class_map[0] == expected).mean() > 0.97
    assert classes == {1: 1, 2: 1}  # two nuclei, both of class 1
    majority = [np.bincount(instances[0][truth == n]).argmax() for n in (1, 2)]
    assert sorted(majority) == [1, 2]
    for number, found in zip((1, 2), majority, strict=True):
        assert (instances[0][truth == number] == found).mean() > 0.9


def test_large_fields_tile_every_channel():
    image, _ = _field()
    tiled = predict_volume(
        Pointwise(), image, device=CPU, input_size=32, tile_large=True, layout=LAYOUT
    )
    with torch.no_grad():
        whole = activate_tensor(Pointwise()(normalise(image[0], "ri")[None, None]), LAYOUT)
    assert tiled.shape == whole.shape == (1, 4, 32, 96)
    np.testing.assert_allclose(tiled, whole.numpy(), atol=1e-5)
    assert tiled[0, 3].max() > 0.9  # the distance channel is kept as regressed, not squashed


def test_a_binary_prediction_keeps_its_shape_and_values():
    image, _ = _field()
    model = nn.Conv2d(1, 1, kernel_size=1)
    probabilities = predict_volume(model, image, device=CPU, input_size=32, tile_large=True)
    assert probabilities.shape == (1, 32, 96)
    with torch.no_grad():
        expected = torch.sigmoid(model(normalise(image[0], "ri")[None, None]))[0, 0].numpy()
    np.testing.assert_allclose(probabilities[0], expected, atol=1e-5)


def test_a_foreground_normalised_model_predicts_on_inputs_normalised_on_its_foreground():
    """Paper 003's two passes: the model finds the foreground on the image normalised on its
    own statistics, then sees the image normalised on that foreground."""
    image, _ = _field(cells=1)
    model = Pointwise()
    maps = predict_volume(
        model, image, device=CPU, input_size=32, layout=LAYOUT, foreground_two_pass=True
    )

    def foreground(images: torch.Tensor) -> torch.Tensor:
        return 1.0 - activate_tensor(model(images), LAYOUT)[:, :1]  # 1 - P(background)

    with torch.no_grad():
        inputs = two_pass_inputs(normalise(image[0], "ri")[None, None], foreground)
        expected = activate_tensor(model(inputs), LAYOUT).numpy()
    np.testing.assert_allclose(maps, expected, atol=1e-5)
    plain = predict_volume(model, image, device=CPU, input_size=32, layout=LAYOUT)
    assert not np.allclose(maps, plain, atol=1e-3)
