"""The virtual stain of a section: what an in-silico-labelling version (paper 004) predicts the
fluorescence to look like, as an 8-bit grey PNG the size of the section.

Works for any label-free section, stained or not. Computed on the CPU on first request and kept
in the Django cache, keyed by section and version; reading it never writes to the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from django.core.cache import cache
from django.http import Http404

from annotations.imaging.png import encode_png
from annotations.models import Section
from annotations.permissions import require_role
from annotations.services.volumes import section_pixels
from cellweb.errors import ConflictError, DomainError, NotFoundError
from inference.ml.infer import field_settings
from inference.ml.isl import predict_stain
from inference.models import ModelVersion, ModelVersionTask
from inference.selectors.loaded_models import LoadedModels

__all__ = ["VirtualStain", "isl_version_for", "section_virtual_stain", "virtual_stain_cache_key"]

CACHE_TIMEOUT_S = 7 * 24 * 3600
_models = LoadedModels()


@dataclass(frozen=True)
class VirtualStain:
    png: bytes
    model_version_id: int
    model_version_name: str


def virtual_stain_cache_key(section_id: int, version_id: int) -> str:
    return f"virtual-stain:v1:{section_id}:{version_id}"


def isl_version_for(*, user, section: Section, version_id: int | None) -> ModelVersion:
    """Version ``version_id`` (any the user may see), or the section's project's newest
    in-silico-labelling version. 404 when there is none; 409 for a segmentation version."""
    if version_id is None:
        version = (
            ModelVersion.objects.filter(project=section.project, task=ModelVersionTask.ISL)
            .order_by("-created_at", "-id")
            .first()
        )
        if version is None:
            raise NotFoundError(
                "This project has no in-silico-labelling model yet; run an in-silico-labelling "
                "job to see virtual stains."
            )
        return version
    version = ModelVersion.objects.select_related("project").filter(pk=version_id).first()
    if version is not None:
        try:
            require_role(user, version.project)
        except (DomainError, Http404):
            version = None
    if version is None:
        raise NotFoundError(f"No model version {version_id}.")
    if version.task != ModelVersionTask.ISL:
        raise ConflictError(
            f"“{version.name}” is a segmentation model; a virtual stain needs an "
            "in-silico-labelling version.",
            code="not_an_isl_model",
        )
    return version


def _stain_png(section: Section, version: ModelVersion) -> bytes:
    model, meta = _models.get(version)
    field = field_settings(meta, version.config)
    with torch.inference_mode():
        stain = predict_stain(
            model,
            section_pixels(section),
            device=torch.device("cpu"),
            input_size=field.input_size,
            modality=section.volume.modality,
            tile_large=field.tile_large,
        )
    # The stain was learnt scaled by its 1st/99.8th percentiles: 0-1 maps to black-white.
    return encode_png(np.round(np.clip(stain, 0.0, 1.0) * 255.0).astype(np.uint8))


def section_virtual_stain(*, user, section: Section, version_id: int | None) -> VirtualStain:
    """The caller has checked that ``user`` may see ``section``."""
    if not section.is_label_free:
        raise ConflictError(
            f"This section is a {section.volume.modality} image; the virtual stain is predicted "
            "from a label-free section.",
            code="not_label_free",
        )
    version = isl_version_for(user=user, section=section, version_id=version_id)
    key = virtual_stain_cache_key(section.pk, version.pk)
    png = cache.get(key)
    if png is None:
        png = _stain_png(section, version)
        cache.set(key, png, CACHE_TIMEOUT_S)
    return VirtualStain(png, version.pk, version.name)
