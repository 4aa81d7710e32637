"""Refractive index as stored: the Tomocube RI x 10,000 encoding is recognised and decoded once."""

import numpy as np
import torch

from annotations.imaging.ri import RI_INTEGER_SCALE, decode_ri, ri_scale
from inference.ml.data import _as_float_tensor, normalise_ri


def test_physical_ri_is_left_alone():
    ri = np.full((4, 8, 8), 1.3337, dtype=np.float32)
    assert ri_scale(ri) == 1.0
    np.testing.assert_array_equal(decode_ri(ri), ri)


def test_tomocube_integers_are_divided_by_ten_thousand():
    encoded = np.full((4, 8, 8), 13337, dtype=np.uint16)
    assert ri_scale(encoded) == RI_INTEGER_SCALE
    decoded = decode_ri(encoded)
    assert decoded.dtype == np.float32
    np.testing.assert_allclose(decoded, 1.3337, rtol=1e-6)


def test_the_median_decides_not_a_few_outliers():
    ri = np.full(10_000, 1.35, dtype=np.float32)
    ri[:100] = 20000.0  # reconstruction spikes
    assert ri_scale(ri) == 1.0


def test_training_normalisation_uses_the_same_rule():
    physical = np.full((8, 8), 1.367, dtype=np.float32)
    encoded = np.full((8, 8), 13670, dtype=np.uint16)
    np.testing.assert_allclose(normalise_ri(physical), normalise_ri(encoded), atol=1e-5)
    np.testing.assert_allclose(normalise_ri(torch.from_numpy(physical)), 1.0, atol=1e-4)


def test_empty_input_is_not_encoded():
    assert ri_scale(np.zeros((0,), dtype=np.float32)) == 1.0


def test_a_read_only_volume_is_normalised_without_touching_it(tmp_path):
    """A memory-mapped volume is read-only: the tensor made from it owns a copy (writing to a
    tensor over read-only memory is undefined), and the file is unchanged."""
    path = tmp_path / "ri.npy"
    np.save(path, np.full((2, 8, 8), 1.36, dtype=np.float32))
    mapped = np.load(path, mmap_mode="r")

    tensor = _as_float_tensor(mapped[0])
    assert not np.shares_memory(tensor.numpy(), mapped)
    tensor.add_(1.0)
    assert float(tensor[0, 0]) == np.float32(1.36) + 1
    assert float(np.load(path)[0, 0, 0]) == np.float32(1.36)
    np.testing.assert_allclose(normalise_ri(mapped[0]).numpy(), (1.36 - 1.337) / 0.03, rtol=1e-4)
