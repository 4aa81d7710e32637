"""Augmentation: geometry shared by image and mask, binary masks, the 30 % epoch rule."""

from __future__ import annotations

import torch

from inference.ml.augment import AugmentConfig, augment_batch, epoch_indices

SIZE = 64


def _blobs(batch: int = 6, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Smooth off-centre blobs (asymmetric, so flips are visible) and their thresholded masks."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(SIZE), torch.arange(SIZE), indexing="ij")
    centres = torch.randint(22, 34, (batch, 2), generator=g).float()
    r2 = (yy - centres[:, 0, None, None]) ** 2 + ((xx - centres[:, 1, None, None]) * 1.4) ** 2
    images = torch.exp(-r2 / (2 * 9.0**2)).unsqueeze(1)
    images[:, :, :10, :20] += 0.2  # an asymmetric feature
    masks = (images > 0.5).float()
    return images, masks


def test_shapes_dtype_and_binary_masks_all_augmentations() -> None:
    images, masks = _blobs(16)
    g = torch.Generator().manual_seed(1)
    out_i, out_m = augment_batch(images, masks, AugmentConfig(), g)
    assert out_i.shape == images.shape and out_m.shape == masks.shape
    assert out_i.dtype == images.dtype and out_m.dtype == masks.dtype
    assert set(out_m.unique().tolist()) <= {0.0, 1.0}
    assert not torch.equal(out_i, images)


def test_inputs_are_not_modified() -> None:
    images, masks = _blobs()
    before_i, before_m = images.clone(), masks.clone()
    augment_batch(images, masks, AugmentConfig(), torch.Generator().manual_seed(0))
    assert torch.equal(images, before_i) and torch.equal(masks, before_m)


def test_flips_are_exact_and_shared() -> None:
    images, masks = _blobs(12)
    cfg = AugmentConfig(elastic=False, enlarge_crop=False)
    out_i, out_m = augment_batch(images, masks, cfg, torch.Generator().manual_seed(2))
    kinds = set()
    for i in range(images.shape[0]):
        if torch.equal(out_i[i], images[i].flip(-1)):
            assert torch.equal(out_m[i], masks[i].flip(-1))
            kinds.add("h")
        elif torch.equal(out_i[i], images[i].flip(-2)):
            assert torch.equal(out_m[i], masks[i].flip(-2))
            kinds.add("v")
        else:
            raise AssertionError(f"sample {i} is not an exact flip")
    assert kinds == {"h", "v"}


def _agreement(out_i: torch.Tensor, out_m: torch.Tensor) -> float:
    return float(((out_i > 0.5).float() == out_m).float().mean())


def test_elastic_moves_image_and_mask_together() -> None:
    images, masks = _blobs(8)
    cfg = AugmentConfig(flips=False, enlarge_crop=False)
    out_i, out_m = augment_batch(images, masks, cfg, torch.Generator().manual_seed(3))
    # The deformation is real: pixels move...
    assert float((out_i - images).abs().max()) > 0.05
    assert not torch.equal(out_m, masks)
    # ...and the mask follows the image: re-thresholding the warped image gives the warped mask
    # except on a thin boundary band.
    assert _agreement(out_i, out_m) > 0.99


def test_elastic_with_a_wrong_mask_transform_would_be_caught() -> None:
    # Guard for the test above: masks warped independently of the image disagree clearly.
    images, masks = _blobs(8)
    cfg = AugmentConfig(flips=False, enlarge_crop=False, elastic_pairs=((5, 2),))
    out_i, _ = augment_batch(images, masks, cfg, torch.Generator().manual_seed(3))
    _, other_m = augment_batch(images, masks, cfg, torch.Generator().manual_seed(4))
    assert _agreement(out_i, other_m) < _agreement(out_i, (out_i > 0.5).float())
    assert _agreement(out_i, other_m) < 0.995


def test_enlarge_crop_zooms_image_and_mask_together() -> None:
    images, masks = _blobs(8)
    cfg = AugmentConfig(elastic=False, flips=False)
    out_i, out_m = augment_batch(images, masks, cfg, torch.Generator().manual_seed(5))
    ratio = out_m.sum(dim=(1, 2, 3)) / masks.sum(dim=(1, 2, 3))
    assert bool(((ratio > 1.2**2 * 0.85) & (ratio < 1.4**2 * 1.15)).all()), ratio
    assert _agreement(out_i, out_m) > 0.99


def test_same_seed_same_result_and_no_augmentation_when_disabled() -> None:
    images, masks = _blobs()
    a = augment_batch(images, masks, AugmentConfig(), torch.Generator().manual_seed(7))
    b = augment_batch(images, masks, AugmentConfig(), torch.Generator().manual_seed(7))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    off = AugmentConfig(elastic=False, flips=False, enlarge_crop=False)
    c = augment_batch(images, masks, off, torch.Generator().manual_seed(7))
    assert torch.equal(c[0], images) and torch.equal(c[1], masks)


def test_epoch_indices_all_plus_thirty_percent() -> None:
    n = 200
    indices, flags = epoch_indices(n, AugmentConfig(), torch.Generator().manual_seed(0))
    assert indices.shape == flags.shape == (n + 60,)
    assert int(flags.sum()) == 60
    assert sorted(indices[~flags].tolist()) == list(range(n))
    flagged = indices[flags].tolist()
    assert len(set(flagged)) == 60 and all(0 <= i < n for i in flagged)
    assert not torch.equal(indices[:n], torch.arange(n))  # shuffled
    again = epoch_indices(n, AugmentConfig(), torch.Generator().manual_seed(0))
    assert torch.equal(again[0], indices) and torch.equal(again[1], flags)


def test_epoch_indices_without_augmentation() -> None:
    off = AugmentConfig(elastic=False, flips=False, enlarge_crop=False)
    indices, flags = epoch_indices(10, off, torch.Generator().manual_seed(0))
    assert sorted(indices.tolist()) == list(range(10)) and not bool(flags.any())
    _, flags = epoch_indices(10, AugmentConfig(fraction=0.0), torch.Generator().manual_seed(0))
    assert not bool(flags.any())
