"""Moving a stain back onto its label-free image, and estimating how far it is off."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.metrics import dice
from inference.ml.stain_shift import (
    MIN_PLAIN_PEAK_RATIO,
    estimate_stain_shift,
    imaged_box,
    shift_stain,
)
from tests.helpers_stain_shift import aligned_truth, phase_contrast_field, synthetic_field


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_confirming_the_opposite_shift_restores_the_ground_truth(seed):
    field = synthetic_field(offset=(2, 3), seed=seed)

    before = aligned_truth(field.stain, (0, 0))
    after = aligned_truth(field.stain, (-2, -3))

    assert dice(before, field.nuclei) < 0.9
    assert dice(after, field.nuclei) >= 0.97


def test_the_shifted_stain_covers_all_but_the_band_it_leaves():
    stain = np.arange(5 * 6).reshape(5, 6)

    part, box = shift_stain(stain, (-2, 3))

    assert box == (slice(0, 3), slice(3, 6))
    assert part.tolist() == stain[2:5, 0:3].tolist()
    assert imaged_box((5, 6), (0, 0)) == (slice(0, 5), slice(0, 6))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_estimate_is_exact_on_a_phase_and_hoechst_pair(seed):
    field = synthetic_field(offset=(2, 3), seed=seed)

    estimate = estimate_stain_shift(field.phase, field.stain)

    assert (estimate.dy, estimate.dx) == (-2, -3)
    assert estimate.reliable, estimate.warnings
    assert estimate.peak_ratio > MIN_PLAIN_PEAK_RATIO


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_estimate_is_flagged_on_an_ri_pair_with_a_darker_nucleus(seed):
    field = synthetic_field(offset=(2, 3), seed=seed)

    estimate = estimate_stain_shift(field.ri, field.stain)

    assert not estimate.reliable
    assert any(w.startswith("weak peak") for w in estimate.warnings)


def test_an_ri_modality_is_always_flagged_even_on_a_clean_match():
    field = synthetic_field(seed=0)

    estimate = estimate_stain_shift(field.phase, field.stain, inverted_modality=True)

    assert (estimate.dy, estimate.dx) == (-2, -3)
    assert not estimate.reliable
    assert any(w.startswith("RI tomogram") for w in estimate.warnings)


def test_inverted_contrast_and_a_large_shift_are_named_on_an_ri_tomogram():
    field = synthetic_field(offset=(20, 0), seed=1)

    estimate = estimate_stain_shift(-field.phase, field.stain, inverted_modality=True)

    assert any(w.startswith("inverted contrast") for w in estimate.warnings)
    assert any(w.startswith("large shift") for w in estimate.warnings)


@pytest.mark.parametrize("offset", [(3, -4), (-2, 5), (6, -6)])
@pytest.mark.parametrize("seed", [0, 1])
def test_the_estimate_is_exact_on_phase_contrast_with_halos_and_uneven_hoechst(offset, seed):
    phase, stain = phase_contrast_field(offset, seed)

    estimate = estimate_stain_shift(phase, stain)

    assert (estimate.dy, estimate.dx) == (-offset[0], -offset[1])
    assert estimate.reliable, estimate.warnings


def test_a_phase_contrast_field_without_hoechst_signal_is_flagged():
    phase, stain = phase_contrast_field((3, -4), 0, stained=False)

    estimate = estimate_stain_shift(phase, stain)

    assert any(w.startswith("weak peak") for w in estimate.warnings)


def test_a_saturated_nucleus_does_not_weaken_the_estimate():
    phase, stain = phase_contrast_field((3, -4), 0, saturated=True)

    estimate = estimate_stain_shift(phase, stain)

    assert (estimate.dy, estimate.dx) == (-3, 4)
    assert estimate.reliable, estimate.warnings
