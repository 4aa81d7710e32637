"""The annotator's work queue: which section to annotate next, and how far the project is."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from annotations.models import (
    Annotation,
    AnnotationStatus,
    Project,
    Role,
    Section,
    SectionOffer,
    SectionStatus,
)
from annotations.permissions import require_role

# Statuses whose sections an annotator may keep drafting in (a 4th annotator may still finish).
DRAFTABLE_SECTION_STATUSES = (SectionStatus.OPEN, SectionStatus.REVIEW, SectionStatus.SENT_BACK)


# Two requests of the same annotator may race for the same section; a few retries always settle it.
_OFFER_ATTEMPTS = 5


def _queue_order(project: Project) -> list:
    engaged = F("submitted_count") + F("started_count")
    # Sections that still lack annotators come first, fullest first, so whole sections (and, with
    # the specimen/time/z tie-break, whole specimens) finish; sections that already have enough
    # people drafting them come last, as a fallback for abandoned drafts.
    saturated = Case(
        When(
            Q(submitted_count__lt=project.required_annotations - F("started_count")), then=Value(0)
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    return [saturated, engaged.desc(), "specimen_id", "volume__time_index", "z", "id"]


def _started_sections(*, user, project: Project, skip: int | None) -> QuerySet[Section]:
    drafts = Annotation.objects.filter(
        section=OuterRef("pk"), annotator=user, status=AnnotationStatus.DRAFT
    )
    queryset = Section.objects.filter(
        Exists(drafts),
        project=project,
        is_label_free=True,
        status__in=DRAFTABLE_SECTION_STATUSES,
    )
    if skip is not None:
        queryset = queryset.exclude(pk=skip)
    return queryset.order_by("specimen_id", "volume__time_index", "z", "id")


def _fresh_sections(*, user, project: Project, skip: int | None) -> QuerySet[Section]:
    offered = SectionOffer.objects.filter(section=OuterRef("pk"), annotator=user)
    touched = Annotation.objects.filter(section=OuterRef("pk"), annotator=user)
    queryset = Section.objects.filter(
        ~Exists(offered),
        ~Exists(touched),
        project=project,
        status=SectionStatus.OPEN,
        is_label_free=True,
        submitted_count__lt=project.required_annotations,
    )
    if skip is not None:
        queryset = queryset.exclude(pk=skip)
    return queryset.order_by(*_queue_order(project))


def next_section_for(*, user, project: Project, skip: int | None = None) -> Section | None:
    """The section this annotator should work on next, or ``None`` when nothing is left.

    Sections with the annotator's own draft come back first; then sections never offered to them.
    ``skip`` (the section on screen) is passed over, so "next" moves on even from a draft.
    Handing out a fresh section records a ``SectionOffer``; its unique constraint makes two
    concurrent requests of the same annotator end with two different sections.
    """
    require_role(user, project, Role.ANNOTATOR)
    started = _started_sections(user=user, project=project, skip=skip).first()
    if started is not None:
        return started
    for _ in range(_OFFER_ATTEMPTS):
        candidate = _fresh_sections(user=user, project=project, skip=skip).first()
        if candidate is None:
            return None
        try:
            with transaction.atomic():
                SectionOffer.objects.create(section=candidate, annotator=user)
        except IntegrityError:
            continue
        return candidate
    return None


def annotation_progress(*, user, project: Project) -> dict:
    """How much of the project is annotated, and how much of it by this user."""
    require_role(user, project)
    required = project.required_annotations
    sections = Section.objects.filter(project=project, is_label_free=True).exclude(
        status=SectionStatus.EXCLUDED
    )
    totals = sections.aggregate(
        total=Count("pk"),
        complete=Count(
            "pk",
            filter=Q(submitted_count__gte=required)
            | Q(status__in=[SectionStatus.REVIEW, SectionStatus.CONFIRMED]),
        ),
    )
    mine = Annotation.objects.filter(
        annotator=user, section__project=project, section__is_label_free=True
    ).exclude(section__status=SectionStatus.EXCLUDED)
    counts = mine.aggregate(
        submitted=Count("pk", filter=Q(status=AnnotationStatus.SUBMITTED)),
        drafts=Count("pk", filter=Q(status=AnnotationStatus.DRAFT)),
    )
    return {
        "sections_total": totals["total"],
        "sections_complete": totals["complete"],
        "required_per_section": required,
        "mine_submitted": counts["submitted"],
        "mine_drafts": counts["drafts"],
    }
