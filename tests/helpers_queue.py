"""A reviewer's queue on two specimens, for the queue's page, API and browser tests: a response
to a send-back and a section whose confirmed ground truth went stale among plain ones."""

from __future__ import annotations

from annotations.models import GroundTruth, Section, SectionStatus, Specimen
from annotations.services.review import review_send_back
from tests.review_support import disk, sections_of, submit

SHAPE = (32, 32)


def review_queue_day(project, specimen, make_volume, cast, reviewer) -> dict:
    """cell-01 (t0, z0–z2) and cell-02 (t1, z0–z2) in review; the reviewer may review them all
    (self-review allowed). cell-01 z1 was sent back to alice and she answered; cell-02 z2 was
    confirmed, then its ground truth went stale."""
    project.allow_self_review = True
    project.save(update_fields=["allow_self_review"])
    other = Specimen.objects.create(project=project, name="cell-02")
    first = sections_of(specimen, make_volume)
    second = list(
        Section.objects.filter(volume=make_volume(other, shape=(3, *SHAPE), time_index=1))
        .select_related("volume", "project")
        .order_by("z")
    )
    agreement = iter([0.91, 0.52, 0.73, 0.64, 0.85, 0.96])
    for section in first + second:
        Section.objects.filter(pk=section.pk).update(
            status=SectionStatus.REVIEW, agreement=next(agreement)
        )
    answered = first[1]
    for offset, user in enumerate(cast):
        submit(answered, user, disk(SHAPE, 16, 16 + offset, 8))
    review_send_back(
        section=Section.objects.get(pk=answered.pk),
        reviewer=reviewer,
        comment="Follow the dark rim.",
        annotator_ids=[cast[0].pk],
    )
    submit(answered, cast[0], disk(SHAPE, 16, 16, 7), base=1)
    assert Section.objects.get(pk=answered.pk).status == SectionStatus.REVIEW
    stale = second[2]
    GroundTruth.objects.create(
        section=stale, source="consensus", is_current=True, stale=True, version=1
    )
    return {
        "first": first,
        "second": second,
        "answered": answered,
        "stale": stale,
        "other": other,
    }
