"""annotation_reopen / annotation_return_to_draft: a submission turned back into a draft, and when it may not be."""

from __future__ import annotations

import pytest

from annotations.imaging.masks import encode_mask
from annotations.models import (
    Annotation,
    AuditEvent,
    GroundTruth,
    GroundTruthSource,
    Project,
    Section,
    SectionStatus,
)
from annotations.services.annotation import (
    annotation_reopen,
    annotation_return_to_draft,
)
from annotations.services.annotation import save as save_module
from cellweb.errors import ConflictError
from tests.helpers_annotation_saves import SHAPE, disk, fresh, save, three_sections


@pytest.fixture
def section(specimen, make_volume):
    return three_sections(specimen, make_volume)[0]


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
