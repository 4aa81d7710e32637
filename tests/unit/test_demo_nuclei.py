"""Synthetic crowded fields: the nuclei exist, some touch, and annotators' versions differ a little."""

from __future__ import annotations

import numpy as np
from skimage.measure import label

from annotations.demo.nuclei import annotator_instances, nuclei_field, nuclei_image


def test_a_field_holds_the_nuclei_asked_for_and_touching_ones_merge_as_components():
    field = nuclei_field(0)
    assert field.dtype == np.uint16 and field.shape == (448, 448)
    assert set(np.unique(field)) == set(range(31))
    components = label(field > 0).max()
    assert components <= 25  # several pairs touch


def test_annotators_draw_the_same_nuclei_with_small_differences():
    maps = annotator_instances(4, n_annotators=3)
    assert [int(m.max()) for m in maps] == [30, 30, 30]
    first, second = maps[0] > 0, maps[1] > 0
    dice = 2 * np.count_nonzero(first & second) / (first.sum() + second.sum())
    assert 0.85 < dice < 1.0


def test_the_image_is_bright_where_the_nuclei_are():
    field = nuclei_field(2, size=128, n_nuclei=6)
    image = nuclei_image(field, seed=2)
    assert image.dtype == np.float32
    assert image[field > 0].mean() > image[field == 0].mean() + 0.5
