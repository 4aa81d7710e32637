"""A model version's input channels against a project's label-free channels.

A network takes as many input channels as the images it was trained on: one, or the project's
named channels (bright-field + phase, several focal planes). Predicting, evaluating or
fine-tuning with a version whose channels differ from the project's is refused before anything
is queued (409 ``channel_mismatch``).
"""

from __future__ import annotations

from annotations.selectors.channels import channels_text, project_channel_names
from cellweb.errors import ConflictError
from inference.models import ModelVersion
from inference.services.model_versions import model_version_payload


def version_channels(version: ModelVersion) -> tuple[int, list[str]]:
    """(input channels, their names) of ``version``'s weights; names are [] for one channel or
    for weights that do not name theirs."""
    payload = model_version_payload(version)
    return int(payload.get("in_channels") or 1), list(payload.get("channel_names") or [])


def channels_problem(version: ModelVersion, project_id: int) -> str | None:
    """Why ``version`` cannot read the project's images, or None when it can."""
    count, names = version_channels(version)
    wanted = project_channel_names(project_id)
    if count == max(1, len(wanted)) and (not names or not wanted or names == wanted):
        return None
    return (
        f"Model version “{version.name}” takes {channels_text(names, count)}; this project's "
        f"label-free images have {channels_text(wanted)}. A network reads the channels it was "
        "trained on: choose a version trained on images with the same channels."
    )


def require_project_channels(version: ModelVersion, project_id: int) -> None:
    """Refuse (409 ``channel_mismatch``) a version whose input channels differ from the
    project's."""
    if problem := channels_problem(version, project_id):
        raise ConflictError(problem, code="channel_mismatch")
