"""A multi-channel label-free image: the reader's one handle per channel, stored as one volume.

The readers hand back each channel of a label-free image (focal planes, bright-field + phase)
as a label-free handle of its own, named after its channel; an import stores the channels of one
time point together, as one volume of (z, c, y, x) (``volumes.volume_create``). A stain saved as
a channel of the same file (bright-field + Hoechst) is named a stain channel and becomes a
fluorescence handle, paired with the label-free image of its time point
(``stains_as_fluorescence``). A file that names its channels so that the names say which is
label-free and which the stain (Phase, Hoechst) needs neither: ``channels_by_name``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from annotations.imaging.readers import LABEL_FREE_MODALITIES, VolumeHandle
from annotations.imaging.readers.channel_roles import (
    ChannelRoles,
    channel_roles,
    label_free_contrast,
    same_dye,
)
from annotations.imaging.readers.detect import format_by_content
from annotations.imaging.readers.named_channels import file_channel_names
from annotations.models import Modality
from annotations.services.volume_channels import channel_names_check, project_channels_check
from cellweb.errors import InvalidInput

if TYPE_CHECKING:
    from annotations.services.imports.options import ImportOptions


def channel_groups(handles: list[VolumeHandle]) -> list[list[VolumeHandle]]:
    """``handles`` in order, the label-free channels of one time point gathered into one group."""
    groups: list[list[VolumeHandle]] = []
    by_time: dict[int, list[VolumeHandle]] = {}
    for handle in handles:
        if handle.kind == "label_free" and handle.channel:
            if handle.time_index in by_time:
                by_time[handle.time_index].append(handle)
                continue
            by_time[handle.time_index] = [handle]
            groups.append(by_time[handle.time_index])
        else:
            groups.append([handle])
    return groups


def stack_channels(volumes: list[np.ndarray]) -> np.ndarray:
    """One (z, y, x) volume as it is; several as (z, c, y, x)."""
    return volumes[0] if len(volumes) == 1 else np.stack(volumes, axis=1)


def parse_channel_names(text: str | Sequence[str] | None) -> list[str]:
    """“bf,phase” (or a list) as channel names; [] for none."""
    if not text:
        return []
    parts = text.split(",") if isinstance(text, str) else list(text)
    return [p.strip() for p in parts]


def stain_channels_check(
    stain_channels: str | Sequence[str] | None, *, modality: str, channel_names: Sequence[str]
) -> tuple[str, ...]:
    """The stain channels (“hoechst”) of a multi-channel label-free image, checked against its
    ``channel_names``; () for none. At least one channel must stay label-free."""
    stains = tuple(dict.fromkeys(name for name in parse_channel_names(stain_channels) if name))
    if not stains:
        return ()
    if modality not in LABEL_FREE_MODALITIES:
        raise InvalidInput(
            "Stain channels are channels of a label-free image (e.g. bright-field + Hoechst) "
            f"stored as fluorescence; the modality “{modality}” is not label-free. Choose the "
            "label-free modality of the image's other channels."
        )
    names = [name.strip() for name in channel_names]
    if not names:
        raise InvalidInput(
            "Stain channels are picked from the channels' names: give the channels too "
            "(e.g. channels “bf,hoechst” with the stain channel “hoechst”)."
        )
    channel_names_check(names)
    unknown = [stain for stain in stains if stain not in names]
    if unknown:
        raise InvalidInput(
            f"The stain channel “{unknown[0]}” is not among the channels ({', '.join(names)}); "
            "name a stain exactly as in the channels."
        )
    if set(names) <= set(stains):
        raise InvalidInput(
            "Every channel is named a stain, so no label-free image is left to pair them with; "
            "leave at least one channel label-free (for a stain alone, choose the modality "
            "'fluorescence')."
        )
    return stains


def stains_as_fluorescence(
    handles: list[VolumeHandle], stains: Sequence[str]
) -> list[VolumeHandle]:
    """The label-free handles of the ``stains`` channels as fluorescence handles of that channel
    (intensities); one label-free channel left is a plain single-channel image (no name)."""
    if not stains:
        return handles
    handles = [
        replace(h, kind="fluorescence", units="intensity", _scale=None)
        if h.kind == "label_free" and h.channel in stains
        else h
        for h in handles
    ]
    if len({h.channel for h in handles if h.kind == "label_free"}) == 1:
        handles = [replace(h, channel="") if h.kind == "label_free" else h for h in handles]
    return handles


def planned_channels_check(*, project, modality: str, handles: list[VolumeHandle]) -> None:
    """Refuse, from the file's header, label-free channels other than the project's (409)."""
    names = [h.channel for h in handles if h.kind == "label_free"]
    if not names or modality not in LABEL_FREE_MODALITIES:
        return
    times = {h.time_index for h in handles if h.kind == "label_free"}
    per_time = names[: len(names) // len(times)]
    project_channels_check(project.pk, modality=modality, names=channel_names_check(per_time))


@dataclass(frozen=True)
class NamedChannels:
    """What ``channels_by_name`` made of a file's channel names: the ``options`` to import it
    with, the ``note`` that says which channels were picked (information, "" for none) and a
    ``warning`` when a label-free channel's name says another contrast than the modality."""

    options: ImportOptions
    note: str = ""
    warning: str = ""
    # A stain channel stored under the project's name for the same dye: {"Hoechst 33342":
    # "Hoechst"}.
    stored: dict[str, str] = field(default_factory=dict)

    @property
    def stains(self) -> tuple[str, ...]:
        """The stain channels as they are stored."""
        return tuple(self.stored.get(n, n) for n in self.options.stain_channels)


def channels_by_name(
    path: Path,
    options: ImportOptions,
    *,
    known: Sequence[str] = (),
    known_stains: Sequence[str] = (),
) -> NamedChannels:
    """``options`` with the channels a label-free file names itself (a TIFF's Phase + Hoechst,
    an HDF5 file's BF and DAPI datasets), and the note that says so.

    Without stain channels, the stains are those the names say (``channel_roles``); names that
    do not say which is which refuse a TIFF with the names found (an HDF5 file is refused as
    before, with its datasets listed). Stain channels given alone (“hoechst”, any case) are
    picked among the file's names. ``options`` as they are, and no note, when the import names
    the channels itself (that choice wins) or the file names none. Label-free channels that are
    the project's ``known`` channels but for case (BF, Phase for bf, phase) take the project's
    spelling, so that the project keeps one set of channels; a stain that is one of the
    project's ``known_stains`` but for case, or names its dye otherwise (Hoechst 33342 for
    Hoechst), is stored under the project's name (``stored``). A label-free name that says
    another contrast than the modality (DIC imported as bright-field) is warned of; the
    modality chosen is kept."""
    chosen = options.channel_names or options.channel or options.channel_axis is not None
    if options.modality not in LABEL_FREE_MODALITIES or chosen:
        return NamedChannels(options)
    names = file_channel_names(path, options.dataset or None)
    if not names:
        return NamedChannels(options)
    if options.stain_channels:
        picked, note = _stains_among(names, options)
    else:
        roles = channel_roles(names)
        if roles.problem:
            if format_by_content(path) != "tiff":
                return NamedChannels(options)
            raise InvalidInput(
                f"'{path.name}' has {len(names)} channels, named {', '.join(names)} in the file, "
                f"but {roles.problem}. Name the stain channels (e.g. "
                f"“{(roles.stains or names[-1:])[0]}”), or give the channels in the file's order "
                f"(channels “{','.join(names)}”) with the stains among them; for a stain alone, "
                "choose the modality 'fluorescence'."
            )
        picked = replace(options, channel_names=roles.names, stain_channels=roles.stains)
        note = (
            f"Channels picked by their names in the file: {roles.described()}. To choose "
            "otherwise, give the channels and stain channels."
        )
    if not note:
        return NamedChannels(options)
    warning = _contrast_warning(picked)
    picked, note = _known_spelling(picked, note, known)
    stored, note = _known_stains(note, picked.stain_channels, known_stains)
    return NamedChannels(picked, note, warning, stored)


def _contrast_text(modality: str) -> str:
    """A label-free modality as a sentence names it: “bright-field”, “DIC”."""
    label = Modality(modality).label.split(" (")[0]
    return label if label.isupper() else label[0].lower() + label[1:]


def _contrast_warning(options: ImportOptions) -> str:
    """Why the label-free channels' names disagree with the modality, or ""."""
    free = [n for n in options.channel_names if n not in options.stain_channels]
    said = {n: label_free_contrast(n) for n in free}
    contrasts = [c for c in dict.fromkeys(said.values()) if c]
    if not contrasts or options.modality in contrasts:
        return ""
    named = ", ".join(f"“{n}”" for n, c in said.items() if c)
    other = " or ".join(_contrast_text(c) for c in contrasts)
    return (
        f"The file names the label-free channel {named}, which says {other}, but the image was "
        f"imported as {_contrast_text(options.modality)}, the modality chosen. If it is "
        f"{other}, import it with the modality "
        f"{' or '.join(f'“{c}”' for c in contrasts)} instead."
    )


def _stains_among(names: tuple[str, ...], options: ImportOptions) -> tuple[ImportOptions, str]:
    """The file's ``names`` as the channels, the given stain channels as the file spells them;
    ``options`` as they are when a stain is not among them (refused with the reason)."""
    spelled = {name.casefold(): name for name in names}
    given = [stain for stain in options.stain_channels if stain]
    if not given or not all(stain.casefold() in spelled for stain in given):
        return options, ""
    stains = tuple(dict.fromkeys(spelled[stain.casefold()] for stain in given))
    roles = ChannelRoles(
        names=names, roles=tuple("stain" if n in stains else "label_free" for n in names)
    )
    picked = replace(options, channel_names=names, stain_channels=stains)
    return picked, f"Channels named as in the file: {roles.described()}."


def _known_spelling(
    options: ImportOptions, note: str, known: Sequence[str]
) -> tuple[ImportOptions, str]:
    """``options`` whose label-free channels are ``known`` but for case spelled as ``known``,
    and ``note`` saying so."""
    free = [n for n in options.channel_names if n not in options.stain_channels]
    if free == list(known) or [n.casefold() for n in free] != [n.casefold() for n in known]:
        return options, note
    spelled = dict(zip(free, known))
    names = tuple(spelled.get(n, n) for n in options.channel_names)
    return replace(options, channel_names=names), (
        f"{note} Stored as the project's channels {', '.join(known)}."
    )


def _known_stains(note: str, stains: Sequence[str], known: Sequence[str]) -> tuple[dict, str]:
    """The ``stains`` that are one of the project's ``known`` stain channels but for case, or
    name the same dye (“Hoechst 33342” for “Hoechst”), each with the name it is stored under,
    and ``note`` saying so; a stain that is like none, or like several, keeps its own name."""
    stored: dict[str, str] = {}
    for stain in stains:
        if stain in known:
            continue
        like = [k for k in known if k.casefold() == stain.casefold()]
        like = like or [k for k in known if same_dye(k, stain)]
        if len(like) == 1 and like[0] not in stains:
            stored[stain] = like[0]
    if not stored:
        return stored, note
    said = "; ".join(f"{old} as the project's stain channel {new}" for old, new in stored.items())
    return stored, f"{note} Stored {said} (the same dye)."
