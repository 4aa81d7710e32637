"""Consensus of annotators: majority vote, STAPLE (SimpleITK), agreement and disagreement."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from annotations.consensus import (
    consensus,
    dice,
    disagreement_map,
    jaccard,
    majority_vote,
    pairwise_agreement,
    staple,
)
from annotations.demo import annotator_masks
from tests.helpers_masks import bool_grid

# Three 4x4 annotations drawn by hand; the expected results below are counted by hand too.
A = bool_grid("0110", "0110", "0000", "0000")
B = bool_grid("0111", "0110", "0000", "0000")
C = bool_grid("0010", "0010", "0010", "0000")


def _itk_staple(masks: list[np.ndarray], max_iterations: int):
    images = [sitk.GetImageFromArray(m.astype(np.uint8)) for m in masks]
    staple_filter = sitk.STAPLEImageFilter()
    staple_filter.SetForegroundValue(1)
    staple_filter.SetMaximumIterations(max_iterations)
    probability = sitk.GetArrayFromImage(staple_filter.Execute(images))
    return (
        probability,
        staple_filter.GetSensitivity(),
        staple_filter.GetSpecificity(),
        staple_filter.GetElapsedIterations(),
    )


# --- overlap scores ---------------------------------------------------------------------------


def test_dice_and_jaccard_on_hand_counted_masks() -> None:
    # |A| = 4, |B| = 5, |A∩B| = 4, |A∪B| = 5
    assert dice(A, B) == pytest.approx(8 / 9)
    assert jaccard(A, B) == pytest.approx(4 / 5)
    # |A| = 4, |C| = 3, |A∩C| = 2, |A∪C| = 5
    assert dice(A, C) == pytest.approx(4 / 7)
    assert jaccard(A, C) == pytest.approx(2 / 5)


def test_both_empty_is_perfect_agreement_and_one_empty_is_none() -> None:
    empty = np.zeros((4, 4), dtype=bool)
    assert dice(empty, empty) == 1.0
    assert jaccard(empty, empty) == 1.0
    assert dice(A, empty) == 0.0
    assert jaccard(empty, A) == 0.0


def test_non_boolean_masks_use_nonzero_as_foreground() -> None:
    assert dice(A.astype(np.uint8) * 255, B.astype(np.int32)) == pytest.approx(8 / 9)


# --- majority vote and disagreement -----------------------------------------------------------


def test_majority_vote_on_hand_counted_masks() -> None:
    expected = np.array(
        [
            [0, 1, 1, 0],  # column 1: A, B (2 of 3); column 2: all; column 3: B only
            [0, 1, 1, 0],
            [0, 0, 0, 0],  # C alone at (2, 2)
            [0, 0, 0, 0],
        ],
        dtype=bool,
    )
    result = majority_vote([A, B, C])
    assert result.dtype == np.bool_
    np.testing.assert_array_equal(result, expected)


def test_majority_vote_tie_with_even_count_goes_to_background() -> None:
    # A and C agree on (0, 2), (1, 2); they split 1-1 on (0, 1), (1, 1), (2, 2).
    expected = A & C
    np.testing.assert_array_equal(majority_vote([A, C]), expected)
    # Four annotators: 2 of 4 is a tie (background), 3 of 4 is a majority.
    four = majority_vote([A, B, C, np.zeros_like(A)])
    np.testing.assert_array_equal(
        four, (A.astype(int) + B + C >= 3)
    )  # only pixels marked by A, B and C


def test_majority_vote_works_on_3d_stacks() -> None:
    stack = [np.stack([A, B]), np.stack([B, B]), np.stack([C, A])]
    result = majority_vote(stack)
    assert result.shape == (2, 4, 4)
    np.testing.assert_array_equal(result[0], majority_vote([A, B, C]))
    np.testing.assert_array_equal(result[1], majority_vote([B, B, A]))


def test_disagreement_map_counts_the_minority() -> None:
    expected = np.array(
        [
            [0, 1, 0, 1],  # (0,1): A,B vs C -> 1; (0,2): all agree; (0,3): B alone -> 1
            [0, 1, 0, 0],
            [0, 0, 1, 0],  # C alone
            [0, 0, 0, 0],
        ],
        dtype=np.uint8,
    )
    result = disagreement_map([A, B, C])
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, expected)
    # With four annotators an even split has two in the minority.
    four = disagreement_map([A, A, C, C])
    assert four[0, 1] == 2  # A, A vs C, C
    assert four[0, 2] == 0  # all four agree


# --- pairwise agreement -----------------------------------------------------------------------


def test_pairwise_agreement_on_hand_counted_masks() -> None:
    result = pairwise_agreement([A, B, C], labels=["ann", "bob", "cat"])
    assert [(p.a, p.b) for p in result.pairs] == [("ann", "bob"), ("ann", "cat"), ("bob", "cat")]
    # |B| = 5, |C| = 3, |B∩C| = 2, |B∪C| = 6
    expected_dice = [8 / 9, 4 / 7, 4 / 8]
    expected_jaccard = [4 / 5, 2 / 5, 2 / 6]
    assert [p.dice for p in result.pairs] == pytest.approx(expected_dice)
    assert [p.jaccard for p in result.pairs] == pytest.approx(expected_jaccard)
    assert result.mean_dice == pytest.approx(np.mean(expected_dice))
    assert result.mean_jaccard == pytest.approx(np.mean(expected_jaccard))
    assert result.per_annotator_mean_dice == pytest.approx(
        {"ann": (8 / 9 + 4 / 7) / 2, "bob": (8 / 9 + 4 / 8) / 2, "cat": (4 / 7 + 4 / 8) / 2}
    )


def test_pairwise_agreement_default_labels_and_label_checks() -> None:
    result = pairwise_agreement([A, B])
    assert (result.pairs[0].a, result.pairs[0].b) == ("annotator_1", "annotator_2")
    with pytest.raises(ValueError, match="labels"):
        pairwise_agreement([A, B], labels=["only one"])
    with pytest.raises(ValueError, match="unique"):
        pairwise_agreement([A, B], labels=["x", "x"])


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call", [majority_vote, disagreement_map, pairwise_agreement, staple, consensus]
)
def test_fewer_than_two_masks_is_an_error(call) -> None:
    with pytest.raises(ValueError, match="at least 2 masks"):
        call([A])


@pytest.mark.parametrize("call", [majority_vote, disagreement_map, pairwise_agreement, staple])
def test_shape_mismatch_is_an_error(call) -> None:
    with pytest.raises(ValueError, match="same shape"):
        call([A, np.zeros((4, 5), dtype=bool)])


# --- STAPLE -----------------------------------------------------------------------------------


def test_staple_equals_simpleitk_on_random_masks_with_bounded_iterations() -> None:
    rng = np.random.default_rng(7)
    masks = [rng.random((64, 64)) < 0.4 for _ in range(3)]
    probability, sensitivity, specificity, iterations = _itk_staple(masks, max_iterations=10)

    result = staple(masks, max_iterations=10)

    np.testing.assert_allclose(result.probability, probability, atol=1e-6)
    np.testing.assert_array_equal(result.mask, probability > 0.5)
    np.testing.assert_allclose(result.sensitivity, sensitivity, atol=1e-9)
    np.testing.assert_allclose(result.specificity, specificity, atol=1e-9)
    assert result.iterations == iterations
    assert result.probability.dtype == np.float32


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_staple_equals_simpleitk_on_realistic_nucleus_disks(seed: int) -> None:
    masks = annotator_masks(seed)
    probability, sensitivity, specificity, iterations = _itk_staple(masks, max_iterations=50)

    result = staple(masks)

    np.testing.assert_array_equal(result.mask, probability > 0.5)
    np.testing.assert_allclose(result.probability, probability, atol=1e-6)
    np.testing.assert_allclose(result.sensitivity, sensitivity, atol=1e-9)
    np.testing.assert_allclose(result.specificity, specificity, atol=1e-9)
    assert result.iterations == iterations
    assert result.converged


def test_staple_reports_non_convergence_when_the_bound_stops_it() -> None:
    rng = np.random.default_rng(3)
    noise = [rng.random((48, 48)) < 0.5 for _ in range(3)]
    result = staple(noise, max_iterations=3)
    assert result.iterations == 3
    assert not result.converged


def test_staple_all_empty_does_not_call_itk(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("ITK must not be called for all-empty masks")

    monkeypatch.setattr(sitk, "STAPLEImageFilter", refuse)
    empty = np.zeros((16, 16), dtype=bool)
    result = staple([empty, empty, empty])
    assert not result.mask.any()
    assert not result.probability.any()
    assert result.sensitivity == [1.0, 1.0, 1.0]
    assert result.specificity == [1.0, 1.0, 1.0]
    assert result.converged
    # All-full masks would give ITK 0/0 (NaN) as well.
    full = np.ones((16, 16), dtype=bool)
    assert staple([full, full]).mask.all()


def test_staple_two_way_split_is_a_tie_and_goes_to_background() -> None:
    full = np.ones((8, 8), dtype=bool)
    result = staple([full, np.zeros_like(full)])
    np.testing.assert_allclose(result.probability, 0.5)
    assert not result.mask.any()


def test_staple_roi_margin_is_staple_on_the_grown_box() -> None:
    masks = annotator_masks(4)
    union = np.logical_or.reduce(masks)
    rows = np.flatnonzero(union.any(axis=1))
    cols = np.flatnonzero(union.any(axis=0))
    box = np.s_[rows[0] - 5 : rows[-1] + 6, cols[0] - 5 : cols[-1] + 6]
    probability, sensitivity, specificity, _ = _itk_staple([m[box] for m in masks], 50)

    result = staple(masks, roi_margin=5)

    np.testing.assert_allclose(result.probability[box], probability, atol=1e-6)
    outside = np.ones(union.shape, dtype=bool)
    outside[box] = False
    assert not result.probability[outside].any()
    np.testing.assert_allclose(result.sensitivity, sensitivity, atol=1e-9)
    np.testing.assert_allclose(result.specificity, specificity, atol=1e-9)


def test_staple_rejects_bad_options() -> None:
    with pytest.raises(ValueError, match="max_iterations"):
        staple([A, B], max_iterations=0)
    with pytest.raises(ValueError, match="threshold"):
        staple([A, B], threshold=1.5)


# --- one entry point --------------------------------------------------------------------------


def test_consensus_dispatches_to_majority_and_staple() -> None:
    majority = consensus([A, B, C], "majority")
    assert majority.method == "majority"
    np.testing.assert_array_equal(majority.mask, majority_vote([A, B, C]))
    assert majority.probability is None and majority.sensitivity is None

    masks = annotator_masks(5)
    by_staple = consensus(masks, "staple", max_iterations=20)
    direct = staple(masks, max_iterations=20)
    assert by_staple.method == "staple"
    np.testing.assert_array_equal(by_staple.mask, direct.mask)
    assert by_staple.sensitivity == direct.sensitivity
    assert by_staple.specificity == direct.specificity

    with pytest.raises(ValueError, match="unknown consensus method"):
        consensus([A, B], "mean")  # type: ignore[arg-type]
