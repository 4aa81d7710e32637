"""Section-wise volume inference."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.ml.data import prepare_images
from inference.ml.engine import predict_probabilities
from inference.ml.infer import predict_volume
from inference.ml.nets import create_model

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def model() -> torch.nn.Module:
    torch.manual_seed(0)
    return create_model("osnet").eval()


def _ri_volume(shape: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (1.3337 + 0.04 * rng.random(shape)).astype(np.float32)


def test_native_shape_and_probability_range(model: torch.nn.Module) -> None:
    volume = _ri_volume((5, 50, 70))
    probs = predict_volume(model, volume, input_size=32, batch_size=2, device=CPU)
    assert probs.shape == volume.shape and probs.dtype == np.float32
    assert probs.min() >= 0.0 and probs.max() <= 1.0
    assert np.isfinite(probs).all()


def test_matches_training_preprocessing(model: torch.nn.Module) -> None:
    # At the network's size no resizing happens, so the result must equal predicting the
    # sections prepared exactly as for training.
    volume = _ri_volume((3, 32, 32), seed=1)
    probs = predict_volume(model, volume, input_size=32, batch_size=2, device=CPU)
    x = prepare_images(list(volume), input_size=32, modality="ri")
    expected = predict_probabilities(model, x, device=CPU)[:, 0].numpy()
    np.testing.assert_allclose(probs, expected, atol=1e-6)


def test_tomocube_uint16_encoding_gives_the_same_result(model: torch.nn.Module) -> None:
    volume = _ri_volume((2, 48, 48), seed=2)
    encoded = np.round(volume * 1e4).astype(np.uint16)
    a = predict_volume(model, volume, input_size=32, device=CPU)
    b = predict_volume(model, encoded, input_size=32, device=CPU)
    np.testing.assert_allclose(a, b, atol=1e-3)


def test_other_modalities_and_bad_input(model: torch.nn.Module) -> None:
    volume = np.random.default_rng(3).random((2, 40, 40)).astype(np.float32) * 4000
    probs = predict_volume(model, volume, input_size=32, device=CPU, modality="brightfield")
    assert probs.shape == volume.shape and 0.0 <= probs.min() <= probs.max() <= 1.0
    with pytest.raises(ValueError, match="z, y, x"):
        predict_volume(model, volume[0], input_size=32, device=CPU)
