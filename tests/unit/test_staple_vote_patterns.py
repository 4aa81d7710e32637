"""STAPLE on vote-pattern counts gives exactly what SimpleITK's filter gives on the whole array."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from annotations.consensus import staple
from annotations.consensus import staple_itk as staple_module
from annotations.consensus.staple_itk import staple_vote_patterns
from annotations.demo import annotator_masks


def _itk_reference(masks: list[np.ndarray], max_iterations: int) -> dict:
    """SimpleITK's STAPLEImageFilter on the full arrays, read back without our wrapper."""
    images = [sitk.GetImageFromArray(np.asarray(m, dtype=np.uint8)) for m in masks]
    staple_filter = sitk.STAPLEImageFilter()
    staple_filter.SetForegroundValue(1)
    staple_filter.SetMaximumIterations(max_iterations)
    probability = sitk.GetArrayFromImage(staple_filter.Execute(images))
    return {
        "probability": probability,
        "sensitivity": staple_filter.GetSensitivity(),
        "specificity": staple_filter.GetSpecificity(),
        "iterations": staple_filter.GetElapsedIterations(),
    }


def _forbid_itk(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("the vote-pattern path must not call ITK here")

    monkeypatch.setattr(sitk, "STAPLEImageFilter", refuse)


def _assert_same(result, reference: dict, max_iterations: int) -> None:
    np.testing.assert_array_equal(result.mask, reference["probability"] > 0.5 + 1e-9)
    np.testing.assert_allclose(result.probability, reference["probability"], atol=1e-6)
    np.testing.assert_allclose(result.sensitivity, reference["sensitivity"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.specificity, reference["specificity"], rtol=0, atol=1e-9)
    assert result.iterations == reference["iterations"]
    assert result.converged == (reference["iterations"] < max_iterations)


@pytest.mark.parametrize("seed", range(25))
def test_vote_patterns_equal_itk_on_three_annotators_448(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    masks = annotator_masks(seed)
    reference = _itk_reference(masks, 50)
    _forbid_itk(monkeypatch)

    result = staple(masks, max_iterations=50)

    assert result.mask.shape == (448, 448)
    _assert_same(result, reference, 50)


@pytest.mark.parametrize("max_iterations", [1, 2, 5, 50])
@pytest.mark.parametrize("n_annotators", [2, 3, 5, 9])
def test_vote_patterns_equal_itk_on_random_2d_and_3d_masks(
    n_annotators: int, max_iterations: int
) -> None:
    rng = np.random.default_rng(n_annotators * 100 + max_iterations)
    for shape in [(37, 53), (6, 21, 19)]:
        masks = [rng.random(shape) < rng.uniform(0.1, 0.7) for _ in range(n_annotators)]
        reference = _itk_reference(masks, max_iterations)

        result = staple(masks, max_iterations=max_iterations)

        _assert_same(result, reference, max_iterations)


def test_a_non_converging_em_stops_at_the_same_bound_as_itk() -> None:
    rng = np.random.default_rng(3)
    noise = [rng.random((48, 48)) < 0.5 for _ in range(3)]
    reference = _itk_reference(noise, 3)
    result = staple(noise, max_iterations=3)
    assert result.iterations == 3 and not result.converged
    _assert_same(result, reference, 3)


def test_a_posterior_on_the_threshold_is_left_to_itk(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two annotators that disagree everywhere: the posterior is exactly 0.5, a tie that the
    # order of floating-point sums could move; ITK decides it.
    full = np.ones((8, 8), dtype=bool)
    masks = [full, np.zeros_like(full)]
    assert staple_vote_patterns(masks) is None
    calls = []
    real = sitk.STAPLEImageFilter

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(sitk, "STAPLEImageFilter", counting)
    result = staple(masks)
    assert calls == [1]
    assert not result.mask.any()
    np.testing.assert_allclose(result.probability, 0.5)


def test_more_annotators_than_patterns_allow_go_to_itk() -> None:
    rng = np.random.default_rng(5)
    masks = [rng.random((12, 12)) < 0.5 for _ in range(staple_module._MAX_PATTERN_RATERS + 1)]
    assert staple_vote_patterns(masks) is None
    reference = _itk_reference(masks, 20)
    _assert_same(staple(masks, max_iterations=20), reference, 20)


def test_engine_itk_is_the_filter_itself_and_unknown_engines_are_refused() -> None:
    masks = annotator_masks(4)
    reference = _itk_reference(masks, 50)
    _assert_same(staple(masks, engine="itk"), reference, 50)
    with pytest.raises(ValueError, match="engine"):
        staple(masks, engine="numpy")
