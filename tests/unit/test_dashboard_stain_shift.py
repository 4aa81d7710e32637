"""Against fluorescence ground truth from a shifted stain, the dashboard compares an annotator's
drawing inside the part of the section the stain imaged only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth
from annotations.selectors.review.dashboard import stain_agreement
from tests.review_support import box, disk, sections_of, submit_all

SHAPE = (32, 32)


def test_drawing_in_the_band_the_stain_did_not_image_is_not_charged(
    specimen, make_volume, annotator
):
    section = sections_of(specimen, make_volume, shape=(1, *SHAPE))[0]
    truth = disk(SHAPE, 14, 14, 6)
    GroundTruth.objects.create(
        section=section,
        source="fluorescence",
        version=1,
        mask_png=encode_mask(truth),
        foreground_pixels=int(truth.sum()),
        params={"quality": None, "stain_signal": True, "imaged_box": [0, 30, 0, 29]},
        confirmed_at=timezone.now(),
        is_current=True,
    )
    # The nucleus as the stain shows it, and a nucleus in the band the shifted stain left.
    submit_all(section, {annotator: truth | box(SHAPE, slice(10, 20), slice(29, 32))})

    scores = stain_agreement(section.project)["annotators"][annotator.username]

    assert scores["mean_dice_stain"] == pytest.approx(1.0)
    assert scores["pooled_dice_stain"] == pytest.approx(1.0)
