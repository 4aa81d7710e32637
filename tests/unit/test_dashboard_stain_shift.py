"""Against fluorescence ground truth from a shifted stain, the dashboard compares an annotator's
drawing inside the part of the section the stain imaged only."""

from __future__ import annotations

import pytest

from annotations.selectors.review.dashboard import stain_agreement
from tests.review_support import box, disk, fluorescence_truth, sections_of, submit_all

SHAPE = (32, 32)


def test_drawing_in_the_band_the_stain_did_not_image_is_not_charged(
    specimen, make_volume, annotator
):
    section = sections_of(specimen, make_volume, shape=(1, *SHAPE))[0]
    truth = disk(SHAPE, 14, 14, 6)
    fluorescence_truth(section, truth, imaged_box=[0, 30, 0, 29])
    # The nucleus as the stain shows it, and a nucleus in the band the shifted stain left.
    submit_all(section, {annotator: truth | box(SHAPE, slice(10, 20), slice(29, 32))})

    scores = stain_agreement(section.project, annotator)["annotators"][annotator.username]

    assert scores["mean_dice_stain"] == pytest.approx(1.0)
    assert scores["pooled_dice_stain"] == pytest.approx(1.0)
