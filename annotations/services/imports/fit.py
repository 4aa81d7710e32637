"""Whether a file's volumes fit the specimen they join, checked before any pixel is read: one
volume per modality, channel and time point (every clashing time point named, and where the
series ends), and a stain stack the shape of its label-free partner."""

from __future__ import annotations

from collections.abc import Sequence

from annotations.imaging.readers import VolumeHandle
from annotations.models import LABEL_FREE_MODALITIES, Modality, Project, Specimen, Volume
from annotations.services.imports.channels import planned_channels_check
from annotations.services.imports.checks import channel_label
from cellweb.errors import ConflictError, InvalidInput

__all__ = ["fit_check"]


def _shape_text(shape) -> str:
    return "×".join(map(str, shape))


def _time_points_text(times: Sequence[int]) -> str:
    """“3”, “3 and 4”, “10–19” for a run, else the numbers listed."""
    if len(times) == 1:
        return str(times[0])
    if list(times) == list(range(times[0], times[-1] + 1)):
        return f"{times[0]}–{times[-1]}" if len(times) > 2 else f"{times[0]} and {times[1]}"
    return ", ".join(map(str, times))


def _clash_check(specimen_name: str, planned: list[tuple], known: list[tuple]) -> None:
    """409 ``volume_exists`` when a planned volume's modality, channel and time point are the
    specimen's already, naming every clashing time point and where the series ends."""
    stored = {(m, c, t) for m, c, t, _ in known}
    clashes: dict[str, set[int]] = {}
    for mod, channel, t, _shape in planned:
        if (mod, channel, t) in stored:
            clashes.setdefault(f"{mod} {channel}".strip(), set()).add(t)
    if not clashes:
        return
    times = sorted(set().union(*clashes.values()))
    if len(times) == 1:
        label = next(iter(clashes))
        raise ConflictError(
            f"Specimen “{specimen_name}” already has a {label} volume at time point {times[0]}; "
            "choose another specimen name or time point.",
            code="volume_exists",
        )
    held = ", ".join(
        f"{label} volumes at time points {_time_points_text(sorted(ts))}"
        for label, ts in clashes.items()
    )
    last = max(t for _m, _c, t, _s in known)
    raise ConflictError(
        f"Specimen “{specimen_name}” already has {held}, which this file would fill again; "
        f"nothing was imported. Its series holds time points up to {last}: give a first time "
        f"point after them (e.g. {last + 1}), or choose another specimen name.",
        code="volume_exists",
    )


def fit_check(
    *, project: Project, specimen_name: str, modality: str, handles: list[VolumeHandle]
) -> None:
    """Refuse, before any pixel is read, volumes that clash with the specimen or with each other.

    A fluorescence stack must match its label-free partner of the same time point section by
    section, and a specimen holds one volume per modality, channel and time point.
    """
    specimen = Specimen.objects.filter(project=project, name=specimen_name).first()
    existing = list(Volume.objects.filter(specimen=specimen)) if specimen else []
    planned: list[tuple[str, str, int, tuple[int, int, int]]] = [
        (
            Modality.FLUORESCENCE if h.kind == "fluorescence" else modality,
            channel_label(h),
            h.time_index,
            h.shape,
        )
        for h in handles
    ]
    known = [(v.modality, v.channel, v.time_index, v.shape) for v in existing]
    planned_channels_check(project=project, modality=modality, handles=handles)
    _clash_check(specimen_name, planned, known)
    for number, (mod, channel, t, shape) in enumerate(planned):
        label = f"{mod} {channel}".strip()
        is_label_free = mod in LABEL_FREE_MODALITIES
        # The channels of one label-free image are planned one by one; two stains are a clash.
        twice = any((m, c, tt) == (mod, channel, t) for m, c, tt, _ in planned[:number])
        if twice and not is_label_free:
            raise InvalidInput(
                f"This upload holds two {label} volumes of “{specimen_name}” at time point {t} (a "
                "stain channel of the image and a stain file of the same name?); keep one of them."
            )
        # A partner already in the project is state (409); one in this same upload is the
        # request's own contradiction (400).
        partners = [
            (m, s, stored)
            for (m, _c, tt, s), stored in [(k, True) for k in known]
            + [(p, False) for p in planned[:number]]
            if tt == t and (m in LABEL_FREE_MODALITIES) != is_label_free
        ]
        for partner_modality, partner_shape, stored in partners:
            if partner_shape != shape:
                stain, free = (
                    (label, partner_modality) if not is_label_free else (partner_modality, label)
                )
                stain_shape, free_shape = (
                    (shape, partner_shape) if not is_label_free else (partner_shape, shape)
                )
                message = (
                    f"The {stain} stack is {_shape_text(stain_shape)} (z×y×x) but the {free} image of "
                    f"“{specimen_name}” at time point {t} is {_shape_text(free_shape)}; a fluorescence stack "
                    "must match its label-free image section by section."
                )
                if stored:
                    raise ConflictError(message, code="partner_shape_mismatch")
                raise InvalidInput(message)
