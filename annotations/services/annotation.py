"""Saving, submitting and reopening annotations.

Every save appends a numbered revision (never an update), so the history of who drew what and
when is complete. A save names the revision it was based on; if another tab or device saved in
between, the save is refused with the newer version so the annotator can choose, and nothing
is stored. The section's counters drive the work queue and the hand-over to review.

Lock order, shared with the review service: section row first (only for saves that change the
section's counters: first save, submit, reopen), then the annotation row.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import math
from collections.abc import Sequence

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Greatest
from django.utils import timezone

from annotations.imaging.errors import MaskError
from annotations.imaging.masks import decode_mask, encode_mask, polygons_to_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    AuditEvent,
    GroundTruth,
    GroundTruthSource,
    ReviewAction,
    Role,
    Section,
    SectionStatus,
)
from annotations.permissions import require_role
from annotations.selectors.annotation import (
    annotation_mine_state,
    annotation_used_in_confirmed_ground_truth,
)
from cellweb.errors import ConflictError, InvalidInput

__all__ = [
    "MASK_SOURCES",
    "MAX_POLYGON_POINTS",
    "MAX_TIME_SPENT_S",
    "annotation_reopen",
    "annotation_return_to_draft",
    "annotation_save",
    "mask_from_payload",
    "on_annotations_complete",
]

logger = logging.getLogger(__name__)

MASK_SOURCES = ("canvas", "png", "polygons", "copy")
# One save reports the time since the previous one; a day is far above any real session.
MAX_TIME_SPENT_S = 86_400.0
MAX_POLYGONS = 10_000
MAX_POLYGON_POINTS = 1_000_000


# --------------------------------------------------------------------------------------------
# Masks from the wire
# --------------------------------------------------------------------------------------------


def _validated_polygons(polygons) -> list:
    if not isinstance(polygons, list | tuple):
        raise MaskError("“polygons” must be a list of polygons, each a list of [x, y] points.")
    if len(polygons) > MAX_POLYGONS:
        raise MaskError(
            f"Too many polygons ({len(polygons)}); at most {MAX_POLYGONS} are accepted."
        )
    points = 0
    for number, polygon in enumerate(polygons, start=1):
        if not isinstance(polygon, list | tuple) or not all(
            isinstance(point, list | tuple)
            and len(point) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
            for point in polygon
        ):
            raise MaskError(
                f"Polygon {number} is not a list of [x, y] points with numeric coordinates."
            )
        points += len(polygon)
        if points > MAX_POLYGON_POINTS:
            raise MaskError(f"The polygons have more than {MAX_POLYGON_POINTS} points in all.")
    return list(polygons)


def mask_from_payload(
    *, section: Section, png_bytes: bytes | None = None, polygons=None
) -> np.ndarray:
    """The bool mask of a request, given as PNG bytes or as polygons (exactly one of them)."""
    if png_bytes is not None and polygons is not None:
        raise InvalidInput("Send the mask either as a PNG or as polygons, not both.")
    if png_bytes is None and polygons is None:
        raise InvalidInput(
            "No mask was sent: give a PNG mask (“mask_png” or a “mask” file) or “polygons”."
        )
    shape = section.shape
    try:
        if png_bytes is not None:
            # decode_mask compares the PNG header's size with the section before decoding.
            return decode_mask(bytes(png_bytes), shape)
        return polygons_to_mask(_validated_polygons(polygons), shape)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


def _validated_mask(mask: np.ndarray, section: Section) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.shape != section.shape:
        got = "×".join(str(n) for n in mask.shape[::-1]) or "0"
        raise InvalidInput(
            f"The mask is {got} pixels but the section is {section.shape[1]}×{section.shape[0]} "
            "(width × height)."
        )
    if mask.dtype != bool:
        values = np.unique(mask)
        if not set(values.tolist()) <= {0, 1, 255}:
            raise InvalidInput("The mask must be binary (0 = background, 1 or 255 = nucleus).")
        mask = mask != 0
    return mask


def _validated_time(time_spent_s) -> float:
    try:
        value = float(time_spent_s or 0.0)
    except (TypeError, ValueError):
        raise InvalidInput("“time_spent_s” must be a number of seconds.") from None
    if not math.isfinite(value) or value < 0 or value > MAX_TIME_SPENT_S:
        raise InvalidInput(f"“time_spent_s” must be between 0 and {MAX_TIME_SPENT_S:.0f} seconds.")
    return value


# --------------------------------------------------------------------------------------------
# Hooks into review
# --------------------------------------------------------------------------------------------


def _review_hook(name: str):
    """A function of the review service if it provides it (it is optional for this module)."""
    if importlib.util.find_spec("annotations.services.review") is None:
        return None
    module = importlib.import_module("annotations.services.review")
    return getattr(module, name, None)


def on_annotations_complete(section: Section) -> None:
    """The section just reached its required submissions: compute the consensus proposal.

    Runs inside the submitting transaction but in a savepoint: a failing consensus must never
    cost the annotator their submission; the reviewer can recompute it later.
    """
    compute = _review_hook("consensus_compute_for_section")
    if compute is None:
        return
    try:
        with transaction.atomic():
            compute(section)
    except Exception:
        logger.exception("Consensus for section %s failed; the submission is kept.", section.pk)


def _flaggable_ground_truth():
    """Current, not yet stale, confirmed ground truth of the annotation's section."""
    return GroundTruth.objects.filter(
        section_id=OuterRef("section_id"),
        source=GroundTruthSource.CONSENSUS,
        is_current=True,
        stale=False,
    )


def _on_annotation_changed(annotation: Annotation) -> None:
    """Let review flag confirmed ground truth built from an older revision as stale."""
    # Only a section with current confirmed ground truth has anything to flag; the lock query
    # already found out (``has_ground_truth``), so the common draft save costs no extra query.
    if not getattr(annotation, "has_ground_truth", True):
        return
    changed = _review_hook("on_annotation_changed")
    if changed is None:
        return
    try:
        with transaction.atomic():
            changed(annotation)
    except Exception:
        logger.exception(
            "Review bookkeeping for annotation %s failed; the save is kept.", annotation.pk
        )


# --------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------


def _lock_section(section: Section) -> Section:
    return (
        Section.objects.select_for_update(of=("self",))
        .select_related("volume", "project", "specimen")
        .get(pk=section.pk)
    )


def _refuse_locked_section(*, user, section: Section, annotation: Annotation | None) -> None:
    if section.status == SectionStatus.EXCLUDED:
        message = "This section was excluded by a reviewer; it no longer takes annotations."
    elif section.status == SectionStatus.CONFIRMED:
        message = "This section's ground truth is confirmed; its annotations are locked."
    else:
        return
    raise ConflictError(
        message,
        current=annotation_mine_state(
            user=user, section=section, annotation=annotation, lookup=False
        ),
    )


def _adjust_counts(section: Section, *, started: int = 0, submitted: int = 0) -> None:
    changes = {}
    if started:
        changes["started_count"] = Greatest(F("started_count") + started, 0)
    if submitted:
        changes["submitted_count"] = Greatest(F("submitted_count") + submitted, 0)
    if changes:
        Section.objects.filter(pk=section.pk).update(**changes)


def _replayed_save(
    annotation: Annotation, base_revision: int | None, mask_png: bytes, status: str
) -> AnnotationRevision | None:
    """The latest revision when this save is a retry of the one that created it, else None.

    A browser that lost the answer to a save retries it with the same base; that is not a
    conflict with someone else. The mask encoding is deterministic, so equal bytes mean the
    same mask.
    """
    if annotation.revision == 0 or (base_revision or 0) != annotation.revision - 1:
        return None
    latest = (
        AnnotationRevision.objects.filter(annotation=annotation, number=annotation.revision)
        .only("mask_png", "status", "number", "annotation_id")
        .first()
    )
    if latest is None or latest.status != status or bytes(latest.mask_png) != mask_png:
        return None
    return latest


@transaction.atomic
def annotation_save(
    *,
    section: Section,
    user,
    mask: np.ndarray,
    base_revision: int | None,
    time_spent_s: float,
    submit: bool,
    source: str = "canvas",
) -> Annotation:
    """Store ``mask`` as the next revision of the user's annotation of ``section``.

    ``base_revision`` is the revision the edit started from (``None`` or 0: none yet). A stale
    base, a submitted annotation (reopen it first) or a locked section raise ``ConflictError``
    carrying the current state; nothing is stored then.
    """
    require_role(user, section.project, Role.ANNOTATOR)
    if not section.is_label_free:
        raise InvalidInput(
            "Only label-free sections are annotated; this one is a fluorescence image."
        )
    if source not in MASK_SOURCES:
        raise InvalidInput(f"Unknown mask source “{source}”; use one of {', '.join(MASK_SOURCES)}.")
    if base_revision is not None and (
        isinstance(base_revision, bool) or not isinstance(base_revision, int)
    ):
        raise InvalidInput("“base_revision” must be a revision number or null.")
    mask = _validated_mask(mask, section)
    time_spent_s = _validated_time(time_spent_s)
    # The CPU work happens before any row is locked.
    mask_png = encode_mask(mask)
    foreground = int(np.count_nonzero(mask))

    def lock_annotation() -> Annotation | None:
        return (
            Annotation.objects.select_for_update(of=("self",))
            .annotate(has_ground_truth=Exists(_flaggable_ground_truth()))
            .filter(section=section, annotator=user)
            .first()
        )

    # Lock order: section, then annotation. A draft save of an existing annotation changes no
    # counter and takes only its own row; a submit or a first save locks the section first.
    section_locked = submit
    if submit:
        section = _lock_section(section)
    annotation = lock_annotation()
    if annotation is None and not section_locked:
        # Nothing was locked (no row): taking the section now keeps the order.
        section = _lock_section(section)
        section_locked = True
        annotation = lock_annotation()
    created = False
    if annotation is None:
        _refuse_locked_section(user=user, section=section, annotation=None)
        if base_revision:
            raise ConflictError(
                f"You edited revision {base_revision}, but this section has no saved annotation of yours.",
                current=annotation_mine_state(
                    user=user, section=section, annotation=None, lookup=False
                ),
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                annotation = Annotation.objects.create(
                    section=section,
                    annotator=user,
                    status=AnnotationStatus.DRAFT,
                    revision=0,
                    created_at=now,
                    updated_at=now,
                )
            created = True
        except IntegrityError:
            annotation = Annotation.objects.select_for_update(of=("self",)).get(
                section=section, annotator=user
            )
    else:
        _refuse_locked_section(user=user, section=section, annotation=annotation)

    status = AnnotationStatus.SUBMITTED if submit else AnnotationStatus.DRAFT
    replayed = _replayed_save(annotation, base_revision, mask_png, status)
    if replayed is not None:
        # The same save again (its answer was lost on the way back): report it, store nothing.
        annotation._latest_revision = replayed
        return annotation
    if annotation.status == AnnotationStatus.SUBMITTED:
        raise ConflictError(
            "You already submitted this annotation; reopen it to make changes.",
            current=annotation_mine_state(
                user=user, section=section, annotation=annotation, lookup=False
            ),
        )
    if (base_revision or 0) != annotation.revision:
        raise ConflictError(
            f"This annotation was saved elsewhere (revision {annotation.revision}) after the version you "
            f"edited (revision {base_revision or 0}). Look at the newer version, then keep one of them.",
            current=annotation_mine_state(
                user=user, section=section, annotation=annotation, lookup=False
            ),
        )

    now = timezone.now()
    revision = AnnotationRevision(
        annotation=annotation,
        number=annotation.revision + 1,
        author=user,
        created_at=now,
        status=status,
        mask_png=mask_png,
        foreground_pixels=foreground,
        time_spent_s=time_spent_s,
        source=source,
    )
    # Related rows are locked and uniqueness is the database's job: only field checks remain.
    revision.full_clean(
        exclude=["annotation", "author"], validate_unique=False, validate_constraints=False
    )
    revision.save(force_insert=True)

    annotation.revision = revision.number
    annotation.status = status
    annotation.time_spent_s = float(annotation.time_spent_s) + time_spent_s
    annotation.updated_at = now
    if submit:
        annotation.submitted_at = now
    annotation.save(
        update_fields=["revision", "status", "time_spent_s", "updated_at", "submitted_at"]
    )
    annotation._latest_revision = revision
    annotation._latest_mask = mask

    if created:
        _adjust_counts(section, started=0 if submit else 1, submitted=1 if submit else 0)
    elif submit:
        _adjust_counts(section, started=-1, submitted=1)
    if submit:
        reached = Section.objects.filter(
            pk=section.pk,
            status__in=[SectionStatus.OPEN, SectionStatus.SENT_BACK],
            submitted_count__gte=section.project.required_annotations,
        ).update(status=SectionStatus.REVIEW)
        if reached:
            on_annotations_complete(section)
    if not created:
        _on_annotation_changed(annotation)
    if section_locked:
        section.refresh_from_db(fields=["status", "submitted_count", "started_count"])
    annotation.section = section
    return annotation


@transaction.atomic
def annotation_reopen(*, section: Section, user) -> Annotation:
    """Turn the user's own submission back into a draft, unless confirmed ground truth uses it."""
    require_role(user, section.project, Role.ANNOTATOR)
    section = _lock_section(section)
    annotation = (
        Annotation.objects.select_for_update(of=("self",))
        .filter(section=section, annotator=user)
        .first()
    )
    if annotation is None:
        raise ConflictError(
            "You have no annotation of this section to reopen.",
            current=annotation_mine_state(
                user=user, section=section, annotation=None, lookup=False
            ),
        )
    if annotation.status != AnnotationStatus.SUBMITTED:
        raise ConflictError(
            "This annotation is a draft already; you can keep editing it.",
            current=annotation_mine_state(
                user=user, section=section, annotation=annotation, lookup=False
            ),
        )
    if annotation_used_in_confirmed_ground_truth(annotation):
        raise ConflictError(
            "A reviewer confirmed ground truth built from this annotation, so it can no longer be "
            "reopened. Ask a reviewer if it needs a change.",
            current=annotation_mine_state(
                user=user, section=section, annotation=annotation, lookup=False
            ),
        )
    _refuse_locked_section(user=user, section=section, annotation=annotation)

    now = timezone.now()
    annotation.status = AnnotationStatus.DRAFT
    annotation.submitted_at = None
    annotation.updated_at = now
    annotation.save(update_fields=["status", "submitted_at", "updated_at"])
    _adjust_counts(section, started=1, submitted=-1)
    previous_status = section.status
    if previous_status == SectionStatus.REVIEW:
        Section.objects.filter(pk=section.pk, status=SectionStatus.REVIEW).update(
            status=SectionStatus.OPEN
        )
    AuditEvent.objects.create(
        section=section,
        actor=user,
        action=ReviewAction.REOPEN,
        detail={
            "annotation_id": annotation.pk,
            "revision": annotation.revision,
            "annotator": user.get_username(),
            "by": "annotator",
            "previous_status": previous_status,
        },
        at=now,
    )
    section.refresh_from_db(fields=["status", "submitted_count", "started_count"])
    annotation.section = section
    return annotation


@transaction.atomic
def annotation_return_to_draft(*, annotations: Sequence[Annotation]) -> int:
    """Make submitted annotations drafts again, keeping the section counters right.

    For the review service's "send back"; permission checks and the section's status are the
    caller's. Returns how many were reopened.
    """
    reopened = 0
    now = timezone.now()
    for annotation in annotations:
        updated = Annotation.objects.filter(
            pk=annotation.pk, status=AnnotationStatus.SUBMITTED
        ).update(status=AnnotationStatus.DRAFT, submitted_at=None, updated_at=now)
        if updated:
            _adjust_counts(annotation.section, started=1, submitted=-1)
            reopened += 1
    return reopened
