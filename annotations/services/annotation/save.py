"""Saving a draft or submitting: each save appends a numbered revision, never an update.

A save names the revision it was based on; if another tab or device saved in between, the save
is refused with the newer version so the annotator can choose, and nothing is stored.
"""

from __future__ import annotations

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.utils import timezone

from annotations.imaging.masks import encode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    RevisionOrigin,
    Role,
    Section,
    SectionStatus,
)
from annotations.permissions import require_role
from annotations.selectors.annotation import annotation_mine_state
from annotations.services.locking import lock_section
from cellweb.errors import ConflictError, InvalidInput

from .effort import correction_effort_record, proposal_remember
from .hooks import flaggable_ground_truth, on_annotation_changed, on_annotations_complete
from .labelmask import LabelMask
from .origin import inherited_origin, validated_origin
from .payload import MASK_SOURCES, validated_mask, validated_time
from .sections import adjust_counts, refuse_locked_section


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


def _own_lost_saves(annotation: Annotation, base_revision: int | None, session: str) -> bool:
    """Whether every revision after ``base_revision`` was saved by the editor page ``session``.

    A page whose save reached the server but whose answer was lost still believes in the older
    revision; its next save (with edits made meanwhile) is based on it. Its mask holds every
    edit of those revisions, so it goes on top: it is not a conflict with another tab.
    """
    base = base_revision or 0
    if not session or base >= annotation.revision:
        return False
    sessions = set(
        AnnotationRevision.objects.filter(annotation=annotation, number__gt=base).values_list(
            "editor_session", flat=True
        )
    )
    return sessions == {session}


@transaction.atomic
def annotation_save(
    *,
    section: Section,
    user,
    mask: np.ndarray | LabelMask,
    base_revision: int | None,
    time_spent_s: float,
    submit: bool,
    source: str = "canvas",
    origin: str | None = None,
    origin_model_version: int | None = None,
    proposal_mask: np.ndarray | None = None,
    editor_session: str = "",
) -> Annotation:
    """Store ``mask`` as the next revision of the user's annotation of ``section``.

    ``base_revision`` is the revision the edit started from (``None`` or 0: none yet). A stale
    base, a submitted annotation (reopen it first) or a locked section raise ``ConflictError``
    carrying the current state; nothing is stored then. ``origin`` (``blank``,
    ``own_previous`` or ``model`` with ``origin_model_version``) records where the mask started;
    left out, the latest revision's origin carries over (blank for a first save).
    ``mask`` is a bool mask (stored as binary) or a checked ``LabelMask`` (payload.py:
    ``labels_from_payload``); effort and counts use its foreground.
    ``proposal_mask`` is the proposal the editor loaded (only with the origin ``model``); a
    submission is measured against it (``effort.correction_effort_record``).
    ``editor_session`` names the editor page (``_own_lost_saves``): a base older than the latest
    revision is accepted when every revision since came from the same page.
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
    if not isinstance(editor_session, str) or len(editor_session) > 64:
        raise InvalidInput("“editor_session” must be text of at most 64 characters.")
    origin, origin_model_version = validated_origin(section, origin, origin_model_version)
    if proposal_mask is not None:
        if origin != RevisionOrigin.MODEL:
            raise InvalidInput(
                "“proposal_png” is sent with the origin “model” and its “origin_model_version”."
            )
        proposal_mask = validated_mask(proposal_mask, section)
    if not isinstance(mask, LabelMask):
        binary = validated_mask(mask, section)
        mask = LabelMask(encode_mask(binary), binary)
    time_spent_s = validated_time(time_spent_s)
    # The CPU work (decoding, encoding) happened before any row is locked.
    mask_png = mask.mask_png
    mask = mask.foreground
    foreground = int(np.count_nonzero(mask))

    def lock_annotation() -> Annotation | None:
        return (
            Annotation.objects.select_for_update(of=("self",))
            .annotate(has_ground_truth=Exists(flaggable_ground_truth()))
            .filter(section=section, annotator=user)
            .first()
        )

    # Lock order: section, then annotation. A draft save of an existing annotation changes no
    # counter and takes only its own row; a submit or a first save locks the section first.
    section_locked = submit
    if submit:
        section = lock_section(section)
    annotation = lock_annotation()
    if annotation is None and not section_locked:
        # Nothing was locked (no row): taking the section now keeps the order.
        section = lock_section(section)
        section_locked = True
        annotation = lock_annotation()
    created = False
    if annotation is None:
        refuse_locked_section(user=user, section=section, annotation=None)
        if base_revision:
            raise ConflictError(
                f"You edited revision {base_revision}, but this section has no saved annotation of yours.",
                code="stale_revision",
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
        refuse_locked_section(user=user, section=section, annotation=annotation)

    status = AnnotationStatus.SUBMITTED if submit else AnnotationStatus.DRAFT
    replayed = _replayed_save(annotation, base_revision, mask_png, status)
    if replayed is not None:
        # The same save again (its answer was lost on the way back): report it, store nothing.
        annotation._latest_revision = replayed
        return annotation
    if annotation.status == AnnotationStatus.SUBMITTED:
        raise ConflictError(
            "You already submitted this annotation; reopen it to make changes.",
            code="annotation_submitted",
            current=annotation_mine_state(
                user=user, section=section, annotation=annotation, lookup=False
            ),
        )
    if (base_revision or 0) != annotation.revision and not _own_lost_saves(
        annotation, base_revision, editor_session
    ):
        raise ConflictError(
            f"This annotation was saved elsewhere (revision {annotation.revision}) after the version you "
            f"edited (revision {base_revision or 0}). Look at the newer version, then keep one of them.",
            code="stale_revision",
            current=annotation_mine_state(
                user=user, section=section, annotation=annotation, lookup=False
            ),
        )

    if origin is None:
        origin, origin_model_version = inherited_origin(annotation.pk, annotation.revision)
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
        origin=origin,
        origin_model_version=origin_model_version,
        editor_session=editor_session,
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
    if proposal_mask is not None:
        proposal_remember(
            annotation=annotation, model_version=origin_model_version, mask=proposal_mask
        )
    if submit:
        correction_effort_record(annotation=annotation, revision=revision, mask=mask)

    if created:
        adjust_counts(section, started=0 if submit else 1, submitted=1 if submit else 0)
    elif submit:
        adjust_counts(section, started=-1, submitted=1)
    if submit:
        reached = Section.objects.filter(
            pk=section.pk,
            status__in=[SectionStatus.OPEN, SectionStatus.SENT_BACK],
            submitted_count__gte=section.project.required_annotations,
        ).update(status=SectionStatus.REVIEW)
        if reached:
            on_annotations_complete(section)
    if not created:
        on_annotation_changed(annotation)
    if section_locked:
        section.refresh_from_db(fields=["status", "submitted_count", "started_count"])
    annotation.section = section
    return annotation
