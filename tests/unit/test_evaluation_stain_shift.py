"""Against fluorescence ground truth derived from a shifted stain, the band the stain leaves was
not imaged: a prediction is scored inside the imaged part only, the edge of that part counts as
the section's border does, and the evaluation names the shift used."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import GroundTruth, Specimen
from annotations.services.volumes import volume_create
from inference.ml.fluorescence import FluorescenceGTParams
from inference.models import SectionResult
from inference.services.fluorescence_gt import fluorescence_gt_create, stain_shift_set
from tests.conftest import signed_in
from tests.helpers_evaluation import run_evaluation

SIZE = 96
# The last nucleus ends at column 93: inside the section, across the edge (column 93) of the
# part a stain shifted three columns left still covers.
CENTRES = [(30, 30), (60, 50), (30, 70), (70, 84)]


def nuclei(offset=(0, 0), centres=CENTRES) -> np.ndarray:
    yy, xx = np.mgrid[:SIZE, :SIZE]
    mask = np.zeros((SIZE, SIZE), bool)
    for y, x in centres:
        mask |= (yy - y - offset[0]) ** 2 + (xx - x - offset[1]) ** 2 < 9**2
    return mask


def test_the_band_a_shifted_stain_leaves_is_not_scored(project, manager, reviewer):
    rng = np.random.default_rng(3)
    image = (100.0 + 900.0 * nuclei() + rng.normal(0, 5, (SIZE, SIZE))).astype(np.float32)
    stain = (100.0 + 900.0 * nuclei((2, 3)) + rng.normal(0, 5, (SIZE, SIZE))).astype(np.float32)
    specimen = Specimen.objects.create(project=project, name="shifted", lab="A")
    volume = volume_create(specimen=specimen, data=image, modality="phase")
    stained = volume_create(specimen=specimen, data=stain, modality="fluorescence", channel="DAPI")
    fluorescence_gt_create(
        project=project, user=reviewer, params=FluorescenceGTParams(smoothing_sigma=0.0)
    )
    stain_shift_set(stain=stained, user=reviewer, dy=-2, dx=-3, base_version=0)

    done = run_evaluation(project, manager, specimens=[specimen], gt_source="fluorescence")

    assert done.status == "succeeded", done.error
    truth = GroundTruth.objects.get(section__volume=volume, is_current=True)
    assert truth.params["imaged_box"] == [0, SIZE - 2, 0, SIZE - 3]
    # The nucleus the imaged part's edge cuts is left out, as one the section's border cuts.
    assert truth.foreground_pixels == int(nuclei(centres=CENTRES[:-1]).sum())
    row = SectionResult.objects.get(evaluation=done, method="otsu")
    assert row.precision == pytest.approx(1.0, abs=0.01)
    assert row.recall == pytest.approx(1.0, abs=0.01)
    assert done.config["stain_shifts"] == [{"dy": -2, "dx": -3, "sections": 1}]
    page = signed_in(manager).get(f"/evaluations/{done.pk}/").content.decode()
    assert "(-2, -3) px on 1 section" in page
