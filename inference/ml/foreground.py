"""Foreground normalisation (paper 003, NuSeT), an option for training and inference.

Paper 003: "only the pixels that belong to cell nuclei (foreground) are selected to calculate
mean and standard deviation of pixel intensities" and "the training images were normalized by
subtracting the foreground mean value and dividing by the foreground standard deviation".
Whole-image statistics change with how crowded a field is; the nuclei's own statistics do not.

"Since no label is provided during inference, foreground normalization requires two passes":
the image is first normalised on its own statistics and a coarse model predicts the foreground,
then the image is normalised on that foreground and the final model sees it
(:func:`two_pass_inputs`). In training the annotated foreground is used directly.

Images are (N, C, H, W) float tensors; statistics are per image, over all channels.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["foreground_normalise", "two_pass_inputs", "whole_image_normalise"]

_EPS = 1e-6
# Fewer foreground pixels than this give no stable standard deviation: use the whole image.
MIN_FOREGROUND_PIXELS = 16


def _check_images(images: Tensor) -> None:
    if images.ndim != 4:
        raise ValueError(f"images must be (N, C, H, W), got {tuple(images.shape)}")


def _normalise(images: Tensor, weights: Tensor) -> Tensor:
    """(x - mean) / std per image, the statistics taken over pixels where ``weights`` is 1."""
    count = weights.sum(dim=(1, 2, 3), keepdim=True)
    mean = (images * weights).sum(dim=(1, 2, 3), keepdim=True) / count
    variance = (((images - mean) ** 2) * weights).sum(dim=(1, 2, 3), keepdim=True) / count
    return (images - mean) / (variance.sqrt() + _EPS)


def whole_image_normalise(images: Tensor) -> Tensor:
    """Each image minus its mean, over its standard deviation."""
    _check_images(images)
    images = images.float()
    return _normalise(images, torch.ones_like(images))


def foreground_normalise(images: Tensor, foreground: Tensor) -> Tensor:
    """Each image normalised on the mean and standard deviation of its ``foreground`` pixels.

    ``foreground`` is (N, 1, H, W) or (N, H, W), non-zero on nuclei (the annotation in training,
    a coarse prediction at inference). An image with fewer than 16 foreground pixels is
    normalised on all its pixels instead.
    """
    _check_images(images)
    images = images.float()
    mask = foreground if foreground.ndim == 4 else foreground.unsqueeze(1)
    if mask.shape[0] != images.shape[0] or mask.shape[-2:] != images.shape[-2:]:
        raise ValueError(
            f"foreground {tuple(foreground.shape)} does not match images {tuple(images.shape)}"
        )
    weights = (mask != 0).to(images.dtype).expand_as(images)
    enough = weights.sum(dim=(1, 2, 3), keepdim=True) >= MIN_FOREGROUND_PIXELS * images.shape[1]
    weights = torch.where(enough, weights, torch.ones_like(weights))
    return _normalise(images, weights)


def two_pass_inputs(
    images: Tensor,
    coarse_foreground: Callable[[Tensor], Tensor],
    *,
    threshold: float = 0.5,
) -> Tensor:
    """Inputs for a model trained on foreground-normalised images.

    ``coarse_foreground`` maps whole-image-normalised images to foreground probabilities
    (N, 1, H, W), e.g. ``engine.predict_probabilities`` of a model trained with whole-image
    normalisation; pixels above ``threshold`` are the foreground of the second pass.
    """
    coarse = coarse_foreground(whole_image_normalise(images))
    return foreground_normalise(images, coarse.to(images.device) > threshold)
