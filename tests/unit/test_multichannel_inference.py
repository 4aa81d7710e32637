"""Multi-channel sections through the network's input: each channel normalised on its own, and
(z, c, y, x) stacks predicted (with flips for TTA) as (z, y, x) probabilities."""

from __future__ import annotations

import numpy as np
import torch

from inference.ml.data import normalise_percentile, prepare_images
from inference.ml.predict import predict_sections
from tests.unit.test_multichannel_import import bf_phase_field


def test_each_channel_is_normalised_on_its_own():
    field = bf_phase_field(size=(32, 32))  # bright-field around 1000, phase around 0-1

    x = prepare_images([field], input_size=32, modality="brightfield")

    assert x.shape == (1, 2, 32, 32)
    for c in range(2):
        torch.testing.assert_close(x[0, c], normalise_percentile(field[c]))
    single = prepare_images([field[0]], input_size=32, modality="brightfield")
    assert single.shape == (1, 1, 32, 32)
    torch.testing.assert_close(single[0, 0], x[0, 0])


def test_a_two_channel_stack_is_predicted_section_by_section_with_flips():
    torch.manual_seed(0)
    model = torch.nn.Conv2d(2, 1, kernel_size=1).eval()  # commutes with flips
    stack = np.stack([bf_phase_field(seed, size=(32, 48)) for seed in range(3)])

    plain = predict_sections(
        model, stack, device=torch.device("cpu"), input_size=32, modality="phase"
    )
    flipped = predict_sections(
        model, stack, device=torch.device("cpu"), input_size=32, tta=True, modality="phase"
    )

    assert plain.shape == (3, 32, 48)
    np.testing.assert_allclose(flipped, plain, atol=1e-5)
