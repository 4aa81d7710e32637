"""Model versions: storing trained weights with their provenance, loading them, activating one.

Weights files hold a plain dict (tensors and plain values only, so they load with
``torch.load(weights_only=True)`` and never execute code)::

    {"format": 1, "arch": "osnet", "input_size": 448, "in_channels": 1, "channel_names": [],
     "normalisation": "inference.ml.data.normalise", "state_dict": {...}}
"""

from __future__ import annotations

import io
import pickle
import uuid
from typing import Any

import torch
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from torch import nn

from annotations.models import Role
from annotations.permissions import require_role
from cellweb.errors import ConflictError, InvalidInput
from inference.ml.heads import attach_heads
from inference.ml.isl import weights_in_channels
from inference.ml.nets import create_model
from inference.models import ModelVersion, ModelVersionTask
from inference.output_classes import version_outputs
from inference.services.proposals import proposals_after_activation

WEIGHTS_FORMAT = 1

__all__ = [
    "WEIGHTS_FORMAT",
    "model_version_activate",
    "model_version_create",
    "model_version_load",
    "model_version_make_active",
    "model_version_payload",
    "require_segmentation",
    "weights_payload",
]


def weights_payload(
    model: nn.Module, *, arch: str, input_size: int, channel_names: list[str] | None = None
) -> bytes:
    """The weights file of ``model``; ``channel_names`` names its input channels when the
    project's label-free images have several (bright-field + phase, ...)."""
    state = {
        k: v.detach().to("cpu").contiguous()
        for k, v in getattr(model, "_orig_mod", model).state_dict().items()
    }
    buffer = io.BytesIO()
    torch.save(
        {
            "format": WEIGHTS_FORMAT,
            "arch": arch,
            "input_size": int(input_size),
            "in_channels": weights_in_channels(state),
            "channel_names": list(channel_names or []),
            "normalisation": "inference.ml.data.normalise",
            "state_dict": state,
        },
        buffer,
    )
    return buffer.getvalue()


def model_version_create(
    *,
    project,
    name: str,
    arch: str,
    weights: bytes,
    kind: str = "fold",
    job=None,
    fold=None,
    config: dict | None = None,
    snapshot=None,
    train_specimens: list | None = None,
    val_specimens: list | None = None,
    code_version: str = "",
    metrics: dict | None = None,
    created_by=None,
    provenance: str = "trained",
    parent: ModelVersion | None = None,
    origin: dict | None = None,
    task: str = ModelVersionTask.SEGMENTATION,
) -> ModelVersion:
    """Store ``weights`` under ``models/<project>/`` and record the version.

    The file is written before the row and deleted again when the row cannot be saved; a caller
    whose transaction fails afterwards deletes ``version.weights`` itself (see ``training``)."""
    version = ModelVersion(
        project=project,
        job=job,
        fold=fold,
        kind=kind,
        name=name[:200],
        arch=arch,
        config=config or {},
        snapshot=snapshot,
        train_specimens=train_specimens or [],
        val_specimens=val_specimens or [],
        code_version=code_version,
        metrics=metrics or {},
        created_by=created_by,
        provenance=provenance,
        parent=parent,
        origin=origin or {},
        task=task,
    )
    label = f"job{job.pk}-" if job is not None else ""
    label += f"fold{fold.index}-" if fold is not None and kind == "fold" else f"{kind}-"
    version.weights.save(f"{label}{uuid.uuid4().hex[:12]}.pt", ContentFile(weights), save=False)
    try:
        version.full_clean(exclude=["weights"])
        version.save()
    except BaseException:
        version.weights.storage.delete(version.weights.name)
        raise
    return version


def require_segmentation(version: ModelVersion) -> None:
    """409 for an in-silico-labelling version where a segmentation model is needed (activating,
    predicting, evaluating): it predicts the stain, not a mask."""
    if version.task == ModelVersionTask.ISL:
        raise ConflictError(
            f"“{version.name}” is an in-silico-labelling model: it predicts the stain, not a "
            "nucleus mask, so it cannot segment. Fine-tune a segmentation model from it first.",
            code="not_a_segmentation_model",
        )


def model_version_activate(*, version: ModelVersion, user) -> ModelVersion:
    """Make ``version`` the one used for prediction in its project (managers only)."""
    require_role(user, version.project, Role.MANAGER)
    return model_version_make_active(version=version)


def model_version_make_active(*, version: ModelVersion) -> ModelVersion:
    """Activate without a person: a project rule that decided it (a retrain round whose model
    is better on the same set). ``model_version_activate`` is the managers' path."""
    require_segmentation(version)
    try:
        with transaction.atomic():
            # Lock the project's versions so two managers activating at once cannot both win.
            list(
                ModelVersion.objects.select_for_update()
                .filter(project=version.project)
                .values_list("id")
            )
            ModelVersion.objects.filter(project=version.project, is_active=True).exclude(
                pk=version.pk
            ).update(is_active=False)
            if not version.is_active:
                version.is_active = True
                version.save(update_fields=["is_active"])
            proposals_after_activation(version)
    except IntegrityError:
        raise ConflictError(
            "Another version was activated at the same moment; reload and try again.",
            code="activation_race",
        ) from None
    return version


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def model_version_payload(version: ModelVersion) -> dict[str, Any]:
    """The weights file's dict (metadata and ``state_dict``), read without executing code.

    A missing or unreadable file is the version's state, not the request's: 409, with a code."""
    try:
        with version.weights.open("rb") as fh:
            raw = fh.read()
    except (FileNotFoundError, ValueError):
        raise ConflictError(
            f"The weights file of model version “{version.name}” is missing; choose another "
            "version, or import or train this one again.",
            code="weights_missing",
        ) from None
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
        raise ConflictError(
            f"The weights file of model version “{version.name}” cannot be read "
            f"({_first_line(exc)}); choose another version, or import or train this one again.",
            code="weights_unreadable",
        ) from None
    if not isinstance(payload, dict) or "state_dict" not in payload:
        raise InvalidInput(
            f"The weights of model version “{version.name}” are not a CellWeb weights file."
        )
    return payload


def model_version_load(
    version: ModelVersion, *, device: torch.device | None = None
) -> tuple[nn.Module, dict[str, Any]]:
    """The network of ``version`` with its weights, in eval mode, and the file's metadata."""
    payload = model_version_payload(version)
    model = create_model(
        payload.get("arch", version.arch), in_channels=int(payload.get("in_channels") or 1)
    )
    recorded = version_outputs(version.config or {})
    if recorded is not None:  # several classes or an instance output (docs/labels.md)
        attach_heads(model, recorded[0])
    model.load_state_dict(payload["state_dict"])
    model.eval()
    if device is not None:
        model = model.to(device=device, memory_format=torch.channels_last)
    meta = {k: v for k, v in payload.items() if k != "state_dict"}
    return model, meta
