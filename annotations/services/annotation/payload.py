"""Masks from the wire: a PNG or polygons, checked, as the bool mask of a section.

Polygons are bounded by count, points and fill cost before any is filled, and decoding or
filling runs in one of a few CPU slots, so a burst of large masks cannot take every core of
the web process from the other requests.
"""

from __future__ import annotations

import math

import numpy as np

from annotations.imaging.errors import MaskError
from annotations.imaging.labels import encode_class_map
from annotations.imaging.masks import decode_mask, polygons_to_mask
from annotations.imaging.polygon_fill import row_crossings
from annotations.models import Section
from cellweb.cpu import request_cpu_slot
from cellweb.errors import InvalidInput

from .labelmask import LabelMask, label_mask_from_png, polygon_class

MASK_SOURCES = ("canvas", "png", "polygons", "copy")


# One save reports the time since the previous one; a day is far above any real session.
MAX_TIME_SPENT_S = 86_400.0
# Bounds on the polygons of one request, checked before a single point is looked at. A traced
# nucleus outline has a few hundred points; a whole 448×448 section of them a few thousand.
MAX_POLYGONS = 10_000
MAX_POINTS_PER_POLYGON = 10_000
MAX_POLYGON_POINTS = 100_000
# Filling costs one step per (edge, image row) the edges cross: ~2× a nucleus's height each.
MAX_ROW_CROSSINGS = 500_000


def _validated_polygons(polygons, shape: tuple[int, int]) -> list:
    if not isinstance(polygons, list | tuple):
        raise MaskError("“polygons” must be a list of polygons, each a list of [x, y] points.")
    if len(polygons) > MAX_POLYGONS:
        raise MaskError(
            f"Too many polygons ({len(polygons)}); at most {MAX_POLYGONS} are accepted."
        )
    sizes = [len(polygon) if isinstance(polygon, list | tuple) else 0 for polygon in polygons]
    largest = max(sizes, default=0)
    if largest > MAX_POINTS_PER_POLYGON:
        raise MaskError(
            f"Polygon {sizes.index(largest) + 1} has {largest} points; at most "
            f"{MAX_POINTS_PER_POLYGON} are accepted per polygon (simplify the outline)."
        )
    if sum(sizes) > MAX_POLYGON_POINTS:
        raise MaskError(
            f"The polygons have {sum(sizes)} points in all; at most {MAX_POLYGON_POINTS} are "
            "accepted (simplify the outlines)."
        )
    crossings = 0
    for number, polygon in enumerate(polygons, start=1):
        if not isinstance(polygon, list | tuple) or not all(
            isinstance(point, list | tuple)
            and len(point) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
            for point in polygon
        ):
            raise MaskError(
                f"Polygon {number} is not a list of [x, y] points with numeric coordinates."
            )
        if len(polygon) >= 3:
            crossings += row_crossings([y - 0.5 for _, y in polygon], shape)
    if crossings > MAX_ROW_CROSSINGS:
        raise MaskError(
            f"The polygons' edges cross {crossings} pixel rows in all; at most "
            f"{MAX_ROW_CROSSINGS} are accepted (an outline should not zigzag across the section)."
        )
    return list(polygons)


def mask_from_payload(
    *, section: Section, png_bytes: bytes | None = None, polygons=None
) -> np.ndarray:
    """The bool mask of a request, given as PNG bytes or as polygons (exactly one of them)."""
    if png_bytes is not None and polygons is not None:
        raise InvalidInput("Send the mask either as a PNG or as polygons, not both.")
    if png_bytes is None and polygons is None:
        raise InvalidInput(
            "No mask was sent: give a PNG mask (“mask_png” or a “mask” file) or “polygons”."
        )
    shape = section.shape
    try:
        if png_bytes is not None:
            with request_cpu_slot():
                return decode_mask(bytes(png_bytes), shape)
        polygons = _validated_polygons(polygons, shape)
        with request_cpu_slot():
            return polygons_to_mask(polygons, shape)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


def labels_from_payload(
    *,
    section: Section,
    png_bytes: bytes | None = None,
    polygons=None,
    instances_png: bytes | None = None,
    label_set_version: int | None = None,
) -> LabelMask:
    """The checked labels of a save (``labelmask.py``): a PNG (binary, class map or instance
    map, with ``instances_png`` beside a class map) or polygons (the project's first instance
    class, else its first class)."""
    if polygons is not None or png_bytes is None:
        if instances_png is not None:
            raise InvalidInput("“instances_png” goes with a class map in “mask_png”.")
        mask = mask_from_payload(section=section, png_bytes=png_bytes, polygons=polygons)
        value = polygon_class(section.project)
        return LabelMask(encode_class_map(mask.view(np.uint8) * value, [value]), mask)
    try:
        with request_cpu_slot():
            return label_mask_from_png(
                project=section.project,
                shape=section.shape,
                png_bytes=bytes(png_bytes),
                instances_png=None if instances_png is None else bytes(instances_png),
                label_set_version=label_set_version,
            )
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


def validated_mask(mask: np.ndarray, section: Section) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.shape != section.shape:
        got = "×".join(str(n) for n in mask.shape[::-1]) or "0"
        raise InvalidInput(
            f"The mask is {got} pixels but the section is {section.shape[1]}×{section.shape[0]} "
            "(width × height)."
        )
    if mask.dtype != bool:
        values = np.unique(mask)
        if not set(values.tolist()) <= {0, 1, 255}:
            raise InvalidInput("The mask must be binary (0 = background, 1 or 255 = nucleus).")
        mask = mask != 0
    return mask


def validated_time(time_spent_s) -> float:
    try:
        value = float(time_spent_s or 0.0)
    except (TypeError, ValueError):
        raise InvalidInput("“time_spent_s” must be a number of seconds.") from None
    if not math.isfinite(value) or value < 0 or value > MAX_TIME_SPENT_S:
        raise InvalidInput(f"“time_spent_s” must be between 0 and {MAX_TIME_SPENT_S:.0f} seconds.")
    return value
