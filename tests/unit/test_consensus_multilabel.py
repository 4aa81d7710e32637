"""Region classes: plurality vote and multi-label STAPLE checked against SimpleITK, per-class Dice."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from annotations.consensus import (
    class_agreement,
    majority_vote,
    multilabel_staple,
    plurality_vote,
    worst_class,
)


def _cell(shift: tuple[int, int] = (0, 0), size: int = 96) -> np.ndarray:
    """Cytoplasm (2) around a nucleus (1), moved by ``shift`` pixels."""
    yy, xx = np.mgrid[:size, :size]
    cy, cx = size / 2 + shift[0], size / 2 + shift[1]
    values = np.zeros((size, size), dtype=np.uint8)
    values[(yy - cy) ** 2 + (xx - cx) ** 2 <= 36**2] = 2
    values[(yy - cy) ** 2 + (xx - cx) ** 2 <= 16**2] = 1
    return values


def _annotators() -> list[np.ndarray]:
    maps = [_cell((0, 0)), _cell((2, -1)), _cell((-1, 3))]
    maps[2][40:50, 40:50] = 3  # one annotator marks a nucleolus
    return maps


def _itk_voting(maps: list[np.ndarray]) -> np.ndarray:
    voting = sitk.LabelVotingImageFilter()
    voting.SetLabelForUndecidedPixels(0)
    return sitk.GetArrayFromImage(voting.Execute([sitk.GetImageFromArray(m) for m in maps]))


@pytest.mark.parametrize("n_annotators", [2, 3, 4, 5])
def test_plurality_vote_equals_simpleitk_label_voting(n_annotators):
    rng = np.random.default_rng(n_annotators)
    maps = [rng.integers(0, 4, size=(40, 30), dtype=np.uint8) for _ in range(n_annotators)]
    np.testing.assert_array_equal(plurality_vote(maps), _itk_voting(maps))
    np.testing.assert_array_equal(plurality_vote(_annotators()), _itk_voting(_annotators()))


def test_a_tie_for_the_most_votes_gives_background():
    def vote(*values: int) -> int:
        return int(plurality_vote([np.full((1, 1), v, np.uint8) for v in values])[0, 0])

    assert vote(1, 2, 0) == 0
    assert vote(1, 2) == 0
    assert vote(1, 1, 2, 2) == 0
    assert vote(1, 1, 2, 0) == 1
    assert vote(3, 3, 0) == 3


def test_with_one_class_plurality_is_the_strict_majority_vote():
    rng = np.random.default_rng(0)
    for n in (2, 3, 4):
        masks = [rng.random((20, 20)) < 0.5 for _ in range(n)]
        np.testing.assert_array_equal(plurality_vote(masks), majority_vote(masks))


@pytest.mark.parametrize("iterations", [1, 50])
def test_multilabel_staple_equals_simpleitk_run_directly(iterations):
    maps = _annotators()
    result = multilabel_staple(maps, max_iterations=iterations)
    itk = sitk.MultiLabelSTAPLEImageFilter()
    itk.SetLabelForUndecidedPixels(0)
    itk.SetMaximumNumberOfIterations(iterations)
    expected = sitk.GetArrayFromImage(itk.Execute([sitk.GetImageFromArray(m) for m in maps]))
    np.testing.assert_array_equal(result.labels, expected)
    assert result.labels.dtype == np.uint8
    assert result.max_iterations == iterations
    confusion = np.asarray(itk.GetConfusionMatrix(1)).reshape(5, 4)[:4]
    np.testing.assert_allclose(result.confusion[1], confusion)


def test_staple_confusion_shows_the_annotator_who_calls_cytoplasm_background():
    truth = _cell()
    sloppy = np.where(truth == 2, 0, truth).astype(np.uint8)
    result = multilabel_staple([truth, truth.copy(), sloppy])
    np.testing.assert_array_equal(result.labels, truth)
    for matrix in result.confusion:
        np.testing.assert_allclose(matrix.sum(axis=0), 1.0)
    assert result.confusion[0][2, 2] > 0.99
    assert result.confusion[2][0, 2] > 0.99  # says background where the truth is cytoplasm


def test_staple_bounds_its_iterations_and_refuses_no_bound():
    with pytest.raises(ValueError, match="max_iterations"):
        multilabel_staple(_annotators(), max_iterations=0)


def test_class_agreement_is_the_pairwise_dice_of_each_class():
    maps = _annotators()
    agreement = class_agreement(maps, labels=["ann", "bob", "cat"])
    assert sorted(agreement) == [1, 2, 3]
    a, b = maps[0] == 1, maps[1] == 1
    expected = 2 * np.count_nonzero(a & b) / (a.sum() + b.sum())
    assert agreement[1].pairs[0].a == "ann" and agreement[1].pairs[0].b == "bob"
    assert agreement[1].pairs[0].dice == pytest.approx(expected)
    # One annotator alone drew a nucleolus: the two who did not agree with each other only.
    assert agreement[3].mean_dice == pytest.approx(1 / 3)
    assert agreement[3].per_annotator_mean_dice["cat"] == 0.0
    assert worst_class(agreement) == 3
    assert worst_class({}) is None


def test_a_class_nobody_drew_counts_as_agreement():
    agreement = class_agreement([_cell(), _cell()], classes=[1, 4])
    assert agreement[4].mean_dice == 1.0
    assert agreement[1].mean_dice == 1.0


@pytest.mark.parametrize(
    ("maps", "message"),
    [
        ([np.zeros((4, 4), np.uint8)], "at least 2"),
        ([np.zeros((4, 4), np.uint8), np.zeros((4, 5), np.uint8)], "same shape"),
        ([np.zeros((4, 4), np.uint8), np.full((4, 4), 300)], "outside 0-255"),
        ([np.zeros((4, 4)), np.zeros((4, 4))], "integers"),
    ],
)
def test_bad_class_maps_are_refused(maps, message):
    with pytest.raises(ValueError, match=message):
        plurality_vote(maps)
