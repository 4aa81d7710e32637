"""The review queue: sections waiting for a reviewer, lowest agreement first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef

from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    AuditEvent,
    Consensus,
    GroundTruth,
    GroundTruthSource,
    Project,
    ReviewAction,
    RevisionOrigin,
    Section,
    SectionStatus,
    Specimen,
)
from annotations.selectors.annotation import blind_sections
from annotations.selectors.annotation.feedback import send_back_responses
from annotations.selectors.display import section_name

from .class_names import ClassNames


@dataclass(frozen=True)
class QueueFilter:
    """What a reviewer narrows the queue to: one specimen (its id), only responses
    (resubmissions after a send-back) and only sections whose confirmed ground truth is stale.
    Several narrow together (all must hold)."""

    specimen: int | None = None
    responses: bool = False
    stale: bool = False


NO_FILTER = QueueFilter()


def _stale_truth():
    return GroundTruth.objects.filter(
        section=OuterRef("pk"), source=GroundTruthSource.CONSENSUS, is_current=True, stale=True
    )


def _responses_only(queryset):
    """The sections whose latest send-back was answered (``send_back_responses``, the badge the
    rows carry): only sections ever sent back are read, not the whole queue."""
    sent_back = list(
        queryset.filter(
            Exists(AuditEvent.objects.filter(section=OuterRef("pk"), action=ReviewAction.SEND_BACK))
        ).values_list("pk", flat=True)
    )
    answered = [
        section_id
        for section_id, entries in send_back_responses(sent_back).items()
        if any(entry["answered"] for entry in entries.values())
    ]
    return queryset.filter(pk__in=answered)


def review_queue_queryset(*, project: Project, user, only: QueueFilter = NO_FILTER):
    """Sections ready for review, lowest agreement first (no agreement yet: first of all),
    narrowed by ``only``.

    Sections whose confirmed ground truth went stale are back in "review"; ``review_queue``
    flags them. The ordering is the database's, on the ``section_review_queue`` index columns
    (project, status, agreement); nothing is sorted in Python.

    A reviewer who also annotates is not offered a section they are blind on (one still short of
    its required submissions, e.g. after the project asked for more): its review is refused to
    them (``review_section``), so it is neither listed nor counted.
    """
    queryset = Section.objects.filter(project=project, status=SectionStatus.REVIEW).exclude(
        pk__in=blind_sections(user, project)
    )
    if not project.allow_self_review:
        queryset = queryset.filter(
            ~Exists(Annotation.objects.filter(section=OuterRef("pk"), annotator=user))
        )
    if only.specimen is not None:
        queryset = queryset.filter(specimen_id=only.specimen)
    if only.stale:
        queryset = queryset.filter(Exists(_stale_truth()))
    if only.responses:
        queryset = _responses_only(queryset)
    # Sections without a measurable agreement (a single annotation) come first: nobody has
    # cross-checked them. On PostgreSQL the partial index ``section_review_order`` (created in a
    # migration: SQLite cannot declare NULLS FIRST in an index) serves this order directly.
    return queryset.order_by(F("agreement").asc(nulls_first=True), "pk")


def _from_proposal_counts(section_ids: list[int]) -> dict[int, int]:
    """Per section, the submitted annotations whose latest revision started from a proposal."""
    return dict(
        AnnotationRevision.objects.filter(
            annotation__section_id__in=section_ids,
            annotation__status=AnnotationStatus.SUBMITTED,
            number=F("annotation__revision"),
            origin=RevisionOrigin.MODEL,
        )
        .values("annotation__section_id")
        .annotate(n=Count("id"))
        .values_list("annotation__section_id", "n")
    )


def review_queue(
    *, project: Project, user, limit: int = 50, offset: int = 0, only: QueueFilter = NO_FILTER
) -> list[dict]:
    offset = max(int(offset), 0)
    rows = list(
        review_queue_queryset(project=project, user=user, only=only).values(
            "id",
            "z",
            "agreement",
            "status",
            "submitted_count",
            "specimen_id",
            "volume_id",
            time_index=F("volume__time_index"),
            size_z=F("volume__size_z"),
        )[offset : offset + max(int(limit), 0)]
    )
    specimens = dict(
        Specimen.objects.filter(pk__in={row["specimen_id"] for row in rows}).values_list(
            "pk", "name"
        )
    )
    names: dict[int, list[str]] = defaultdict(list)
    for section_id, username in (
        Annotation.objects.filter(
            section_id__in=[row["id"] for row in rows], status=AnnotationStatus.SUBMITTED
        )
        .order_by("annotator__username")
        .values_list("section_id", "annotator__username")
    ):
        names[section_id].append(username)
    stale = set(
        GroundTruth.objects.filter(
            section_id__in=[row["id"] for row in rows],
            source=GroundTruthSource.CONSENSUS,
            is_current=True,
            stale=True,
        ).values_list("section_id", flat=True)
    )
    # The class whose mean Dice is the section's agreement (absent for a binary section).
    # Named by value under the current label set (a class renamed since has its new name).
    class_names = ClassNames(project)
    worst = {
        section_id: class_names.name(value, stored)
        for section_id, value, stored in Consensus.objects.filter(
            section_id__in=[row["id"] for row in rows], is_current=True
        )
        .values_list("section_id", "agreement__worst_class__value", "agreement__worst_class__name")
        .order_by()
    }
    responses = send_back_responses([row["id"] for row in rows])
    from_proposal = _from_proposal_counts([row["id"] for row in rows])
    for row in rows:
        row["annotators"] = names.get(row["id"], [])
        # Edits of one proposal are not independent opinions: the reviewer sees how many.
        row["from_proposal"] = from_proposal.get(row["id"], 0)
        # Resubmitted after a send-back: the reviewer looks at an answer, not a first attempt.
        answered = responses.get(row["id"], {})
        row["response"] = any(entry["answered"] for entry in answered.values())
        row["stale"] = row["id"] in stale
        row["worst_class"] = worst.get(row["id"])
        row["specimen_name"] = specimens.get(row["specimen_id"], "")
        # How a reviewer names a section: specimen, time point and z (not the database id).
        row["label"] = section_name(
            row["specimen_name"], row["time_index"], row["z"], row.pop("size_z")
        )
    return rows


def review_queue_next(*, project: Project, user) -> int | None:
    return review_queue_queryset(project=project, user=user).values_list("pk", flat=True).first()


def review_queue_page(
    *, project: Project, user, limit: int = 50, offset: int = 0, only: QueueFilter = NO_FILTER
) -> dict:
    """How many sections wait for this reviewer (narrowed by ``only``), and ``limit`` of them
    from ``offset``."""
    return {
        "count": review_queue_queryset(project=project, user=user, only=only).count(),
        "results": review_queue(project=project, user=user, limit=limit, offset=offset, only=only),
    }
