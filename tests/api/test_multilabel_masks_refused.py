"""A multi-label or instance mask sent to the mask APIs gets a 400 naming its values, not "nucleus"."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from annotations.models import Annotation, AnnotationRevision, Section
from tests.api.test_annotation_bad_masks import SHAPE, png_bytes
from tests.unit.test_mask_stacks import touching_disks


@pytest.fixture
def section(specimen, make_volume):
    return Section.objects.get(volume=make_volume(specimen, shape=(1, *SHAPE)))


def labels_8bit() -> np.ndarray:
    mask = np.zeros(SHAPE, np.uint8)
    mask[2:6, 2:12] = 1  # nucleus
    mask[10:15, 3:9] = 2  # cytoplasm
    return mask


def instances_16bit() -> np.ndarray:
    return touching_disks(shape=(64, 96))[22:42, 4:34].astype(np.uint16) * 300


@pytest.mark.parametrize("make", [labels_8bit, instances_16bit])
def test_a_label_mask_is_refused_with_its_values_and_nothing_is_stored(
    api, annotator, section, make
):
    labels = make()
    values, counts = np.unique(labels, return_counts=True)
    assert len(values) > 2
    response = api(annotator).put(
        f"/api/sections/{section.pk}/annotations/mine/",
        {"base_revision": None, "mask_png": base64.b64encode(png_bytes(labels)).decode()},
        format="json",
    )
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert f"found {len(values)} distinct values: " in detail
    for value, count in list(zip(values, counts, strict=True))[:5]:
        assert f"{value:,} ({count:,} pixel" in detail
    assert not Annotation.objects.exists()
    assert not AnnotationRevision.objects.exists()
