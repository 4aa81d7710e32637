"""annotation_save / annotation_reopen / mask_from_payload: append-only history, conflicts, counters."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AuditEvent,
    Consensus,
    GroundTruth,
    GroundTruthSource,
    Project,
    Section,
    SectionStatus,
)
from annotations.services.annotation import (
    annotation_reopen,
    annotation_return_to_draft,
    annotation_save,
    hooks,
    mask_from_payload,
)
from annotations.services.annotation import save as save_module
from cellweb.errors import ConflictError, InvalidInput, NotAllowed

SHAPE = (32, 32)


def disk(cy=16, cx=16, r=6, shape=SHAPE) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def png(array: np.ndarray) -> bytes:
    """PNG of a uint8 array: (h, w) grey, (h, w, 3) RGB or (h, w, 4) RGBA."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def sections(specimen, make_volume):
    volume = make_volume(specimen, shape=(3, *SHAPE))
    return list(
        Section.objects.filter(volume=volume)
        .select_related("project", "volume", "specimen")
        .order_by("z")
    )


@pytest.fixture
def section(sections):
    return sections[0]


def save(section, user, mask=None, base=None, submit=False, time_spent=1.0, source="canvas"):
    return annotation_save(
        section=section,
        user=user,
        mask=disk() if mask is None else mask,
        base_revision=base,
        time_spent_s=time_spent,
        submit=submit,
        source=source,
    )


def fresh(section) -> Section:
    return Section.objects.get(pk=section.pk)


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


# ---------------------------------------------------------------------------------- reopen


def test_reopen_turns_the_submission_into_a_draft_and_the_section_back_to_open(
    section, annotator, second_annotator, third_annotator, monkeypatch
):
    monkeypatch.setattr(save_module, "on_annotations_complete", lambda s: None)
    save(section, annotator, submit=True)
    save(section, second_annotator, submit=True)
    save(section, third_annotator, submit=True)
    assert fresh(section).status == SectionStatus.REVIEW

    reopened = annotation_reopen(section=section, user=annotator)

    assert reopened.status == "draft" and reopened.submitted_at is None
    assert reopened.revision == 1  # reopening stores no new mask
    assert (fresh(section).submitted_count, fresh(section).started_count) == (2, 1)
    assert fresh(section).status == SectionStatus.OPEN
    event = AuditEvent.objects.get(section=section, action="reopen")
    assert event.actor == annotator and event.detail["revision"] == 1


def test_a_draft_cannot_be_reopened(section, annotator):
    save(section, annotator)
    with pytest.raises(ConflictError, match="draft"):
        annotation_reopen(section=section, user=annotator)


def test_nothing_to_reopen_without_an_annotation(section, annotator):
    with pytest.raises(ConflictError):
        annotation_reopen(section=section, user=annotator)


def _ground_truth_built_from(annotation, *, current: bool) -> GroundTruth:
    return GroundTruth.objects.create(
        section=annotation.section,
        source=GroundTruthSource.CONSENSUS,
        version=1,
        mask_png=encode_mask(disk()),
        input_revisions=[
            {"annotation_id": annotation.pk, "revision": annotation.revision, "annotator": "alice"}
        ],
        is_current=current,
    )


def test_reopen_is_refused_once_confirmed_ground_truth_uses_the_revision(section, annotator):
    submitted = save(section, annotator, submit=True)
    _ground_truth_built_from(submitted, current=True)
    with pytest.raises(ConflictError, match="confirmed"):
        annotation_reopen(section=section, user=annotator)
    assert Annotation.objects.get(pk=submitted.pk).status == "submitted"


def test_reopen_is_allowed_when_the_ground_truth_using_it_was_superseded(section, annotator):
    submitted = save(section, annotator, submit=True)
    _ground_truth_built_from(submitted, current=False)
    assert annotation_reopen(section=section, user=annotator).status == "draft"


def test_nobody_reopens_someone_elses_submission(section, annotator, second_annotator):
    save(section, annotator, submit=True)
    with pytest.raises(ConflictError):
        annotation_reopen(section=section, user=second_annotator)
    assert Annotation.objects.get(annotator=annotator).status == "submitted"


def test_return_to_draft_keeps_the_counters_right(section, annotator, second_annotator):
    first = save(section, annotator, submit=True)
    save(section, second_annotator, submit=True)
    assert annotation_return_to_draft(annotations=[first]) == 1
    assert annotation_return_to_draft(annotations=[first]) == 0
    assert (fresh(section).submitted_count, fresh(section).started_count) == (1, 1)


def test_required_annotations_of_one_counts_a_single_submission(
    specimen, make_volume, annotator, monkeypatch
):
    Project.objects.filter(pk=specimen.project_id).update(required_annotations=1)
    volume = make_volume(specimen, shape=(1, *SHAPE))
    section = Section.objects.select_related("project", "volume").get(volume=volume)
    save(section, annotator, submit=True)
    assert fresh(section).status == SectionStatus.REVIEW


# ---------------------------------------------------------------------------------- payloads


def test_png_masks_in_grey_one_bit_and_opaque_rgba_are_accepted(section):
    mask = disk()
    grey = (mask * 255).astype(np.uint8)
    rgba = np.dstack([grey, grey, grey, np.full(SHAPE, 255, np.uint8)])
    for data in (png(grey), encode_mask(mask), png(rgba), png(np.dstack([grey] * 3))):
        assert np.array_equal(mask_from_payload(section=section, png_bytes=data), mask)


def test_rgba_png_with_transparent_pixels_is_refused(section):
    grey = (disk() * 255).astype(np.uint8)
    rgba = np.dstack([grey, grey, grey, grey])  # a canvas export without a background
    with pytest.raises(InvalidInput, match="transparent"):
        mask_from_payload(section=section, png_bytes=png(rgba))


def test_coloured_png_is_refused(section):
    grey = (disk() * 255).astype(np.uint8)
    red = np.dstack([grey, np.zeros_like(grey), np.zeros_like(grey)])
    with pytest.raises(InvalidInput, match="colour"):
        mask_from_payload(section=section, png_bytes=png(red))


def test_polygons_become_a_filled_mask(section):
    mask = mask_from_payload(
        section=section,
        polygons=[[[2, 2], [10, 2], [10, 10], [2, 10]], [[20, 20], [30, 20], [25, 30]]],
    )
    assert mask[5, 5] and mask[24, 25] and not mask[15, 15]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "No mask"),
        ({"png_bytes": b"x", "polygons": []}, "not both"),
        ({"polygons": [[[0, 0], [40, 0], [0, 10]]]}, "outside"),
        ({"polygons": [[[0, 0], [4, 0]]]}, "at least 3"),
        ({"polygons": "square"}, "list"),
        ({"polygons": [[["a", 1], [2, 3], [4, 5]]]}, "numeric"),
        ({"polygons": [[{"x": 1}, [2, 3], [4, 5]]]}, "numeric"),
        ({"png_bytes": b"\x89PNG\r\n\x1a\nbroken"}, "PNG"),
    ],
)
def test_unusable_payloads_are_refused_with_a_clear_message(section, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        mask_from_payload(section=section, **kwargs)


def test_outlines_given_with_every_mask_round_trip_exactly():
    from scipy import ndimage as ndi

    from annotations.imaging.masks import polygons_to_mask
    from annotations.imaging.outlines import mask_outlines

    rng = np.random.default_rng(4)
    for _ in range(20):
        mask = disk(cy=rng.integers(6, 26), cx=rng.integers(6, 26), r=rng.integers(2, 8))
        mask[rng.integers(0, 32, 12), rng.integers(0, 32, 12)] = True  # specks and border pixels
        mask[16, 16] = False  # a hole, which outlines fill
        assert np.array_equal(
            polygons_to_mask(mask_outlines(mask), SHAPE), ndi.binary_fill_holes(mask)
        )
    assert mask_outlines(np.zeros(SHAPE, dtype=bool)) == []
