"""Which stain stack belongs to which label-free volume, and parameters read from a form, the
API or the command line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from annotations.imaging.readers.channel_roles import channel_role
from annotations.models import (
    LABEL_FREE_MODALITIES,
    GroundTruthSource,
    Modality,
    Project,
    Specimen,
    Volume,
)
from cellweb.errors import InvalidInput
from inference.ml.fluorescence import FluorescenceGTParams

__all__ = [
    "FLAGGED",
    "SOURCE",
    "FluorescencePair",
    "fluorescence_gt_params",
    "fluorescence_pairs",
]

SOURCE = GroundTruthSource.FLUORESCENCE
# Fluorescence ground truth whose stain and mask disagree (``params["quality"]`` set, not null;
# a bare ``params__quality__isnull=False`` would also match a stored null).
FLAGGED = Q(params__has_key="quality") & ~Q(params__quality=None)


@dataclass(frozen=True)
class FluorescencePair:
    label_free: Volume
    fluorescence: Volume


def fluorescence_gt_params(data: dict[str, Any] | None = None) -> FluorescenceGTParams:
    """Parameters from a plain dict (form, API, command), with a clear message when invalid."""
    data = dict(data or {})
    known = set(FluorescenceGTParams.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"Unknown fluorescence parameter(s): {', '.join(unknown)}.")
    if data.get("value") in ("", None):
        data["value"] = None
    try:
        return FluorescenceGTParams(**data)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"Invalid fluorescence parameters: {exc}") from None


def _stain_rank(volume: Volume) -> tuple[int, str]:
    """Channels named like a nuclear stain first (the import's reading of channel names:
    DAPI, Hoechst 33342, H33342, DRAQ5...), then by name."""
    return (0 if channel_role(volume.channel) == "stain" else 1, volume.channel)


def fluorescence_pairs(
    *,
    project: Project,
    specimens: Iterable[Specimen | int] | None = None,
    volumes: Iterable[Volume | int] | None = None,
    channel: str | None = None,
) -> list[FluorescencePair]:
    """Label-free volumes of ``project`` with their paired stain stack, in a stable order.

    With several fluorescence channels for one label-free volume, ``channel`` picks one by
    name; otherwise a channel named like a nuclear stain (DAPI, Hoechst...) wins, then the
    first by name.
    """
    label_free = Volume.objects.filter(
        specimen__project=project, modality__in=LABEL_FREE_MODALITIES
    ).select_related("specimen")
    if specimens is not None:
        ids = [s.pk if isinstance(s, Specimen) else int(s) for s in specimens]
        label_free = label_free.filter(specimen_id__in=ids)
    if volumes is not None:
        ids = [v.pk if isinstance(v, Volume) else int(v) for v in volumes]
        label_free = label_free.filter(pk__in=ids)
    label_free = list(label_free.order_by("specimen__name", "specimen_id", "time_index", "id"))
    stains: dict[int, list[Volume]] = {}
    for stain in Volume.objects.filter(
        paired_with__in=[v.pk for v in label_free], modality=Modality.FLUORESCENCE
    ):
        stains.setdefault(stain.paired_with_id, []).append(stain)
    pairs = []
    for volume in label_free:
        candidates = stains.get(volume.pk, [])
        if channel:
            candidates = [c for c in candidates if c.channel.lower() == channel.lower()]
        if not candidates:
            continue
        chosen = sorted(candidates, key=_stain_rank)[0]
        if chosen.shape != volume.shape:
            continue  # volume_create refuses such pairs; stay safe with older data
        pairs.append(FluorescencePair(label_free=volume, fluorescence=chosen))
    return pairs
