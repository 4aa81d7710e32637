"""consensus_compute_for_section: inputs, majority vote, STAPLE, agreement, provenance."""

from __future__ import annotations

import io

import numpy as np
import pytest
import SimpleITK as sitk
from PIL import Image

from annotations.imaging.masks import decode_mask
from annotations.models import AuditEvent, Consensus, ConsensusMethod, ReviewAction
from annotations.services.review import (
    STAPLE_MAX_ITERATIONS,
    consensus_compute_for_section,
    consensus_recompute,
)
from cellweb.errors import ConflictError
from tests.review_support import box, jittered_disks, save_revision, sections_of, submit_all

SHAPE = (32, 32)

# Three hand-drawn rectangles (10 rows each):
#   alice: columns 0-9 (100 px), bob: columns 0-4 (50 px), carol: columns 5-14 (100 px).
# alice∩bob = 50, alice∩carol = 50, bob∩carol = 0.
ALICE = box(SHAPE, slice(0, 10), slice(0, 10))
BOB = box(SHAPE, slice(0, 10), slice(0, 5))
CAROL = box(SHAPE, slice(0, 10), slice(5, 15))


@pytest.fixture
def section(specimen, make_volume):
    return sections_of(specimen, make_volume)[0]


def _grey(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(bytes(png))))


def test_majority_vote_of_hand_drawn_masks(project, section, cast):
    project.consensus_method = ConsensusMethod.MAJORITY
    project.save()
    alice, bob, carol = cast
    submit_all(section, {alice: ALICE, bob: BOB, carol: CAROL})

    record = consensus_compute_for_section(section)

    # Columns 0-4 have alice+bob, 5-9 alice+carol, 10-14 carol alone: the majority is alice's box.
    assert record.method == "majority"
    np.testing.assert_array_equal(decode_mask(bytes(record.mask_png), SHAPE), ALICE)


def test_pairwise_agreement_of_hand_drawn_masks(project, section, cast):
    alice, bob, carol = cast
    submit_all(section, {alice: ALICE, bob: BOB, carol: CAROL})

    record = consensus_compute_for_section(section)

    pairs = {(p["a"], p["b"]): p for p in record.agreement["pairs"]}
    assert pairs[("alice", "bob")]["dice"] == pytest.approx(2 * 50 / 150)
    assert pairs[("alice", "bob")]["jaccard"] == pytest.approx(50 / 100)
    assert pairs[("alice", "carol")]["dice"] == pytest.approx(2 * 50 / 200)
    assert pairs[("alice", "carol")]["jaccard"] == pytest.approx(50 / 150)
    assert pairs[("bob", "carol")]["dice"] == 0.0
    mean_dice = (2 / 3 + 1 / 2 + 0) / 3
    assert record.agreement["mean_dice"] == pytest.approx(mean_dice)
    assert record.agreement["mean_jaccard"] == pytest.approx((1 / 2 + 1 / 3 + 0) / 3)
    assert record.annotator_stats["alice"]["mean_dice"] == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert record.annotator_stats["bob"]["mean_dice"] == pytest.approx(1 / 3)
    assert record.annotator_stats["carol"]["mean_dice"] == pytest.approx(1 / 4)
    section.refresh_from_db()
    assert section.agreement == pytest.approx(mean_dice)


def test_disagreement_map_counts_annotators_against_the_majority(section, cast):
    alice, bob, carol = cast
    submit_all(section, {alice: ALICE, bob: BOB, carol: CAROL})

    record = consensus_compute_for_section(section)

    grey = _grey(record.disagreement_png)
    assert grey.dtype == np.uint8 and grey.shape == SHAPE
    expected = np.zeros(SHAPE, dtype=np.uint8)
    expected[0:10, 0:15] = 1  # one dissenter everywhere somebody drew
    np.testing.assert_array_equal(grey, expected)


def test_dice_with_consensus_is_recorded_per_annotator(project, section, cast):
    project.consensus_method = ConsensusMethod.MAJORITY
    project.save()
    alice, bob, carol = cast
    submit_all(section, {alice: ALICE, bob: BOB, carol: CAROL})

    stats = consensus_compute_for_section(section).annotator_stats

    assert stats["alice"]["dice_consensus"] == pytest.approx(1.0)
    assert stats["bob"]["dice_consensus"] == pytest.approx(2 / 3)
    assert stats["carol"]["dice_consensus"] == pytest.approx(0.5)
    for entry in stats.values():
        assert 0.0 <= entry["sensitivity"] <= 1.0 and 0.0 <= entry["specificity"] <= 1.0


@pytest.mark.parametrize("method", [ConsensusMethod.STAPLE, ConsensusMethod.MAJORITY])
def test_a_nucleus_only_one_annotator_drew_does_not_earn_them_the_best_sensitivity(
    project, section, cast, method
):
    """Two annotators drew nothing, one a nucleus: STAPLE's truth is empty and its sensitivity
    is 0/0; the one who drew scores 0.0, as recall does in the reports, not STAPLE's 1.0."""
    project.consensus_method = method
    project.save()
    empty = np.zeros(SHAPE, dtype=bool)
    yy, xx = np.mgrid[: SHAPE[0], : SHAPE[1]]
    disk = (yy - 16) ** 2 + (xx - 16) ** 2 <= 25
    alice, bob, carol = cast
    submit_all(section, {alice: empty, bob: disk, carol: empty})
    images = [sitk.GetImageFromArray(m.astype(np.uint8)) for m in (empty, disk, empty)]
    direct = sitk.STAPLEImageFilter()
    direct.SetMaximumIterations(STAPLE_MAX_ITERATIONS)
    assert not (sitk.GetArrayFromImage(direct.Execute(images)) > 0.5).any()
    assert list(direct.GetSensitivity()) == [0.0, 1.0, 0.0]  # the estimate this replaces

    stats = consensus_compute_for_section(section).annotator_stats

    assert [stats[n]["sensitivity"] for n in ("alice", "bob", "carol")] == [1.0, 0.0, 1.0]
    assert stats["bob"]["specificity"] < 1.0 == stats["alice"]["specificity"]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", ["disks", "noise"])
def test_staple_through_the_service_equals_simpleitk_called_directly(
    project, section, cast, seed, kind
):
    project.consensus_method = ConsensusMethod.STAPLE
    project.save()
    if kind == "disks":
        masks = jittered_disks(SHAPE, 3, seed)
    else:
        rng = np.random.default_rng(seed)
        masks = [rng.random(SHAPE) < 0.4 for _ in range(3)]
    submit_all(section, dict(zip(cast, masks)))

    record = consensus_compute_for_section(section)

    images = [sitk.GetImageFromArray(m.astype(np.uint8)) for m in masks]
    direct = sitk.STAPLEImageFilter()
    direct.SetForegroundValue(1.0)
    direct.SetMaximumIterations(STAPLE_MAX_ITERATIONS)
    probability = sitk.GetArrayFromImage(direct.Execute(images))
    expected = probability > 0.5
    np.testing.assert_array_equal(decode_mask(bytes(record.mask_png), SHAPE), expected)
    for index, name in enumerate(["alice", "bob", "carol"]):
        assert record.annotator_stats[name]["sensitivity"] == pytest.approx(
            direct.GetSensitivity()[index]
        )
        assert record.annotator_stats[name]["specificity"] == pytest.approx(
            direct.GetSpecificity()[index]
        )


def test_noisy_masks_stop_at_the_staple_iteration_bound(project, section, cast):
    project.consensus_method = ConsensusMethod.STAPLE
    project.save()
    rng = np.random.default_rng(7)
    submit_all(section, {user: rng.random(SHAPE) < 0.5 for user in cast})

    record = consensus_compute_for_section(section)

    assert record.agreement["staple"]["iterations"] <= STAPLE_MAX_ITERATIONS
    assert record.agreement["staple"]["max_iterations"] == STAPLE_MAX_ITERATIONS


def test_consensus_records_method_inputs_and_time(section, cast):
    alice, bob, carol = cast
    submit_all(section, {alice: ALICE, bob: BOB, carol: CAROL})

    record = consensus_compute_for_section(section)

    assert record.method == "staple"  # the project default
    inputs = {(r.annotation.annotator.username, r.number) for r in record.inputs.all()}
    assert inputs == {("alice", 1), ("bob", 1), ("carol", 1)}
    assert record.created_at is not None and record.is_current
    event = AuditEvent.objects.get(section=section, action=ReviewAction.CONSENSUS)
    assert event.detail["consensus_id"] == record.pk
    assert event.detail["method"] == "staple"


def test_a_new_consensus_replaces_the_current_one(section, cast):
    alice, bob, carol = cast
    submit_all(section, {alice: ALICE, bob: BOB})
    first = consensus_compute_for_section(section)
    save_revision(section, carol, CAROL)

    second = consensus_compute_for_section(section)

    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert Consensus.objects.filter(section=section, is_current=True).count() == 1
    assert second.inputs.count() == 3


def test_the_latest_revision_of_each_submission_is_used(section, cast):
    alice, bob, _ = cast
    save_revision(section, alice, BOB, submit=False)
    save_revision(section, alice, ALICE)
    save_revision(section, bob, BOB)

    record = consensus_compute_for_section(section)

    numbers = {r.annotation.annotator.username: r.number for r in record.inputs.all()}
    assert numbers == {"alice": 2, "bob": 1}


def test_drafts_are_not_consensus_inputs(section, cast):
    alice, bob, carol = cast
    save_revision(section, alice, ALICE)
    save_revision(section, bob, BOB)
    save_revision(section, carol, CAROL, submit=False)

    record = consensus_compute_for_section(section)

    assert {r.annotation.annotator.username for r in record.inputs.all()} == {"alice", "bob"}


def test_fewer_than_two_submissions_give_no_consensus(section, cast):
    save_revision(section, cast[0], ALICE)

    assert consensus_compute_for_section(section) is None
    assert not Consensus.objects.filter(section=section).exists()


def test_recompute_with_one_submission_says_it_needs_two(section, cast, reviewer):
    save_revision(section, cast[0], ALICE)

    with pytest.raises(ConflictError) as error:
        consensus_recompute(section=section, user=reviewer)
    assert error.value.code == "too_few_annotations"

    assert error.value.message == (
        "Consensus needs at least 2 submitted annotations; this section has 1."
    )


def test_submitting_the_last_required_annotation_proposes_a_consensus(project, section, cast):
    from annotations.services.annotation import annotation_save

    masks = [ALICE, BOB, CAROL]
    for user, mask in zip(cast, masks):
        annotation_save(
            section=section, user=user, mask=mask, base_revision=None, time_spent_s=1.0, submit=True
        )

    section.refresh_from_db()
    record = Consensus.objects.get(section=section, is_current=True)
    assert section.status == "review"
    assert section.agreement == pytest.approx(record.agreement["mean_dice"])
    assert record.inputs.count() == 3
