"""A reviewer's confirmed stain shift: the fluorescence ground truth is derived again on the
shifted stain, with the shift and the region it images recorded, and who set it audited."""

from __future__ import annotations

import pytest

from annotations.imaging.masks import decode_mask
from annotations.models import AuditEvent, GroundTruth
from cellweb.errors import ConflictError, InvalidInput, NotAllowed, NotFoundError
from inference.ml.metrics import dice
from inference.services.fluorescence_gt import fluorescence_gt_create, stain_shift_set
from tests.helpers_stain_shift import stain_pair


def current_mask(volume):
    truth = GroundTruth.objects.get(section__volume=volume, source="fluorescence", is_current=True)
    return truth, decode_mask(bytes(truth.mask_png), (volume.size_y, volume.size_x))


def test_a_confirmed_shift_restores_the_ground_truth_and_is_recorded(project, reviewer):
    label_free, stain, field = stain_pair(project)
    fluorescence_gt_create(project=project, user=reviewer)
    _, before = current_mask(label_free)

    result = stain_shift_set(stain=stain, user=reviewer, dy=-2, dx=-3, base_version=0)

    truth, after = current_mask(label_free)
    assert dice(before, field.nuclei) < 0.9
    assert dice(after, field.nuclei) >= 0.97
    assert (result.shift, result.version, result.volumes, result.rederived) == ((-2, -3), 1, 1, 1)
    assert truth.version == 2 and truth.reviewer == reviewer
    assert truth.params["stain_shift"] == [-2, -3]
    assert truth.params["imaged_box"] == [0, 190, 0, 189]
    assert not after[190:].any() and not after[:, 189:].any()
    event = AuditEvent.objects.get(action="stain_shift")
    assert event.actor == reviewer and event.section.volume_id == label_free.pk
    assert event.detail["stain_shift"] == [-2, -3] and event.detail["previous"] == [0, 0]


def test_a_stain_without_ground_truth_keeps_the_shift_for_the_next_derivation(project, reviewer):
    label_free, stain, field = stain_pair(project)

    result = stain_shift_set(stain=stain, user=reviewer, dy=-2, dx=-3, base_version=None)
    fluorescence_gt_create(project=project, user=reviewer)

    assert result.rederived == 0
    truth, mask = current_mask(label_free)
    assert truth.version == 1 and truth.params["stain_shift"] == [-2, -3]
    assert dice(mask, field.nuclei) >= 0.97


def test_a_time_lapse_can_share_one_shift(project, reviewer):
    first = stain_pair(project, time_index=0)[1]
    second = stain_pair(project, time_index=1, seed=1)[1]

    result = stain_shift_set(stain=first, user=reviewer, dy=-2, dx=-3, base_version=0, series=True)

    second.refresh_from_db()
    assert result.volumes == 2
    assert second.stain_shift == (-2, -3) and second.stain_shift_version == 1


def test_a_shift_over_a_quarter_of_the_section_is_refused(project, reviewer):
    _, stain, _ = stain_pair(project)

    with pytest.raises(InvalidInput, match="at most ±48 rows"):
        stain_shift_set(stain=stain, user=reviewer, dy=49, dx=0, base_version=0)

    stain.refresh_from_db()
    assert stain.stain_shift == (0, 0) and not AuditEvent.objects.exists()


def test_a_shift_set_meanwhile_refuses_the_stale_one(project, reviewer):
    _, stain, _ = stain_pair(project)
    stain_shift_set(stain=stain, user=reviewer, dy=-2, dx=-3, base_version=0)

    with pytest.raises(ConflictError) as refused:
        stain_shift_set(stain=stain, user=reviewer, dy=1, dx=1, base_version=0)

    assert refused.value.code == "stale_stain_shift"
    assert refused.value.current["dy"] == -2


def test_only_a_reviewer_sets_the_shift(project, annotator, manager):
    _, stain, _ = stain_pair(project)

    for user in (annotator, manager):
        with pytest.raises(NotAllowed):
            stain_shift_set(stain=stain, user=user, dy=1, dx=0, base_version=0)


def test_a_label_free_volume_has_no_stain_shift(project, reviewer):
    label_free, _, _ = stain_pair(project)

    with pytest.raises(NotFoundError, match="fluorescence volume"):
        stain_shift_set(stain=label_free, user=reviewer, dy=1, dx=0, base_version=0)
