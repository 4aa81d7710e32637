"""Foreground normalisation (paper 003): statistics of the nuclei only, and the two passes."""

from __future__ import annotations

import pytest
import torch

from inference.ml.foreground import (
    foreground_normalise,
    two_pass_inputs,
    whole_image_normalise,
)


def _field(nuclei: int, brightness: float) -> tuple[torch.Tensor, torch.Tensor]:
    """A 32x32 image with ``nuclei`` 6x6 nuclei of varied intensity on a dark background."""
    foreground = torch.zeros(1, 1, 32, 32, dtype=torch.bool)
    image = torch.zeros(1, 1, 32, 32)
    for k in range(nuclei):
        row, col = divmod(k, 4)
        foreground[..., 8 * row : 8 * row + 6, 8 * col : 8 * col + 6] = True
        image[..., 8 * row : 8 * row + 6, 8 * col : 8 * col + 6] = brightness * (1 + 0.1 * k)
    return image, foreground


def test_the_foreground_gets_mean_zero_and_unit_spread():
    image, foreground = _field(5, brightness=3.0)
    normalised = foreground_normalise(image, foreground)
    inside = normalised[foreground]
    assert float(inside.mean()) == pytest.approx(0.0, abs=1e-5)
    assert float(inside.std(unbiased=False)) == pytest.approx(1.0, abs=1e-3)


def test_nuclei_look_the_same_in_sparse_and_crowded_fields_unlike_whole_image_normalisation():
    sparse, sparse_fg = _field(2, brightness=1.0)
    crowded, crowded_fg = _field(2, brightness=1.0)
    crowded[~crowded_fg] = 0.3  # a brighter background: the image statistics move
    first = foreground_normalise(sparse, sparse_fg)[sparse_fg]
    second = foreground_normalise(crowded, crowded_fg)[crowded_fg]
    torch.testing.assert_close(first, second)
    whole_first = whole_image_normalise(sparse)[sparse_fg]
    whole_second = whole_image_normalise(crowded)[crowded_fg]
    assert not torch.allclose(whole_first, whole_second, atol=1e-2)


def test_an_image_with_almost_no_foreground_falls_back_to_its_own_statistics():
    image, _ = _field(3, brightness=2.0)
    nothing = torch.zeros(1, 32, 32)
    torch.testing.assert_close(foreground_normalise(image, nothing), whole_image_normalise(image))


def test_two_passes_normalise_on_the_coarse_prediction():
    image, foreground = _field(4, brightness=5.0)
    seen = []

    def coarse(x: torch.Tensor) -> torch.Tensor:
        seen.append(x)
        return foreground.float() * 0.9

    result = two_pass_inputs(image, coarse)
    torch.testing.assert_close(seen[0], whole_image_normalise(image))
    torch.testing.assert_close(result, foreground_normalise(image, foreground))


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        whole_image_normalise(torch.zeros(4, 4))
    with pytest.raises(ValueError, match="does not match"):
        foreground_normalise(torch.zeros(1, 1, 4, 4), torch.zeros(2, 4, 4))
