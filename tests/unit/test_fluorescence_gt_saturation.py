"""A saturated nucleus in a Hoechst field must not lift the Otsu threshold above every other
nucleus (inference/ml/stain_saturation.py, docs/fluorescence.md); the section page says how many
saturated pixels were left out."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from annotations.models import GroundTruth, Specimen
from annotations.services.volumes import volume_create
from inference.ml.fluorescence import FluorescenceGTParams, fluorescence_ground_truth
from inference.ml.metrics import dice
from inference.services.fluorescence_gt import fluorescence_gt_create
from tests.conftest import signed_in

CEILING = 65535.0  # a 16-bit camera's brightest value


def _field(*, saturate: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Nine nuclei of a Hoechst field (16-bit counts); with ``saturate`` the first one is
    imaged beyond the camera's range, its rim a ramp up to the ceiling as optics blur it."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:192, :240]
    nuclei = np.zeros(yy.shape, dtype=bool)
    first = None
    for row in (40, 96, 152):
        for col in (50, 120, 190):
            disk = (yy - row) ** 2 + (xx - col) ** 2 < 11**2
            nuclei |= disk
            first = disk if first is None else first
    stain = ndi.gaussian_filter(nuclei.astype(float), 1.5) * 3000.0
    if saturate:
        stain += ndi.gaussian_filter(first.astype(float), 1.5) * 150_000.0
    stain = stain + 300.0 + rng.normal(0, 25.0, yy.shape)
    return np.clip(stain, 0, CEILING).astype(np.float32), nuclei


@pytest.mark.parametrize("scope", ["volume", "section"])
def test_a_saturated_nucleus_keeps_the_other_nuclei_in_the_mask(scope) -> None:
    plain, nuclei = _field(saturate=False)
    saturated, _ = _field(saturate=True)
    params = FluorescenceGTParams(scope=scope)
    assert (saturated == CEILING).sum() > 100  # the plateau the camera clipped
    mask_plain, _ = fluorescence_ground_truth(plain, params)
    mask, info = fluorescence_ground_truth(saturated, params)
    assert dice(mask_plain, nuclei) > 0.9
    assert dice(mask, nuclei) > 0.9  # all nine nuclei, the saturated one included
    assert ndi.label(mask)[1] == 9
    assert info["saturated_pixels"] == int((saturated == CEILING).sum())


def test_a_field_without_a_plateau_is_thresholded_as_before() -> None:
    plain, _ = _field(saturate=False)
    _, info = fluorescence_ground_truth(plain)
    assert info["saturated_pixels"] == 0


def test_a_binary_stain_image_is_not_taken_for_saturation() -> None:
    _, nuclei = _field(saturate=False)
    binary = nuclei.astype(np.float32) * 255.0
    mask, info = fluorescence_ground_truth(binary)
    assert info["saturated_pixels"] == 0
    assert dice(mask, nuclei) > 0.95


@pytest.mark.parametrize("scope", ["volume", "section"])
def test_a_field_whose_only_nucleus_is_saturated_does_not_threshold_its_noise(scope) -> None:
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[:128, :128]
    nucleus = (yy - 64) ** 2 + (xx - 64) ** 2 < 12**2
    stain = 300.0 + ndi.gaussian_filter(nucleus.astype(float), 1.5) * 150_000.0
    stain = np.clip(stain + rng.normal(0, 25.0, yy.shape), 0, CEILING).astype(np.float32)
    mask, info = fluorescence_ground_truth(stain, FluorescenceGTParams(scope=scope))
    assert info["saturated_pixels"] > 0
    assert ndi.label(mask)[1] == 1
    assert dice(mask, nucleus) > 0.9


def test_a_stack_rescaled_and_clipped_at_one_is_not_taken_for_saturation() -> None:
    saturated, _ = _field(saturate=True)
    rescaled = np.clip(saturated / 4000.0, 0, 1).astype(np.float32)
    _, info = fluorescence_ground_truth(rescaled)
    assert info["saturated_pixels"] == 0


@pytest.mark.django_db
def test_the_section_page_says_how_many_saturated_pixels_the_threshold_left_out(
    project, reviewer
) -> None:
    stain, nuclei = _field(saturate=True)
    specimen = Specimen.objects.create(project=project, name="saturated", lab="A")
    phase = volume_create(specimen=specimen, data=nuclei.astype(np.float32), modality="phase")
    volume_create(specimen=specimen, data=stain, modality="fluorescence", channel="Hoechst")
    fluorescence_gt_create(project=project, user=reviewer)
    section = phase.sections.get()
    truth = GroundTruth.objects.get(section=section, is_current=True)

    page = signed_in(reviewer).get(f"/sections/{section.pk}/fluorescence-gt/")

    plateau = int((stain == CEILING).sum())
    assert truth.params["saturated_pixels"] == plateau
    assert f'data-role="saturated-pixels">{plateau} px' in page.content.decode()
