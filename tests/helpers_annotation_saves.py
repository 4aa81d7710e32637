"""Saving annotations in service tests: a 3-section 32 × 32 volume, a disk mask, one save call."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from annotations.models import Section
from annotations.services.annotation import annotation_save

SHAPE = (32, 32)


def disk(cy=16, cx=16, r=6, shape=SHAPE) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def png(array: np.ndarray) -> bytes:
    """PNG of a uint8 array: (h, w) grey, (h, w, 3) RGB or (h, w, 4) RGBA."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def three_sections(specimen, make_volume) -> list[Section]:
    volume = make_volume(specimen, shape=(3, *SHAPE))
    return list(
        Section.objects.filter(volume=volume)
        .select_related("project", "volume", "specimen")
        .order_by("z")
    )


def save(section, user, mask=None, base=None, submit=False, time_spent=1.0, source="canvas"):
    return annotation_save(
        section=section,
        user=user,
        mask=disk() if mask is None else mask,
        base_revision=base,
        time_spent_s=time_spent,
        submit=submit,
        source=source,
    )


def fresh(section) -> Section:
    return Section.objects.get(pk=section.pk)
