"""The active model's proposal for one section: a binary nucleus mask as a 1-bit PNG, the
format the annotation editor loads masks in (``annotations.imaging.masks.encode_mask``), or the
labels of a version of several classes as a label PNG (``annotations.imaging.labels``).

Served, in this order, from the proposal stored ahead for the section and the active version
(``StoredProposal``, the "proposals" job), from the active version's current prediction of the
volume, else the section alone is segmented on the CPU and the PNG kept in the Django cache,
keyed by section and version. Reading a proposal never writes to the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from django.conf import settings
from django.core.cache import cache

from annotations.imaging.masks import encode_mask
from annotations.models import ProposalMode, Section
from annotations.selectors.annotation.independence import proposals_withheld_reason
from annotations.services.volumes import section_pixels
from cellweb.errors import ConflictError, NotFoundError
from inference.label_png import labels_png
from inference.ml.device import cpu_has_native_bf16
from inference.ml.infer import field_settings
from inference.ml.predict import PredictOptions, predict_sections
from inference.ml.predict_labels import section_labels
from inference.models import ModelVersion, PredictionResult, StoredProposal
from inference.output_classes import version_instance_values, version_outputs
from inference.selectors.loaded_models import LoadedModels
from inference.selectors.prediction import active_model_version

__all__ = [
    "Proposal",
    "prediction_page_mask",
    "proposal_cache_key",
    "prediction_for_proposals",
    "proposal_masks",
    "proposal_pngs",
    "proposal_refusal",
    "section_proposal",
]

CACHE_TIMEOUT_S = 7 * 24 * 3600
DEFAULT_THRESHOLD = 0.5
_MODELS_KEPT = 2  # loaded networks kept per process: the active version and the one before


@dataclass(frozen=True)
class Proposal:
    png: bytes
    model_version_id: int
    model_version_name: str
    source: str  # "prediction" (a stored result) or "computed" (ahead, now or earlier)


def proposal_cache_key(section_id: int, version_id: int, result_id: int | None) -> str:
    """A stored prediction's proposal is keyed by its result too: a rerun replaces it."""
    return f"proposal:v1:{section_id}:{version_id}:{result_id or 'computed'}"


_models = LoadedModels(kept=_MODELS_KEPT)


def proposal_refusal(
    *, modality: str, is_label_free: bool, version_name: str, modalities
) -> str | None:
    """Why the active model cannot propose for a section of ``modality``, or None."""
    if not is_label_free:
        return f"This section is a {modality} image; proposals are made for label-free sections."
    trained_on = set(modalities or [])
    if trained_on and modality not in trained_on:
        return (
            f"The active model “{version_name}” was trained on {', '.join(sorted(trained_on))} "
            f"images; this section is {modality}. Start from a blank mask."
        )
    return None


def _refuse(section: Section, version: ModelVersion) -> None:
    if section.project.proposals == ProposalMode.OFF:
        # The editor offers nothing then; a request made anyway must not get the model's mask,
        # or the project's choice of annotating without a model would be one URL away.
        raise ConflictError(
            f"Project “{section.project.name}” does not offer model proposals (its setting is "
            "off). Start from a blank mask.",
            code="proposal_unavailable",
        )
    reason = proposal_refusal(
        modality=section.volume.modality,
        is_label_free=section.is_label_free,
        version_name=version.name,
        modalities=(version.config or {}).get("modalities"),
    )
    reason = reason or proposals_withheld_reason(
        section.pk, section.project.annotations_before_proposals
    )
    if reason:
        raise ConflictError(reason, code="proposal_unavailable")


def prediction_page_mask(result: PredictionResult, z: int) -> np.ndarray:
    import tifffile

    with result.labels.open("rb") as fh, tifffile.TiffFile(fh) as tif:
        return tif.pages[z].asarray() > 0


def prediction_for_proposals(version: ModelVersion, volume_id: int) -> PredictionResult | None:
    """The version's current prediction of the volume, whose nuclei a binary version's
    proposals reuse; a version of several classes computes its labels instead."""
    if version_outputs(version.config or {}) is not None:
        return None
    return (
        PredictionResult.objects.filter(volume_id=volume_id, model_version=version, is_current=True)
        .exclude(labels="")
        .only("pk", "labels")
        .first()
    )


def proposal_masks(
    model: torch.nn.Module, meta: dict, version: ModelVersion, sections: np.ndarray, **options
) -> np.ndarray:
    """Binary masks (z, y, x) of a stack of sections of one modality, as the editor gets them.

    ``options``: those of ``_maps`` (modality, device, batch size, CPU bf16)."""
    return _maps(model, meta, version, sections, **options) > _threshold(version)


def _threshold(version: ModelVersion) -> float:
    return float((version.config or {}).get("threshold") or DEFAULT_THRESHOLD)


def _maps(
    model: torch.nn.Module,
    meta: dict,
    version: ModelVersion,
    sections: np.ndarray,
    *,
    modality: str,
    device: torch.device,
    batch_size: int = 1,
    cpu_bf16: bool = False,
    layout=None,
) -> np.ndarray:
    """The model's output maps of ``sections``, under the version's field settings.

    ``cpu_bf16``: the convolutions in bf16 on the CPU (the probabilities move by ~1e-3, so
    only pixels that close to the threshold can flip); CUDA always uses bf16 autocast."""
    config = version.config or {}
    field = field_settings(meta, config)
    bf16 = torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu_bf16 and device.type == "cpu")
    with torch.inference_mode(), bf16:
        return predict_sections(
            model,
            sections,
            device=device,
            input_size=field.input_size,
            batch_size=batch_size,
            modality=modality,
            tile_large=field.tile_large,
            layout=layout,
            foreground_two_pass=bool(config.get("foreground_normalise")),
        )


def proposal_pngs(
    model: torch.nn.Module, meta: dict, version: ModelVersion, sections: np.ndarray, **options
) -> list[bytes]:
    """The stored form of each section's proposal: a binary version's 1-bit nucleus mask
    (``encode_mask``, as ever), or for a version of several classes or with an instance output
    its labels (``label_output.labels_from_output``) as a 16-bit instance map when the project
    has instance classes, else an 8-bit class map (docs/labels.md). ``options``: as
    ``proposal_masks``."""
    outputs = version_outputs(version.config or {})
    if outputs is None:
        return [encode_mask(m) for m in proposal_masks(model, meta, version, sections, **options)]
    layout, classes = outputs
    maps = _maps(model, meta, version, sections, layout=layout, **options)
    project = version.project.label_classes
    labels = [int(c["value"]) for c in project]
    instance_kind = version_instance_values(project)
    predict_options = PredictOptions(threshold=_threshold(version))
    values = [int(c["value"]) for c in classes]
    return [
        labels_png(class_map, instances, found, labels, instance_kind)
        for class_map, instances, found in section_labels(
            maps, layout, values, version_instance_values(classes), predict_options
        )
    ]


def _computed_png(section: Section, version: ModelVersion) -> bytes:
    if settings.PROPOSAL_THREADS:
        # One request's convolutions on every core stall when the web process has others to
        # answer, or the host is shared: 3-4x slower than one thread on a loaded 2-core host.
        torch.set_num_threads(settings.PROPOSAL_THREADS)
    model, meta = _models.get(version)
    pngs = proposal_pngs(
        model,
        meta,
        version,
        section_pixels(section)[None],
        modality=section.volume.modality,
        device=torch.device("cpu"),
        cpu_bf16=settings.PROPOSAL_BF16 and cpu_has_native_bf16(),
    )
    return pngs[0]


def section_proposal(section: Section) -> Proposal:
    """The active model's mask of ``section`` (the caller has checked membership).

    ``NotFoundError`` when the project has no active model; ``ConflictError`` when the project's
    proposal setting is off, when the model was trained on another modality (or the section is
    fluorescence), or while the section lacks the project's first K annotations made without a
    proposal.
    """
    version = active_model_version(section.project)
    if version is None:
        raise NotFoundError("This project has no active model, so there is no proposal.")
    _refuse(section, version)
    stored = (
        StoredProposal.objects.filter(section=section, model_version=version)
        .values_list("png", "source")
        .first()
    )
    if stored is not None:
        return Proposal(bytes(stored[0]), version.pk, version.name, stored[1])

    result = prediction_for_proposals(version, section.volume_id)
    key = proposal_cache_key(section.pk, version.pk, result.pk if result else None)
    png = cache.get(key)
    if png is None:
        png = (
            encode_mask(prediction_page_mask(result, section.z))
            if result is not None
            else _computed_png(section, version)
        )
        cache.set(key, png, CACHE_TIMEOUT_S)
    source = "prediction" if result is not None else "computed"
    return Proposal(png, version.pk, version.name, source)
