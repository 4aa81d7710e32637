"""Against fluorescence ground truth, which leaves out the nuclei the section's border cuts, a
prediction is scored under the same rule: a method that finds every nucleus of a crowded field,
the cut ones included, is not charged with false positives for them."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import GroundTruth, Specimen
from annotations.services.volumes import volume_create
from inference.ml.baselines import otsu
from inference.ml.fluorescence import FluorescenceGTParams
from inference.models import SectionResult, VolumeResult
from inference.services.evaluation.scoring import OTSU_PARAMS
from inference.services.fluorescence_gt import fluorescence_gt_create
from tests.helpers_evaluation import run_evaluation

SIZE = 96
# A row of touching nuclei whose first one the left border cuts, three lone ones inside and one
# the bottom border cuts.
CENTRES = [(30, 4), (30, 20), (30, 36), (70, 30), (70, 60), (50, 75), (92, 50)]


def crowded_field() -> np.ndarray:
    yy, xx = np.mgrid[:SIZE, :SIZE]
    nuclei = np.zeros((SIZE, SIZE), bool)
    for y, x in CENTRES:
        nuclei |= (yy - y) ** 2 + (xx - x) ** 2 < 9**2
    return nuclei


def test_nuclei_cut_by_the_border_are_left_out_of_both_sides(project, manager, reviewer):
    nuclei = crowded_field()
    rng = np.random.default_rng(5)
    # The phase image shows the nuclei as brightly as the stain: Otsu finds all of them.
    image = (100.0 + 900.0 * nuclei + rng.normal(0, 5, nuclei.shape)).astype(np.float32)
    specimen = Specimen.objects.create(project=project, name="crowded-field", lab="A")
    volume = volume_create(specimen=specimen, data=image, modality="phase")
    volume_create(specimen=specimen, data=image, modality="fluorescence", channel="Hoechst")
    params = FluorescenceGTParams(smoothing_sigma=0.0)
    assert fluorescence_gt_create(project=project, user=reviewer, params=params) == 1

    done = run_evaluation(project, manager, specimens=[specimen], gt_source="fluorescence")

    assert done.status == "succeeded", done.error
    truth = GroundTruth.objects.get(section__volume=volume, is_current=True)
    assert truth.params["remove_border"] is True
    found = otsu(image, **OTSU_PARAMS)
    assert found.sum() > truth.foreground_pixels + 300  # Otsu found the two cut nuclei too
    row = SectionResult.objects.get(evaluation=done, method="otsu")
    assert row.precision == pytest.approx(1.0, abs=0.01)
    assert row.recall == pytest.approx(1.0, abs=0.01)
    assert row.dice == pytest.approx(1.0, abs=0.01)
    objects = VolumeResult.objects.get(evaluation=done, method="otsu").object_metrics
    assert objects["n_gt"] == len(CENTRES) - 2
    assert objects["false_positives"] == 0 and objects["false_negatives"] == 0
