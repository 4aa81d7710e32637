"""The channels of a multi-channel label-free volume (docs/channels.md): their names checked as
a person gives them, and one set of channels for every label-free volume of a project (the
networks' input)."""

from __future__ import annotations

from annotations.models import LABEL_FREE_MODALITIES, Volume
from annotations.selectors.channels import channels_text, project_channel_names
from cellweb.errors import ConflictError, InvalidInput


def project_channels_check(project_id: int, *, modality: str, names: list[str]) -> None:
    """Every label-free volume of a project has the same channels: the network's input."""
    if modality not in LABEL_FREE_MODALITIES:
        return
    if not Volume.objects.filter(
        specimen__project_id=project_id, modality__in=LABEL_FREE_MODALITIES
    ).exists():
        return
    have = project_channel_names(project_id)
    if have != names:
        raise ConflictError(
            f"The project's label-free images have {channels_text(have)}; this one has "
            f"{channels_text(names)}. A project's networks take one set of input channels, so "
            "every label-free image of it must have the same channels, in the same order.",
            code="channels_differ",
        )


def channel_names_check(names: list[str] | None, *, modality: str = "") -> list[str]:
    """The names of a multi-channel label-free image, checked; [] for a single channel."""
    names = [str(n).strip() for n in (names or [])]
    if len(names) <= 1:
        return []
    if modality and modality not in LABEL_FREE_MODALITIES:
        raise InvalidInput("Only a label-free image may have several channels in one volume.")
    if any(not n or len(n) > 32 for n in names):
        raise InvalidInput("Each channel needs a name of 1 to 32 characters (e.g. “bf,phase”).")
    if len(set(names)) != len(names):
        raise InvalidInput(f"The channel names must differ; got {', '.join(names)}.")
    return names
