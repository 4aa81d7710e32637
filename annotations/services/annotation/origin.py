"""Where a saved mask started: blank, the annotator's own previous section, or a model
version's proposal. Checked before anything is locked; a save that names no origin keeps the
origin of the annotation's latest revision (a draft started from a proposal stays one)."""

from __future__ import annotations

from django.apps import apps

from annotations.models import AnnotationRevision, RevisionOrigin, Section
from cellweb.errors import InvalidInput

ORIGINS = tuple(RevisionOrigin.values)


def validated_origin(
    section: Section, origin: str | None, model_version: int | None
) -> tuple[str | None, int | None]:
    """``(origin, model version id)``; ``(None, None)`` when the client named neither."""
    if origin is None and model_version is None:
        return None, None
    if origin is None:
        origin = RevisionOrigin.MODEL
    if origin not in ORIGINS:
        raise InvalidInput(f"Unknown origin “{origin}”; use one of {', '.join(ORIGINS)}.")
    if origin != RevisionOrigin.MODEL:
        if model_version is not None:
            raise InvalidInput("“origin_model_version” is only given with the origin “model”.")
        return origin, None
    if (
        model_version is None
        or isinstance(model_version, bool)
        or not isinstance(model_version, int)
    ):
        raise InvalidInput("The origin “model” needs “origin_model_version”, a model version id.")
    model_version_cls = apps.get_model("inference", "ModelVersion")
    # A stale proposal (the active model changed since it was loaded) keeps its version; a
    # version of another project, or one that never existed, is refused.
    if not model_version_cls.objects.filter(
        pk=model_version, project_id=section.project_id
    ).exists():
        raise InvalidInput(f"Model version {model_version} is not a model of this project.")
    return origin, model_version


def inherited_origin(annotation_id: int | None, number: int) -> tuple[str, int | None]:
    """The origin of revision ``number`` of the annotation (blank when there is none)."""
    if annotation_id is None or number <= 0:
        return RevisionOrigin.BLANK, None
    row = (
        AnnotationRevision.objects.filter(annotation_id=annotation_id, number=number)
        .values_list("origin", "origin_model_version")
        .first()
    )
    return row if row is not None else (RevisionOrigin.BLANK, None)
