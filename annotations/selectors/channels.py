"""A project's label-free channels: what its networks take as input.

Every label-free volume of a project has the same channels
(``services.volume_channels.project_channels_check`` refuses an import that would differ): one
plain channel, or the named channels of a multi-channel image such as bright-field + phase.
"""

from __future__ import annotations

from annotations.models import LABEL_FREE_MODALITIES, Modality, Volume


def project_channel_names(project_id: int) -> list[str]:
    """The names of the project's label-free channels; [] for single-channel images."""
    names = (
        Volume.objects.filter(specimen__project_id=project_id, modality__in=LABEL_FREE_MODALITIES)
        .order_by("id")
        .values_list("channel_names", flat=True)
        .first()
    )
    return list(names or [])


def project_stain_names(project_id: int) -> list[str]:
    """The channels of the project's fluorescence volumes (its stains: “Hoechst”), first
    imported first."""
    names = (
        Volume.objects.filter(specimen__project_id=project_id, modality=Modality.FLUORESCENCE)
        .exclude(channel="")
        .order_by("id")
        .values_list("channel", flat=True)
    )
    return list(dict.fromkeys(names))


def project_in_channels(project_id: int) -> int:
    """How many input channels the project's networks take."""
    return max(1, len(project_channel_names(project_id)))


def channels_text(names: list[str], count: int | None = None) -> str:
    """“2 channels (bf, phase)” or “1 channel”, for messages."""
    count = max(1, len(names)) if count is None else count
    named = f" ({', '.join(names)})" if names else ""
    return f"{count} channel{'s' if count != 1 else ''}{named}"
