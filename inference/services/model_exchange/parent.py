"""Fine-tuning: which model version a training job may start from, and its weights.

Any version the user may see qualifies, from any project (a published or another lab's model
adapted to this lab's data: paper 000's cross-laboratory setting), imported ones included, as
long as its network is the one being trained (OS-Net and Unet16+GCN+SSC are the same module).
"""

from __future__ import annotations

import torch
from django.http import Http404

from annotations.permissions import require_role
from cellweb.errors import DomainError, InvalidInput, NotFoundError
from inference.ml.weights import canonical_arch
from inference.models import ModelVersion
from inference.services.model_versions import model_version_load


def fine_tune_parent_problem(*, user, arch: str, version_id: int | None) -> str | None:
    """Why training ``arch`` cannot start from version ``version_id``, or None when it can.

    A version that does not exist (or that ``user`` may not see) is a NotFoundError.
    """
    if version_id is None:
        return None
    version = ModelVersion.objects.select_related("project").filter(pk=version_id).first()
    if version is not None and user is not None:
        try:
            require_role(user, version.project)
        except (DomainError, Http404):
            version = None  # a version the user may not see does not exist for them
    if version is None:
        raise NotFoundError(f"No model version {version_id} to fine-tune from.")
    if canonical_arch(version.arch) != canonical_arch(arch):
        return (
            f"Model version {version_id} is a {version.arch} network; fine-tuning keeps the "
            f"architecture, so train {version.arch} (not {arch}) from it."
        )
    return None


def fine_tune_parent_weights(version_id: int) -> dict[str, torch.Tensor]:
    """The parent's state dict, for the fold that starts from it."""
    version = ModelVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise InvalidInput(
            f"Model version {version_id}, which this job fine-tunes, was deleted; launch again."
        )
    model, _ = model_version_load(version)
    return model.state_dict()
