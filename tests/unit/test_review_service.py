"""review_confirm / review_send_back / review_exclude and stale ground truth."""

from __future__ import annotations

import numpy as np
import pytest
from django.http import Http404

from annotations.imaging.masks import decode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AuditEvent,
    Consensus,
    GroundTruth,
    Membership,
    ReviewAction,
    Role,
    Section,
    SectionStatus,
)
from annotations.services.review import (
    consensus_compute_for_section,
    ground_truth_mark_stale_for_revision,
    review_exclude,
    review_send_back,
)
from cellweb.errors import ConflictError, InvalidInput, NotAllowed
from tests.review_support import confirm, disk, save_revision, sections_of, with_consensus

SHAPE = (32, 32)


@pytest.fixture
def ready(specimen, make_volume, cast):
    """A section with three submitted jittered disks and its consensus."""
    return with_consensus(sections_of(specimen, make_volume)[0], cast)


def _mask(png) -> np.ndarray:
    return decode_mask(bytes(png), SHAPE)


# --- confirm -------------------------------------------------------------------------------


def test_confirm_makes_version_1_with_full_provenance(ready, reviewer):
    section, consensus = ready

    truth = confirm(section, reviewer, consensus)

    assert truth.version == 1 and truth.is_current and truth.source == "consensus"
    assert truth.consensus_id == consensus.pk and truth.method == consensus.method
    assert truth.reviewer == reviewer and not truth.edited and truth.edit_summary == {}
    np.testing.assert_array_equal(_mask(truth.mask_png), _mask(consensus.mask_png))
    provenance = {(e["annotator"], e["revision"]) for e in truth.input_revisions}
    assert provenance == {("alice", 1), ("bob", 1), ("carol", 1)}
    assert all(e["annotation_id"] for e in truth.input_revisions)
    section.refresh_from_db()
    assert section.status == SectionStatus.CONFIRMED
    assert AuditEvent.objects.filter(section=section, action=ReviewAction.CONFIRM).count() == 1


def test_reconfirming_adds_version_2_and_keeps_version_1_readable(ready, reviewer):
    section, consensus = ready
    first = confirm(section, reviewer, consensus)
    edit = _mask(consensus.mask_png).copy()
    edit[0:3, 0:3] = True

    second = confirm(section, reviewer, consensus, mask=edit, edited=True, base_version=1)

    first.refresh_from_db()
    assert second.version == 2 and second.is_current
    assert not first.is_current
    np.testing.assert_array_equal(_mask(first.mask_png), _mask(consensus.mask_png))
    np.testing.assert_array_equal(_mask(second.mask_png), edit)
    assert list(GroundTruth.objects.filter(section=section).values_list("version", flat=True)) == [
        2,
        1,
    ]


def test_edited_confirmation_counts_pixels_added_and_removed(ready, reviewer):
    section, consensus = ready
    original = _mask(consensus.mask_png)
    edit = original.copy()
    edit[0:2, 0:5] = True  # 10 new pixels far from the nucleus
    foreground = np.argwhere(original)
    for row, col in foreground[:4]:
        edit[row, col] = False

    truth = confirm(section, reviewer, consensus, mask=edit, edited=True)

    assert truth.edited
    assert truth.edit_summary == {"pixels_added": 10, "pixels_removed": 4}
    event = AuditEvent.objects.get(section=section, action=ReviewAction.EDIT_CONFIRM)
    assert event.detail["pixels_added"] == 10 and event.detail["pixels_removed"] == 4


def test_an_edit_that_changes_nothing_is_a_plain_confirmation(ready, reviewer):
    section, consensus = ready

    truth = confirm(section, reviewer, consensus, mask=_mask(consensus.mask_png), edited=True)

    assert not truth.edited
    assert AuditEvent.objects.filter(section=section, action=ReviewAction.CONFIRM).exists()


def test_confirming_over_a_newer_version_is_a_conflict_showing_it(ready, reviewer):
    section, consensus = ready
    winner = confirm(section, reviewer, consensus)

    with pytest.raises(ConflictError) as error:
        confirm(section, reviewer, consensus)

    current = error.value.current
    assert current["version"] == winner.version == 1
    assert current["reviewer"] == "rita"
    assert current["mask_png"] and current["confirmed_at"]
    assert GroundTruth.objects.filter(section=section).count() == 1


def test_confirming_an_outdated_consensus_is_a_conflict(ready, reviewer, cast):
    section, old = ready
    save_revision(section, cast[0], disk(SHAPE, 10, 10, 5))  # alice changes her mind
    consensus_compute_for_section(section)

    with pytest.raises(ConflictError):
        confirm(section, reviewer, old)
    assert not GroundTruth.objects.filter(section=section).exists()


def test_a_consensus_of_another_section_is_refused(ready, reviewer):
    section, _ = ready
    neighbour = Section.objects.filter(volume=section.volume).exclude(pk=section.pk).first()
    foreign = Consensus.objects.create(section=neighbour, method="majority", mask_png=b"x")

    with pytest.raises(InvalidInput):
        confirm(section, reviewer, foreign)


def test_an_edited_confirmation_needs_a_mask_of_the_section_size(ready, reviewer):
    section, consensus = ready

    with pytest.raises(InvalidInput):
        confirm(section, reviewer, consensus, edited=True)
    with pytest.raises(InvalidInput):
        confirm(section, reviewer, consensus, mask=np.zeros((8, 8), bool), edited=True)


# --- who may review ------------------------------------------------------------------------


def test_an_annotator_cannot_confirm(ready, annotator):
    section, consensus = ready
    with pytest.raises(NotAllowed):
        confirm(section, annotator, consensus)


def test_an_outsider_cannot_confirm(ready, outsider):
    section, consensus = ready
    with pytest.raises(Http404):
        confirm(section, outsider, consensus)


def test_a_reviewer_who_annotated_the_section_cannot_review_it(ready, annotator, project):
    section, consensus = ready
    Membership.objects.create(project=project, user=annotator, role=Role.REVIEWER)

    with pytest.raises(NotAllowed, match="self-review"):
        confirm(section, annotator, consensus)
    with pytest.raises(NotAllowed):
        review_exclude(section=section, reviewer=annotator, reason="out of focus")


def test_self_review_is_allowed_when_the_project_allows_it(ready, annotator, project):
    section, consensus = ready
    Membership.objects.create(project=project, user=annotator, role=Role.REVIEWER)
    project.allow_self_review = True
    project.save()

    truth = confirm(section, annotator, consensus)

    assert truth.reviewer == annotator


# --- send back -----------------------------------------------------------------------------


def test_send_back_reopens_only_the_named_annotators(ready, reviewer, cast):
    section, _ = ready
    alice, bob, carol = cast

    review_send_back(
        section=section,
        reviewer=reviewer,
        comment="Nucleus edge is too loose",
        annotator_ids=[alice.pk, carol.pk],
    )

    section.refresh_from_db()
    statuses = dict(
        Annotation.objects.filter(section=section).values_list("annotator__username", "status")
    )
    assert statuses == {"alice": "draft", "bob": "submitted", "carol": "draft"}
    assert section.status == SectionStatus.SENT_BACK
    assert section.submitted_count == 1
    assert (
        AnnotationRevision.objects.filter(annotation__section=section).count() == 3
    )  # history kept
    event = AuditEvent.objects.get(section=section, action=ReviewAction.SEND_BACK)
    assert event.detail["comment"] == "Nucleus edge is too loose"
    assert event.detail["annotators"] == ["alice", "carol"]
    assert event.actor == reviewer


@pytest.mark.parametrize("comment", ["", "   "])
def test_send_back_needs_a_comment(ready, reviewer, cast, comment):
    section, _ = ready
    with pytest.raises(InvalidInput, match="comment"):
        review_send_back(
            section=section, reviewer=reviewer, comment=comment, annotator_ids=[cast[0].pk]
        )


def test_send_back_names_only_annotators_of_the_section(ready, reviewer, manager):
    section, _ = ready
    with pytest.raises(InvalidInput, match="mona"):
        review_send_back(
            section=section, reviewer=reviewer, comment="redo", annotator_ids=[manager.pk]
        )
    with pytest.raises(InvalidInput):
        review_send_back(section=section, reviewer=reviewer, comment="redo", annotator_ids=[])


# --- exclude -------------------------------------------------------------------------------


def test_exclude_records_the_reason(ready, reviewer):
    section, _ = ready

    review_exclude(section=section, reviewer=reviewer, reason="Out of focus")

    section.refresh_from_db()
    assert section.status == SectionStatus.EXCLUDED
    event = AuditEvent.objects.get(section=section, action=ReviewAction.EXCLUDE)
    assert event.detail["reason"] == "Out of focus"


def test_exclude_needs_a_reason(ready, reviewer):
    section, _ = ready
    with pytest.raises(InvalidInput):
        review_exclude(section=section, reviewer=reviewer, reason=" ")


# --- stale ground truth --------------------------------------------------------------------


def test_a_new_revision_of_an_input_marks_ground_truth_stale_but_leaves_it_unchanged(
    ready, reviewer, cast
):
    section, consensus = ready
    truth = confirm(section, reviewer, consensus)
    before = bytes(truth.mask_png)
    alice_annotation = save_revision(section, cast[0], disk(SHAPE, 5, 5, 3))

    ground_truth_mark_stale_for_revision(alice_annotation)

    truth.refresh_from_db()
    assert truth.stale and truth.is_current
    assert bytes(truth.mask_png) == before
    event = AuditEvent.objects.get(section=section, action=ReviewAction.STALE)
    assert event.detail["annotator"] == "alice" and event.detail["new_revision"] == 2


def test_an_unchanged_annotation_does_not_mark_ground_truth_stale(ready, reviewer, cast):
    section, consensus = ready
    truth = confirm(section, reviewer, consensus)

    ground_truth_mark_stale_for_revision(Annotation.objects.get(section=section, annotator=cast[1]))

    truth.refresh_from_db()
    assert not truth.stale
    assert not AuditEvent.objects.filter(action=ReviewAction.STALE).exists()


def test_editing_after_send_back_marks_confirmed_ground_truth_stale(ready, reviewer, cast):
    """The real path: confirmed, sent back to alice, alice saves through the annotation service."""
    from annotations.services.annotation import annotation_save

    section, consensus = ready
    truth = confirm(section, reviewer, consensus)
    review_send_back(
        section=section,
        reviewer=reviewer,
        comment="Check the lower edge",
        annotator_ids=[cast[0].pk],
    )

    annotation_save(
        section=section,
        user=cast[0],
        mask=disk(SHAPE, 17, 16, 8),
        base_revision=1,
        time_spent_s=2.0,
        submit=False,
    )

    truth.refresh_from_db()
    assert truth.stale
    assert truth.version == 1 and truth.is_current
