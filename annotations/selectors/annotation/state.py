"""An annotation as the editor and the API see it: its latest mask, outlines and history."""

from __future__ import annotations

import numpy as np

from annotations.imaging.label_values import stored_labels
from annotations.imaging.outlines import mask_outlines
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    GroundTruth,
    GroundTruthSource,
    Role,
    Section,
    SectionStatus,
)
from annotations.permissions import user_roles
from annotations.selectors.encoding import b64

# Sections nobody may draw on any more: excluded from the data set, or confirmed ground truth.
LOCKED_SECTION_STATUSES = frozenset({SectionStatus.EXCLUDED, SectionStatus.CONFIRMED})


def latest_revision(annotation: Annotation) -> AnnotationRevision | None:
    cached = getattr(annotation, "_latest_revision", None)
    if cached is not None and cached.number == annotation.revision:
        return cached
    return (
        AnnotationRevision.objects.filter(annotation=annotation, number=annotation.revision)
        .only("mask_png", "number", "annotation_id")
        .first()
    )


def _mask_fields(
    section: Section, revision: AnnotationRevision | None, *, mask: np.ndarray | None = None
) -> dict:
    if revision is None:
        return {"mask_png": None, "polygons": []}
    png = bytes(revision.mask_png)
    if mask is None:
        values = [int(c["value"]) for c in section.project.label_classes]
        mask = stored_labels(png, values, (), section.shape).class_map > 0
    return {"mask_png": b64(png), "polygons": mask_outlines(mask)}


def _known_mask(annotation: Annotation, revision: AnnotationRevision | None) -> np.ndarray | None:
    """The array a save just stored, so answering it needs no decoding."""
    if revision is not None and getattr(annotation, "_latest_revision", None) is revision:
        return getattr(annotation, "_latest_mask", None)
    return None


def annotation_used_in_confirmed_ground_truth(annotation: Annotation) -> bool:
    """True when the current confirmed consensus ground truth was built from this revision."""
    truths = GroundTruth.objects.filter(
        section_id=annotation.section_id, source=GroundTruthSource.CONSENSUS, is_current=True
    ).values_list("input_revisions", flat=True)
    for inputs in truths:
        for entry in inputs or []:
            if not isinstance(entry, dict):
                continue
            if (
                entry.get("annotation_id") == annotation.pk
                and entry.get("revision") == annotation.revision
            ):
                return True
    return False


def annotation_mine_state(
    *, user, section: Section, annotation: Annotation | None = None, lookup: bool = True
) -> dict:
    """What the editor gets for the user's own annotation of ``section`` (GET/PUT "mine")."""
    if annotation is None and lookup:
        annotation = Annotation.objects.filter(section=section, annotator=user).first()
    is_annotator = Role.ANNOTATOR in user_roles(user, section.project)
    section_open = section.is_label_free and section.status not in LOCKED_SECTION_STATUSES
    height, width = section.shape
    state = {
        "revision": None,
        "status": None,
        "mask_png": None,
        "polygons": [],
        "width": width,
        "height": height,
        "time_spent_s": 0.0,
        "can_edit": is_annotator and section_open,
        "can_reopen": False,
        "updated_at": None,
    }
    if annotation is None:
        return state
    submitted = annotation.status == AnnotationStatus.SUBMITTED
    state.update(
        revision=annotation.revision,
        status=annotation.status,
        time_spent_s=round(float(annotation.time_spent_s), 3),
        updated_at=annotation.updated_at,
        can_edit=is_annotator and section_open and not submitted,
        can_reopen=(
            is_annotator
            and section_open
            and submitted
            and not annotation_used_in_confirmed_ground_truth(annotation)
        ),
    )
    revision = latest_revision(annotation)
    state.update(_mask_fields(section, revision, mask=_known_mask(annotation, revision)))
    return state


def annotation_public(
    annotation: Annotation, *, revision: AnnotationRevision | None = None
) -> dict:
    """One annotation as listed by the API (the blind rule is the caller's job)."""
    section = annotation.section
    revision = revision if revision is not None else latest_revision(annotation)
    return {
        "id": annotation.pk,
        "annotator": annotation.annotator.get_username(),
        "section": annotation.section_id,
        "status": annotation.status,
        "revision": annotation.revision,
        "time_spent_s": round(float(annotation.time_spent_s), 3),
        "updated_at": annotation.updated_at,
        "submitted_at": annotation.submitted_at,
        **_mask_fields(section, revision),
    }


def annotation_revisions(*, annotation: Annotation, include_masks: bool = False) -> list[dict]:
    """The append-only history of an annotation, oldest first."""
    fields = [
        "number",
        "author__username",
        "created_at",
        "status",
        "time_spent_s",
        "foreground_pixels",
        "source",
        "origin",
        "origin_model_version",
    ]
    if include_masks:
        fields.append("mask_png")
    rows = (
        AnnotationRevision.objects.filter(annotation=annotation).order_by("number").values(*fields)
    )
    history = []
    for row in rows:
        entry = {
            "number": row["number"],
            "author": row["author__username"],
            "created_at": row["created_at"],
            "status": row["status"],
            "time_spent_s": round(float(row["time_spent_s"]), 3),
            "foreground_pixels": row["foreground_pixels"],
            "source": row["source"],
            "origin": row["origin"],
            "origin_model_version": row["origin_model_version"],
        }
        if include_masks:
            entry["mask_png"] = b64(row["mask_png"])
        history.append(entry)
    return history
