"""annotation_save / annotation_reopen / mask_from_payload: append-only history, conflicts, counters."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    Consensus,
    GroundTruth,
    GroundTruthSource,
    Section,
    SectionStatus,
)
from annotations.services.annotation import (
    annotation_reopen,
    hooks,
)
from annotations.services.annotation import save as save_module
from cellweb.errors import ConflictError, InvalidInput, NotAllowed
from tests.helpers_annotation_saves import SHAPE, disk, fresh, save, three_sections


@pytest.fixture
def sections(specimen, make_volume):
    return three_sections(specimen, make_volume)


@pytest.fixture
def section(sections):
    return sections[0]


# ---------------------------------------------------------------------------------- history


def test_first_save_creates_revision_one_and_counts_the_section_as_started(section, annotator):
    annotation = save(section, annotator, time_spent=12.5)

    assert annotation.revision == 1
    assert annotation.status == "draft"
    revision = AnnotationRevision.objects.get(annotation=annotation)
    assert revision.number == 1 and revision.author == annotator and revision.status == "draft"
    assert np.array_equal(decode_mask(bytes(revision.mask_png), SHAPE), disk())
    assert revision.foreground_pixels == int(disk().sum())
    assert revision.time_spent_s == 12.5
    assert (fresh(section).started_count, fresh(section).submitted_count) == (1, 0)


def test_every_save_appends_a_new_numbered_revision_and_keeps_the_old_ones(section, annotator):
    masks = [disk(r=4), disk(r=6), disk(cx=10, r=3) | disk(cx=24, r=3)]
    base = None
    for mask in masks:
        base = save(section, annotator, mask=mask, base=base, time_spent=2).revision

    revisions = list(
        AnnotationRevision.objects.filter(annotation__section=section).order_by("number")
    )
    assert [r.number for r in revisions] == [1, 2, 3]
    for revision, mask in zip(revisions, masks):
        assert np.array_equal(decode_mask(bytes(revision.mask_png), SHAPE), mask)
    annotation = Annotation.objects.get(section=section, annotator=annotator)
    assert annotation.revision == 3
    assert annotation.time_spent_s == pytest.approx(6.0)
    assert fresh(section).started_count == 1


def test_two_disjoint_regions_are_stored_as_drawn(section, annotator):
    two = disk(cx=8, cy=8, r=3) | disk(cx=24, cy=24, r=4)
    annotation = save(section, annotator, mask=two)
    stored = AnnotationRevision.objects.get(annotation=annotation).mask_png
    assert np.array_equal(decode_mask(bytes(stored), SHAPE), two)


def test_a_stale_base_revision_is_refused_with_the_newer_version_and_nothing_is_stored(
    section, annotator
):
    first = save(section, annotator, mask=disk(r=3))
    save(section, annotator, mask=disk(r=8), base=first.revision)

    with pytest.raises(ConflictError) as caught:
        save(section, annotator, mask=disk(r=10), base=1)

    current = caught.value.current
    assert current["revision"] == 2
    assert current["status"] == "draft"
    import base64

    assert np.array_equal(decode_mask(base64.b64decode(current["mask_png"]), SHAPE), disk(r=8))
    assert AnnotationRevision.objects.filter(annotation__section=section).count() == 2


def test_a_first_save_that_claims_a_base_revision_is_refused(section, annotator):
    with pytest.raises(ConflictError):
        save(section, annotator, base=3)
    assert not Annotation.objects.exists()


def test_a_second_first_save_from_another_tab_conflicts(section, annotator):
    save(section, annotator, mask=disk(r=4))
    with pytest.raises(ConflictError):
        save(section, annotator, mask=disk(r=9), base=None)
    assert AnnotationRevision.objects.count() == 1


def test_a_retried_save_whose_answer_was_lost_is_not_a_conflict(section, annotator):
    first = save(section, annotator, mask=disk(r=4), time_spent=3)
    again = save(section, annotator, mask=disk(r=4), base=None, time_spent=3)
    assert again.revision == first.revision == 1
    assert AnnotationRevision.objects.count() == 1
    assert Annotation.objects.get(pk=first.pk).time_spent_s == 3

    submitted = save(section, annotator, mask=disk(r=5), base=1, submit=True)
    retried = save(section, annotator, mask=disk(r=5), base=1, submit=True)
    assert retried.revision == submitted.revision == 2 and retried.status == "submitted"
    assert AnnotationRevision.objects.count() == 2
    assert fresh(section).submitted_count == 1


def test_a_retry_with_a_different_mask_is_still_a_conflict(section, annotator):
    save(section, annotator, mask=disk(r=4))
    save(section, annotator, mask=disk(r=5), base=1)
    with pytest.raises(ConflictError):
        save(section, annotator, mask=disk(r=4), base=1, submit=True)


# ---------------------------------------------------------------------------------- submit


def test_submit_marks_final_and_moves_the_counter_from_started_to_submitted(section, annotator):
    draft = save(section, annotator)
    submitted = save(section, annotator, base=draft.revision, submit=True)

    assert submitted.status == "submitted" and submitted.submitted_at is not None
    assert AnnotationRevision.objects.get(annotation=submitted, number=2).status == "submitted"
    assert (fresh(section).started_count, fresh(section).submitted_count) == (0, 1)


def test_a_submitted_annotation_cannot_be_edited_until_reopened(section, annotator):
    submitted = save(section, annotator, submit=True)
    with pytest.raises(ConflictError, match="reopen"):
        save(section, annotator, base=submitted.revision)
    assert AnnotationRevision.objects.count() == 1

    annotation_reopen(section=section, user=annotator)
    again = save(section, annotator, base=submitted.revision)
    assert again.revision == 2 and again.status == "draft"


def test_reaching_the_required_submissions_sends_the_section_to_review_once(
    section, annotator, second_annotator, third_annotator, monkeypatch
):
    calls = []
    monkeypatch.setattr(save_module, "on_annotations_complete", lambda s: calls.append(s.pk))
    save(section, annotator, submit=True)
    save(section, second_annotator, submit=True)
    assert fresh(section).status == SectionStatus.OPEN and calls == []

    save(section, third_annotator, submit=True)
    assert fresh(section).status == SectionStatus.REVIEW
    assert fresh(section).submitted_count == 3
    assert calls == [section.pk]


def test_completion_computes_the_consensus_through_the_review_service(
    section, annotator, second_annotator, third_annotator
):
    for user, radius in ((annotator, 5), (second_annotator, 6), (third_annotator, 7)):
        save(section, user, mask=disk(r=radius), submit=True)
    assert Consensus.objects.filter(section=section, is_current=True).count() == 1


def test_a_failing_consensus_never_costs_the_submission(
    section, annotator, second_annotator, third_annotator, monkeypatch
):
    def broken(section_arg):
        raise RuntimeError("consensus exploded")

    monkeypatch.setattr(
        hooks,
        "_review_hook",
        lambda name: broken if name == "consensus_compute_for_section" else None,
    )
    save(section, annotator, submit=True)
    save(section, second_annotator, submit=True)
    last = save(section, third_annotator, submit=True)
    assert Annotation.objects.get(pk=last.pk).status == "submitted"
    assert fresh(section).status == SectionStatus.REVIEW


@pytest.mark.parametrize("status", [SectionStatus.EXCLUDED, SectionStatus.CONFIRMED])
def test_excluded_or_confirmed_sections_refuse_saves(section, annotator, status):
    draft = save(section, annotator)
    Section.objects.filter(pk=section.pk).update(status=status)
    with pytest.raises(ConflictError) as caught:
        save(fresh_section(section), annotator, base=draft.revision)
    assert caught.value.current["can_edit"] is False
    assert AnnotationRevision.objects.count() == 1


def fresh_section(section):
    return Section.objects.select_related("project", "volume", "specimen").get(pk=section.pk)


def test_only_annotators_may_save(section, reviewer):
    with pytest.raises(NotAllowed):
        save(section, reviewer)
    assert not Annotation.objects.exists()


def test_fluorescence_sections_are_not_annotated(specimen, make_volume, annotator):
    volume = make_volume(specimen, modality="fluorescence", channel="DAPI", shape=(1, *SHAPE))
    section = Section.objects.select_related("project", "volume").get(volume=volume)
    with pytest.raises(InvalidInput, match="label-free"):
        save(section, annotator)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), 10**6, "soon"])
def test_time_spent_must_be_a_sane_number_of_seconds(section, annotator, bad):
    with pytest.raises(InvalidInput):
        save(section, annotator, time_spent=bad)


def test_a_mask_of_the_wrong_size_is_refused(section, annotator):
    with pytest.raises(InvalidInput, match="32×32"):
        save(section, annotator, mask=np.zeros((16, 32), dtype=bool))
    assert not Annotation.objects.exists()


def test_unknown_source_is_refused(section, annotator):
    with pytest.raises(InvalidInput):
        save(section, annotator, source="telepathy")


def test_edits_after_confirmation_mark_the_ground_truth_stale(section, annotator):
    draft = save(section, annotator)
    truth = GroundTruth.objects.create(
        section=section,
        source=GroundTruthSource.CONSENSUS,
        version=1,
        mask_png=encode_mask(disk()),
        input_revisions=[{"annotation_id": draft.pk, "revision": 1, "annotator": "alice"}],
    )
    save(section, annotator, base=1)
    truth.refresh_from_db()
    assert truth.stale is True
