"""The annotator's work queue: which section to annotate next, and how far the project is."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Abs
from django.utils import timezone

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
from annotations.selectors.imported_truth import has_imported_truth, queue_exclusion

from .informative import informative_order, top_scored_section

# Statuses whose sections an annotator may keep drafting in (a 4th annotator may still finish).
DRAFTABLE_SECTION_STATUSES = (SectionStatus.OPEN, SectionStatus.REVIEW, SectionStatus.SENT_BACK)

# A section opened but never saved stays the annotator's (the menu's "Annotate" shows it again)
# for this long; after that, as after a Skip, it comes back behind the fresh sections.
OFFER_HOLD = timedelta(minutes=30)


def centre_distance():
    """Twice a section's distance from the middle of its stack (integers, so the database sorts
    it on the index columns it already reads).

    The queue goes middle-out: a tomogram or stack is acquired centred on the cell, so its
    middle sections show the nucleus and its ends show medium above and below the cell. Asking
    for "no nucleus" first wastes the annotator's first minutes. The image's content cannot pick
    better without a model: the nucleus is not reliably bright (HL60 nuclei are darker than the
    cytoplasm), and middle-out needs nothing but z.
    """
    return Abs(F("z") * 2 - F("volume__size_z") + 1)


def _queue_order(project: Project) -> list:
    engaged = F("submitted_count") + F("started_count")
    # Sections that still lack annotators come first, fullest first, so whole sections (and, with
    # the specimen/time/middle-out tie-break, whole specimens) finish; sections that already have
    # enough people drafting them come last, as a fallback for abandoned drafts. The mode "most
    # informative first" puts the fold models' disagreement before "fullest" (informative.py).
    saturated = Case(
        When(
            Q(submitted_count__lt=project.required_annotations - F("started_count")), then=Value(0)
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    return [
        saturated,
        *informative_order(project),
        engaged.desc(),
        "specimen_id",
        "volume__time_index",
        centre_distance(),
        "z",
        "id",
    ]


def _offers(user):
    return SectionOffer.objects.filter(section=OuterRef("pk"), annotator=user)


def started_sections(*, user, project: Project, skip: int | None) -> QuerySet[Section]:
    # Reached through the annotator's drafts (the (annotator, status) index): a handful of rows,
    # where a per-section EXISTS would visit every section of the project.
    queryset = Section.objects.filter(
        annotations__annotator=user,
        annotations__status=AnnotationStatus.DRAFT,
        project=project,
        is_label_free=True,
        status__in=DRAFTABLE_SECTION_STATUSES,
    )
    if skip is not None:
        queryset = queryset.exclude(pk=skip)
    # A skipped draft waits behind the others.
    skipped = Exists(_offers(user).filter(skipped_at__isnull=False))
    return queryset.order_by(skipped.asc(), "specimen_id", "volume__time_index", "z", "id")


def queue_candidates(*, user, project: Project, skip: int | None, now) -> QuerySet[Section]:
    """Every section this annotator may still annotate, best first, in one query.

    Sections whose current ground truth is imported (an expert's mask) are left out unless the
    project includes them (``Project.queue_includes_imported``); an annotator's own drafts are
    not (``started_sections``): work already begun stays theirs to finish.

    First the section they opened and have neither saved nor skipped (``held``), then sections
    never offered to them, then those they skipped or left unsaved past ``OFFER_HOLD``.
    """
    # The annotator's annotation and offer, if any, as LEFT JOINs on the unique (section,
    # annotator) indexes rather than a subquery per section of the project.
    queryset = Section.objects.annotate(
        mine=FilteredRelation("annotations", condition=Q(annotations__annotator=user)),
        my_offer=FilteredRelation("offers", condition=Q(offers__annotator=user)),
    ).filter(
        queue_exclusion(project),
        mine__isnull=True,
        project=project,
        status=SectionStatus.OPEN,
        is_label_free=True,
        submitted_count__lt=project.required_annotations,
    )
    held = Case(
        When(
            Q(my_offer__skipped_at__isnull=True, my_offer__offered_at__gte=now - OFFER_HOLD),
            then=Value(0),
        ),
        When(my_offer__isnull=True, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    queryset = queryset.annotate(tier=held, offered=Q(my_offer__isnull=False))
    if skip is not None:
        queryset = queryset.exclude(pk=skip)
    return queryset.order_by("tier", *_queue_order(project))


def first_candidate(*, user, project: Project, skip: int | None, now) -> Section | None:
    """The first of ``queue_candidates``. In the mode "most informative first" the answer is
    usually a scored section: found by walking the scores' ``(project, -variance)`` index from
    the top, after checking no held section comes before it, instead of sorting every
    candidate."""
    candidates = queue_candidates(user=user, project=project, skip=skip, now=now)
    if not informative_order(project):
        return candidates.first()
    # Tier 0 (held) comes first; reached through the annotator's offers, a handful of rows.
    held = candidates.filter(
        my_offer__skipped_at__isnull=True, my_offer__offered_at__gte=now - OFFER_HOLD
    ).first()
    if held is not None:
        return held
    # Tier 1 (never offered), not saturated, scored: exactly the head of the full order.
    top = top_scored_section(user=user, project=project, skip=skip)
    return candidates.get(pk=top) if top is not None else candidates.first()


def next_section_peek(*, user, project: Project, skip: int | None = None) -> Section | None:
    """The section this annotator would be handed next, or ``None`` when nothing is left.

    A read: nothing is recorded (the "next section" page asks this to say whether anything is
    left); ``services.annotation.section_offer_claim`` hands the section out. In order: sections
    with the annotator's own draft (skipped ones last); the section they opened and have not
    saved yet (so the menu's "Annotate" shows it again instead of losing it); sections never
    offered to them, middle-out within each specimen; then sections they skipped or left unsaved
    past ``OFFER_HOLD``. ``skip`` (the section on screen) is passed over.
    """
    require_role(user, project, Role.ANNOTATOR)
    started = started_sections(user=user, project=project, skip=skip).first()
    if started is not None:
        return started
    return first_candidate(user=user, project=project, skip=skip, now=timezone.now())


def annotation_progress(*, user, project: Project) -> dict:
    """How much of the project is annotated, and how much of it by this user.

    Counted over the label-free sections the queue hands out: excluded sections are left out,
    and so are sections with imported ground truth unless the project includes them in the
    queue (their number is ``sections_imported``, whether counted or not)."""
    require_role(user, project)
    required = project.required_annotations
    sections = Section.objects.filter(project=project, is_label_free=True).exclude(
        status=SectionStatus.EXCLUDED
    )
    imported = Q(has_imported_truth())
    totals = sections.filter(queue_exclusion(project)).aggregate(
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
        "sections_imported": sections.filter(imported).count(),
        "imported_in_queue": project.queue_includes_imported,
        "required_per_section": required,
        "mine_submitted": counts["submitted"],
        "mine_drafts": counts["drafts"],
    }
