"""The active model's proposal for one section: a binary nucleus mask as a 1-bit PNG, the
format the annotation editor loads masks in (``annotations.imaging.masks.encode_mask``).

Served from the active version's current prediction of the volume when there is one; else the
section alone is segmented on the CPU and the PNG kept in the Django cache, keyed by section and
version. Reading a proposal never writes to the database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
from django.core.cache import cache

from annotations.imaging.masks import encode_mask
from annotations.models import Section
from annotations.services.volumes import section_array
from cellweb.errors import ConflictError, NotFoundError
from inference.ml.predict import predict_sections
from inference.models import ModelVersion, PredictionResult
from inference.selectors.prediction import active_model_version

__all__ = ["Proposal", "proposal_cache_key", "section_proposal"]

CACHE_TIMEOUT_S = 7 * 24 * 3600
DEFAULT_THRESHOLD = 0.5
_MODELS_KEPT = 2  # loaded networks kept per process: the active version and the one before


@dataclass(frozen=True)
class Proposal:
    png: bytes
    model_version_id: int
    model_version_name: str
    source: str  # "prediction" (a stored result) or "computed" (now or earlier, cached)


def proposal_cache_key(section_id: int, version_id: int, result_id: int | None) -> str:
    """A stored prediction's proposal is keyed by its result too: a rerun replaces it."""
    return f"proposal:v1:{section_id}:{version_id}:{result_id or 'computed'}"


class _LoadedModels:
    """The networks of the last few versions, so a second on-demand proposal skips the load."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: OrderedDict[tuple[int, str], tuple[torch.nn.Module, dict]] = OrderedDict()

    def get(self, version: ModelVersion) -> tuple[torch.nn.Module, dict]:
        from inference.services.model_versions import model_version_load

        key = (version.pk, version.weights.name)
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        loaded = model_version_load(version, device=torch.device("cpu"))
        with self._lock:
            self._models[key] = loaded
            while len(self._models) > _MODELS_KEPT:
                self._models.popitem(last=False)
        return loaded


_models = _LoadedModels()


def _refuse_other_modality(section: Section, version: ModelVersion) -> None:
    trained_on = set((version.config or {}).get("modalities") or [])
    modality = section.volume.modality
    if not section.is_label_free:
        raise ConflictError(
            f"This section is a {modality} image; proposals are made for label-free sections.",
            code="not_label_free",
        )
    if trained_on and modality not in trained_on:
        raise ConflictError(
            f"The active model “{version.name}” was trained on {', '.join(sorted(trained_on))} "
            f"images; this section is {modality}. Start from a blank mask.",
            code="modality_mismatch",
        )


def _stored_mask(result: PredictionResult, z: int) -> np.ndarray:
    import tifffile

    with result.labels.open("rb") as fh, tifffile.TiffFile(fh) as tif:
        return tif.pages[z].asarray() > 0


def _computed_mask(section: Section, version: ModelVersion) -> np.ndarray:
    model, meta = _models.get(version)
    config = version.config or {}
    input_size = int(meta.get("input_size") or config.get("input_size") or 448)
    threshold = float(config.get("threshold") or DEFAULT_THRESHOLD)
    with torch.inference_mode():
        prob = predict_sections(
            model,
            section_array(section)[None],
            device=torch.device("cpu"),
            input_size=input_size,
            batch_size=1,
            modality=section.volume.modality,
        )
    return prob[0] > threshold


def section_proposal(section: Section) -> Proposal:
    """The active model's mask of ``section`` (the caller has checked membership).

    ``NotFoundError`` when the project has no active model; ``ConflictError`` when the model was
    trained on another modality (or the section is fluorescence).
    """
    version = active_model_version(section.project)
    if version is None:
        raise NotFoundError("This project has no active model, so there is no proposal.")
    _refuse_other_modality(section, version)

    result = (
        PredictionResult.objects.filter(
            volume_id=section.volume_id, model_version=version, is_current=True
        )
        .exclude(labels="")
        .only("pk", "labels")
        .first()
    )
    key = proposal_cache_key(section.pk, version.pk, result.pk if result else None)
    png = cache.get(key)
    if png is None:
        mask = (
            _stored_mask(result, section.z)
            if result is not None
            else _computed_mask(section, version)
        )
        png = encode_mask(mask)
        cache.set(key, png, CACHE_TIMEOUT_S)
    source = "prediction" if result is not None else "computed"
    return Proposal(png, version.pk, version.name, source)
