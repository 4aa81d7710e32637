"""Reads for annotating: the work queue, progress, the blind rule and what the editor is sent."""

from __future__ import annotations

import base64
import math

import numpy as np
from django.conf import settings
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
from django.http import Http404
from django.urls import reverse
from scipy import ndimage as ndi
from skimage.measure import find_contours

from annotations.imaging.masks import decode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    GroundTruth,
    GroundTruthSource,
    Modality,
    Project,
    Role,
    Section,
    SectionOffer,
    SectionStatus,
)
from annotations.permissions import require_role, user_roles

__all__ = [
    "LOCKED_SECTION_STATUSES",
    "annotate_page_config",
    "annotation_get_visible",
    "annotation_mine_state",
    "annotation_progress",
    "annotation_public",
    "annotation_revisions",
    "annotation_used_in_confirmed_ground_truth",
    "can_see_all_annotations",
    "latest_revision",
    "mask_outlines",
    "next_section_for",
    "section_is_unblinded",
    "visible_annotations",
]

# Sections nobody may draw on any more: excluded from the data set, or confirmed ground truth.
LOCKED_SECTION_STATUSES = frozenset({SectionStatus.EXCLUDED, SectionStatus.CONFIRMED})
# Statuses whose sections an annotator may keep drafting in (a 4th annotator may still finish).
DRAFTABLE_SECTION_STATUSES = (SectionStatus.OPEN, SectionStatus.REVIEW, SectionStatus.SENT_BACK)
# Two requests of the same annotator may race for the same section; a few retries always settle it.
_OFFER_ATTEMPTS = 5


# --------------------------------------------------------------------------------------------
# Queue
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Blind annotation
# --------------------------------------------------------------------------------------------


def can_see_all_annotations(user, project: Project) -> bool:
    return bool(user_roles(user, project) & {Role.REVIEWER, Role.MANAGER})


def section_is_unblinded(section: Section) -> bool:
    """Annotators see each other's work once the section has all its required submissions."""
    return section.submitted_count >= section.project.required_annotations


def visible_annotations(*, user, section: Section) -> QuerySet[Annotation]:
    """The annotations of ``section`` this user may see.

    Reviewers and managers see all of them. An annotator sees only their own until the section
    has all its required submissions, and then also the others' submitted ones (never drafts).
    Members of another project, or of none, see nothing.
    """
    queryset = Annotation.objects.filter(section=section).select_related("annotator")
    roles = user_roles(user, section.project)
    if roles & {Role.REVIEWER, Role.MANAGER}:
        return queryset
    if not roles:
        return queryset.none()
    if section_is_unblinded(section):
        return queryset.filter(Q(annotator=user) | Q(status=AnnotationStatus.SUBMITTED))
    return queryset.filter(annotator=user)


def annotation_get_visible(*, user, annotation_id: int) -> Annotation:
    """An annotation by id, or 404 when it does not exist or the blind rule hides it."""
    annotation = (
        Annotation.objects.select_related(
            "section__project", "section__volume", "section__specimen", "annotator"
        )
        .filter(pk=annotation_id)
        .first()
    )
    if annotation is None:
        raise Http404("No such annotation.")
    section = annotation.section
    require_role(user, section.project)
    if not visible_annotations(user=user, section=section).filter(pk=annotation.pk).exists():
        raise Http404("No such annotation.")
    return annotation


# --------------------------------------------------------------------------------------------
# Serialised states
# --------------------------------------------------------------------------------------------


def latest_revision(annotation: Annotation) -> AnnotationRevision | None:
    cached = getattr(annotation, "_latest_revision", None)
    if cached is not None and cached.number == annotation.revision:
        return cached
    return (
        AnnotationRevision.objects.filter(annotation=annotation, number=annotation.revision)
        .only("mask_png", "number", "annotation_id")
        .first()
    )


def _b64(data) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def mask_outlines(mask: np.ndarray) -> list[list[list[float]]]:
    """The outer outlines of a mask as polygons [[x, y], ...] in pixel-edge coordinates.

    Exact rather than simplified: every vertex where the scikit-image contour turns is kept, so
    ``polygons_to_mask`` gives back the mask (holes filled) pixel for pixel. Working on the
    mask's bounding box keeps this to a few milliseconds for a 448×448 section, cheap enough to
    answer every save with it.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return []
    cols = np.flatnonzero(mask.any(axis=0))
    top, left = int(rows[0]), int(cols[0])
    crop = np.zeros((rows[-1] - top + 3, cols[-1] - left + 3), dtype=bool)
    crop[1:-1, 1:-1] = mask[top : rows[-1] + 1, left : cols[-1] + 1]
    background, count = ndi.label(~crop)
    if count > 1:  # enclosed background: holes are filled, as outlines cannot carry them
        hole = np.ones(count + 1, dtype=bool)
        hole[0] = False
        hole[background[0]] = hole[background[-1]] = False
        hole[background[:, 0]] = hole[background[:, -1]] = False
        crop |= hole[background]
    # The crop's 1-pixel frame shifts by -1; pixel centres sit at +0.5 in edge coordinates.
    offset = np.array([left - 0.5, top - 0.5])
    polygons = []
    for contour in find_contours(crop.astype(np.float32), 0.5):
        if len(contour) > 1 and np.array_equal(contour[0], contour[-1]):
            contour = contour[:-1]
        steps = np.diff(np.vstack([contour[-1:], contour, contour[:1]]), axis=0)
        corners = contour[np.any(steps[1:] != steps[:-1], axis=1)]
        if len(corners) >= 3:
            polygons.append((corners[:, ::-1] + offset).tolist())
    return polygons


def _mask_fields(
    section: Section, revision: AnnotationRevision | None, *, mask: np.ndarray | None = None
) -> dict:
    if revision is None:
        return {"mask_png": None, "polygons": []}
    png = bytes(revision.mask_png)
    if mask is None:
        mask = decode_mask(png, section.shape)
    return {"mask_png": _b64(png), "polygons": mask_outlines(mask)}


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
        }
        if include_masks:
            entry["mask_png"] = _b64(row["mask_png"])
        history.append(entry)
    return history


# --------------------------------------------------------------------------------------------
# The annotate page
# --------------------------------------------------------------------------------------------


def _round_to(value: float, step: float, up: bool) -> float:
    scaled = value / step
    return round((math.ceil(scaled) if up else math.floor(scaled)) * step, 6)


def _display_window(section: Section) -> dict:
    stats = section.stats or {}
    if section.volume.modality == Modality.RI:
        lo, hi = settings.RI_WINDOW_DEFAULT
        low = min(lo, float(stats.get("min", lo)))
        high = max(hi, float(stats.get("max", hi)))
        return {
            "lo": lo,
            "hi": hi,
            "min": _round_to(low, 0.01, up=False),
            "max": _round_to(high, 0.01, up=True),
            "step": 0.001,
            "units": "RI",
        }
    low = float(stats.get("min", 0.0))
    high = float(stats.get("max", low + 1.0))
    if high <= low:
        high = low + 1.0
    lo = float(stats.get("p0_5", low))
    hi = float(stats.get("p99_5", high))
    if hi <= lo:
        lo, hi = low, high
    step = (high - low) / 1000.0
    return {
        "lo": lo,
        "hi": hi,
        "min": low,
        "max": high,
        "step": float(f"{step:.3g}"),
        "units": "intensity",
    }


def _image_url(section_id: int) -> str:
    return reverse("api-section-image", args=[section_id])


def annotate_page_config(*, user, section: Section, csrf_token: str, can_edit: bool) -> dict:
    """The ``annotator`` front-end module's configuration (the front-end contract)."""
    volume = section.volume
    neighbours = {"prev": None, "next": None}
    for neighbour_id, z in Section.objects.filter(
        volume=volume, z__in=[section.z - 1, section.z + 1]
    ).values_list("id", "z"):
        key = "prev" if z < section.z else "next"
        neighbours[key] = {
            "id": neighbour_id,
            "imageUrl": _image_url(neighbour_id),
            "ownMaskUrl": reverse("api-annotation-mine", args=[neighbour_id]),
        }
    fluorescence = None
    if section.project.allow_fluorescence_reference and section.fluorescence_id:
        fluorescence = {"imageUrl": _image_url(section.fluorescence_id)}
    slug = section.project.slug
    return {
        "module": "annotator",
        "csrfToken": csrf_token,
        "section": {
            "id": section.pk,
            "width": volume.size_x,
            "height": volume.size_y,
            "z": section.z,
            "nZ": volume.size_z,
            "modality": volume.modality,
            "imageUrl": _image_url(section.pk),
            "label": f"{section.specimen.name} · t{volume.time_index} · z{section.z}/{volume.size_z}",
        },
        "window": _display_window(section),
        "neighbours": neighbours,
        "fluorescence": fluorescence,
        "annotationUrl": reverse("api-annotation-mine", args=[section.pk]),
        "nextUrl": reverse("annotate-next", args=[slug]),
        "progressUrl": reverse("api-annotation-progress", args=[slug]),
        "readOnly": not can_edit,
    }
