"""Grouped cross-validation folds and section preparation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.ml.augment import AugmentConfig
from inference.ml.data import (
    RI_CENTER,
    RI_SCALE,
    TensorSectionDataset,
    grouped_folds,
    iterate_batches,
    normalise_percentile,
    normalise_ri,
    prepare_sections,
)


def _groups() -> list[str]:
    # 12 cells with 3-30 sections each, like the paper's 50 cells / 934 sections.
    sizes = [3, 30, 7, 12, 25, 4, 18, 9, 15, 6, 22, 11]
    return [f"cell-{i}" for i, n in enumerate(sizes) for _ in range(n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_group_in_both_train_and_validation(seed: int) -> None:
    groups = np.asarray(_groups())
    folds = grouped_folds(list(groups), 4, seed)
    assert len(folds) == 4
    all_val = np.concatenate([val for _, val in folds])
    assert sorted(all_val.tolist()) == list(range(len(groups)))  # each sample validated once
    for train, val in folds:
        assert set(groups[train]).isdisjoint(groups[val])
        assert sorted(np.concatenate([train, val]).tolist()) == list(range(len(groups)))
        assert len(val) > 0 and len(train) > 0


def test_seed_changes_the_assignment_and_is_reproducible() -> None:
    groups = _groups()
    a = grouped_folds(groups, 4, 0)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, grouped_folds(groups, 4, 0)))
    assert any(
        not all(np.array_equal(x[1], y[1]) for x, y in zip(a, grouped_folds(groups, 4, s)))
        for s in range(1, 6)
    )


def test_too_few_groups_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least 4 distinct groups"):
        grouped_folds(["a", "a", "b", "c"], 4, 0)
    with pytest.raises(ValueError, match="at least 2 folds"):
        grouped_folds(["a", "b"], 1, 0)


def test_normalisations() -> None:
    ri = np.array([[RI_CENTER, RI_CENTER + RI_SCALE]], dtype=np.float32)
    np.testing.assert_allclose(normalise_ri(ri).numpy(), [[0.0, 1.0]], atol=1e-5)
    encoded = np.round(ri * 1e4).astype(np.uint16)
    np.testing.assert_allclose(normalise_ri(encoded).numpy(), [[0.0, 1.0]], atol=2e-3)
    x = np.linspace(0, 1000, 10_000, dtype=np.float32).reshape(100, 100)
    p = normalise_percentile(x).numpy()
    assert abs(np.percentile(p, 1)) < 1e-3 and abs(np.percentile(p, 99.8) - 1) < 1e-3


def test_prepare_sections_resizes_and_keeps_masks_binary() -> None:
    rng = np.random.default_rng(0)
    images = [1.34 + 0.02 * rng.random((60, 80)), 1.34 + 0.02 * rng.random((100, 100))]
    masks = [rng.random((60, 80)) > 0.5, (rng.random((100, 100)) > 0.5).astype(np.uint8) * 255]
    x, y = prepare_sections(images, masks, input_size=32)
    assert x.shape == y.shape == (2, 1, 32, 32)
    assert x.dtype == y.dtype == torch.float32
    assert set(y.unique().tolist()) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="differ"):
        prepare_sections([images[0]], [masks[1]], input_size=32)


def test_iterate_batches_augments_only_flagged_samples() -> None:
    g = torch.Generator().manual_seed(0)
    images = torch.rand((10, 1, 16, 16), generator=g)
    masks = (images > 0.5).float()
    indices = torch.tensor([3, 1, 4, 1, 5, 9, 2])
    flags = torch.tensor([False, False, True, True, False, False, True])
    cfg = AugmentConfig(elastic=False, enlarge_crop=False)  # flips: never the identity here
    got = list(iterate_batches(images, masks, indices, flags, 3, cfg, g))
    assert [b[0].shape[0] for b in got] == [3, 3, 1]
    x = torch.cat([b[0] for b in got])
    for k, (i, flagged) in enumerate(zip(indices.tolist(), flags.tolist())):
        assert torch.equal(x[k], images[i]) != flagged
    assert torch.equal(
        images, torch.rand((10, 1, 16, 16), generator=torch.Generator().manual_seed(0))
    )
    dataset = TensorSectionDataset(images, masks)
    assert len(dataset) == 10 and len(dataset.subset([1, 2])) == 2
    assert len(list(dataset.batches(torch.arange(10), None, 4))) == 3
