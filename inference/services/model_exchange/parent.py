"""Fine-tuning: which model version a training job may start from, and its weights.

Any version the user may see qualifies, from any project (a published or another lab's model
adapted to this lab's data: paper 000's cross-laboratory setting), imported ones included, as
long as its network is the one being trained (OS-Net and Unet16+GCN+SSC are the same module) and
takes as many input channels. An in-silico-labelling version (paper 004) lends its encoder and
decoder; its output head, which predicted the stain, is replaced by a freshly initialised one.
"""

from __future__ import annotations

import torch
from django.http import Http404

from annotations.permissions import require_role
from cellweb.errors import DomainError, InvalidInput, NotFoundError
from inference.ml.isl import pretrained_body, weights_in_channels
from inference.ml.weights import canonical_arch
from inference.models import ModelVersion, ModelVersionTask
from inference.services.channels import channels_problem
from inference.services.model_versions import model_version_load, model_version_payload
from inference.services.training.config import TrainingDataConflict

# Without a project to ask, the networks trained here take one channel: the section.
TRAINING_IN_CHANNELS = 1


def fine_tune_parent_problem(
    *, user, arch: str, version_id: int | None, project_id: int | None = None
) -> str | None:
    """Why training ``arch`` cannot start from version ``version_id``, or None when it can.

    A version that does not exist (or that ``user`` may not see) is a NotFoundError. With
    ``project_id``, a version whose input channels differ from that project's label-free
    channels is a TrainingDataConflict ``channel_mismatch`` (409); without, one channel is
    expected.
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
    if project_id is None:
        payload = model_version_payload(version)
        channels = weights_in_channels(payload["state_dict"])
        if channels != TRAINING_IN_CHANNELS:
            return (
                f"Model version {version_id} takes {channels} input channels; the network "
                f"trained here takes {TRAINING_IN_CHANNELS}, so its first layer cannot be reused."
            )
    elif problem := channels_problem(version, project_id):
        raise TrainingDataConflict({"from_version": problem}, code="channel_mismatch")
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


def fine_tune_parent_load(network: torch.nn.Module, version_id: int) -> None:
    """Start ``network`` from the parent: every weight, or for an in-silico-labelling parent
    every weight but the output head (which keeps its fresh initialisation)."""
    state = fine_tune_parent_weights(version_id)
    task = ModelVersion.objects.filter(pk=version_id).values_list("task", flat=True).first()
    if task == ModelVersionTask.ISL:
        missing, unexpected = network.load_state_dict(pretrained_body(state), strict=False)
        if unexpected or any(not k.startswith("head.") for k in missing):
            raise InvalidInput(f"Model version {version_id}'s weights do not fit this network.")
    else:
        network.load_state_dict(state)
