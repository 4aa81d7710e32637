"""The channel names a TIFF records, held against the names an import gives.

Microscope software names each channel in the file: ImageJ (Fiji, Micro-Manager) as the labels of
a hyperstack's planes (once per channel, or at every plane), OME-TIFF as the ``Name`` of each
``Channel``. An import names the channels itself (``channels``, docs/channels.md) or takes the
file's (``named_channels``), so a lab that gives them in another order than the file's
(``hoechst,phase`` for a file of Phase then Hoechst) would store the phase image as the stain
and the stain as the label-free image, without a word. A given name that is one of the
file's names (case ignored) at another position is refused, naming both orders; names the file
does not use are the lab's own and are taken as given.
"""

from __future__ import annotations

from typing import Any

from ..errors import ImageReadError
from .request import ReadRequest

__all__ = ["check_channel_order", "recorded_channel_names"]


def recorded_channel_names(tif: Any) -> tuple[str, ...]:
    """The channel names an OME- or ImageJ-TIFF records, in the file's order (or none)."""
    if tif.is_ome and tif.ome_metadata:
        from .tiff import ome_pixels

        pixels = ome_pixels(tif.ome_metadata)
        if pixels is not None:
            channels = [el for el in pixels if el.tag.endswith("}Channel")]
            return tuple(str(el.get("Name") or "").strip() for el in channels)
    if tif.is_imagej and tif.imagej_metadata:
        meta = tif.imagej_metadata
        labels = meta.get("Labels") or []
        n = int(meta.get("channels", 0) or 0)
        # One label per channel, or per plane as Fiji writes a hyperstack's: the channels' names
        # repeated at every z and t (channel fastest), one name per channel (not the file's
        # name on every plane).
        if isinstance(labels, list) and n and len(labels) % n == 0:
            names = tuple(str(label).strip() for label in labels[:n])
            per_plane = len(labels) > n
            if per_plane and len(set(names)) < n:
                return ()
            if all(str(label).strip() == names[i % n] for i, label in enumerate(labels)):
                return names
    return ()


def check_channel_order(
    request: ReadRequest, recorded: tuple[str, ...], shape: tuple[int, ...], axes: str
) -> None:
    """Refuse channel names that put one of the file's own channel names elsewhere."""
    given = request.channel_names
    if "C" not in axes.upper() or len(recorded) != shape[axes.upper().index("C")]:
        return
    if len(given) != len(recorded) or not all(recorded):
        return
    lowered = [name.lower() for name in recorded]
    for position, name in enumerate(given):
        found = lowered.index(name.lower()) if name.lower() in lowered else position
        if found != position:
            raise ImageReadError(
                f"{request.name} names its channels {', '.join(recorded)}, in this order, but "
                f"the channels were given as {', '.join(given)}: “{name}” is the file's channel "
                f"{found + 1}, not {position + 1}. Give the names in the file's order "
                f"(“{','.join(recorded).lower()}”), or other names than the file's."
            )
