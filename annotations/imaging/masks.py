"""Encoding, decoding and vector conversion of binary nucleus masks.

Every mask that is stored or sent over the wire goes through ``encode_mask`` /
``decode_mask`` so there is one definition of a valid mask.

Polygon coordinates use the pixel-edge convention: x is the column, y the row,
and pixel (row r, column c) covers [c, c+1] x [r, r+1], so a polygon lies in
[0, width] x [0, height] and a pixel is inside when its centre is.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Sequence

import numpy as np
from PIL import Image
from scipy import ndimage as ndi
from skimage.measure import approximate_polygon, find_contours

from .errors import MaskError
from .polygon_fill import paint_polygon

__all__ = [
    "decode_mask",
    "encode_mask",
    "mask_contours",
    "mask_to_polygons",
    "polygon_area",
    "polygons_to_mask",
    "values_found",
]

# Far above any section (OS-Net uses 448x448) yet small enough that a hostile
# PNG cannot make the server allocate gigabytes. It is compared with the size in
# the PNG header, before a single pixel is decoded: a PNG of a few hundred KB can
# declare 8000x8000 RGBA pixels (256 MB once decoded).
MAX_MASK_PIXELS = 8192 * 8192
_ALLOWED_VALUE_PAIRS = ((0, 255), (0, 1), (0, 65535))
_EDGE_TOLERANCE = 1e-6

Polygon = Sequence[Sequence[float]]


def encode_mask(mask: np.ndarray) -> bytes:
    """Encode a 2D binary mask as a compact 1-bit PNG."""
    mask = _as_binary_2d(mask)
    height, width = mask.shape
    packed = np.packbits(mask, axis=1)
    image = Image.frombytes("1", (width, height), packed.tobytes())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def decode_mask(data: bytes, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Decode PNG bytes into a bool (height, width) mask.

    Accepts 1-bit, 8/16-bit grey, palette and RGB(A) PNGs whose pixels take at
    most two values (0 and 255, or 0 and 1) and are all opaque. ``shape``
    (height, width), when given, must match the image size. The size is checked
    from the PNG header, so a PNG of the wrong size is refused without decoding it.
    """
    image = _open_png(data)  # reads the header only
    width, height = image.size
    if shape is not None and (height, width) != tuple(shape):
        raise MaskError(
            f"The mask is {width}×{height} pixels but the section is {shape[1]}×{shape[0]} "
            "(width × height); draw the mask on the section it belongs to."
        )
    try:
        image.load()
    except Exception as exc:
        raise MaskError(
            "The mask is not a readable PNG image; the upload may be corrupt or incomplete."
        ) from exc
    try:
        if image.mode == "1" and "transparency" not in image.info:
            packed = np.frombuffer(image.tobytes(), dtype=np.uint8).reshape(height, -1)
            return np.unpackbits(packed, axis=1, count=width).view(bool)
        return _binary_values(_grey_pixels(image))
    except MaskError:
        raise
    except Exception as exc:
        raise MaskError(f"The mask is not a readable PNG image ({exc}).") from exc


def polygons_to_mask(polygons: Sequence[Polygon], shape: tuple[int, int]) -> np.ndarray:
    """Fill the union of polygons ([[x, y], ...] in pixel coordinates) into a bool mask."""
    height, width = _check_shape(shape)
    mask = np.zeros((height, width), dtype=bool)
    for number, polygon in enumerate(polygons, start=1):
        xy = _validated_polygon(polygon, number, width, height)
        # Pixel centres sit at +0.5 here and at integers there (skimage.draw.polygon's rule).
        paint_polygon(mask, xy[:, 1] - 0.5, xy[:, 0] - 0.5)
    return mask


def mask_to_polygons(mask: np.ndarray, tolerance: float = 0.5) -> list[list[list[float]]]:
    """Outer outlines of a mask as simplified polygons [[x, y], ...] (holes are filled)."""
    mask = _as_binary_2d(mask)
    if not mask.any():
        return []
    filled = ndi.binary_fill_holes(mask)
    polygons = []
    for contour in _padded_contours(filled):
        simplified = approximate_polygon(contour, tolerance=tolerance) if tolerance > 0 else contour
        if len(simplified) > 1 and np.array_equal(simplified[0], simplified[-1]):
            simplified = simplified[:-1]
        if len(simplified) < 3:
            continue
        # Contours run through pixel centres at integer coordinates; shift to edge convention.
        xy = simplified[:, ::-1] + 0.5
        polygons.append([[float(x), float(y)] for x, y in xy])
    return polygons


def mask_contours(mask: np.ndarray) -> list[np.ndarray]:
    """Closed outlines (outer and holes) as N×2 [row, col] arrays for drawing.

    Coordinates follow the pixel-centre convention of matplotlib's ``imshow``
    and ``skimage.draw``: pixel (r, c) is centred on (r, c).
    """
    mask = _as_binary_2d(mask)
    if not mask.any():
        return []
    return _padded_contours(mask)


def _padded_contours(mask: np.ndarray) -> list[np.ndarray]:
    # Padding closes contours of objects touching the border.
    padded = np.pad(mask, 1).astype(np.float32)
    return [c - 1.0 for c in find_contours(padded, 0.5)]


def _as_binary_2d(mask: np.ndarray) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise MaskError(f"A mask must be a 2D image; got an array of shape {mask.shape}.")
    if mask.size == 0:
        raise MaskError("The mask is empty (it has no pixels).")
    if mask.dtype == bool:
        return mask
    if mask.dtype.kind not in "uif":
        raise MaskError(f"A mask must hold numbers; got values of type {mask.dtype}.")
    return _binary_values(mask)


def _binary_values(values: np.ndarray) -> np.ndarray:
    if values.dtype == np.uint8:
        counts = np.bincount(values.ravel(), minlength=256)
        present = np.flatnonzero(counts).tolist()
    else:
        present = np.unique(values).tolist()
    if len(present) > 2:
        found, counts = np.unique(values, return_counts=True)
        raise MaskError(
            "The mask must contain only two values (0 and 255); "
            f"found {len(present)} distinct values: {values_found(found, counts)}. "
            "A multi-label or instance mask is refused rather than merged into one class."
        )
    if not any(set(present) <= set(pair) for pair in _ALLOWED_VALUE_PAIRS):
        found = " and ".join(format_value(v) for v in present)
        raise MaskError(
            f"The mask must contain only the values 0 and 255 (or 0 and 1); found {found}."
        )
    return values != 0


def values_found(values: np.ndarray, counts: np.ndarray, most: int = 5) -> str:
    """'0 (1,000 pixels), 1 (20 pixels), … and 3 more values': the first ``most`` values."""
    shown = ", ".join(
        f"{format_value(v)} ({int(c):,} pixel{'s' if c != 1 else ''})"
        for v, c in zip(values[:most], counts[:most], strict=True)
    )
    rest = len(values) - most
    return shown + (f" and {rest} more value{'s' if rest != 1 else ''}" if rest > 0 else "")


def format_value(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _too_large(width: int, height: int) -> MaskError:
    return MaskError(f"The mask is {width}×{height} pixels, far larger than any section.")


def _open_png(data: bytes) -> Image.Image:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MaskError(f"The mask must be PNG bytes; got {type(data).__name__}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG"])
        width, height = image.size
        if width * height > MAX_MASK_PIXELS:
            raise _too_large(width, height)
    except MaskError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        # Pillow refuses the size before the check above sees it; the size is in the header.
        raise _too_large(*struct.unpack(">II", bytes(data[16:24]))) from None
    except Exception as exc:
        raise MaskError(
            "The mask is not a readable PNG image; the upload may be corrupt or incomplete."
        ) from exc
    return image


def _grey_pixels(image: Image.Image) -> np.ndarray:
    if "transparency" in image.info:
        # A tRNS chunk (a transparent palette entry or grey/colour value) becomes alpha here.
        image = image.convert("LA" if image.mode in ("1", "L") else "RGBA")
    if image.mode in ("LA", "PA", "RGBA"):
        _check_opaque(image)
    if image.mode in ("L", "I", "I;16", "I;16B", "I;16L"):
        return np.asarray(image)
    if image.mode in ("LA", "PA", "RGBA", "P", "RGB"):
        if image.mode in ("P", "PA"):
            image = image.convert("RGB")
        rgb = np.asarray(image)[..., :3] if image.mode != "LA" else np.asarray(image)[..., :1]
        first = rgb[..., 0]
        if rgb.shape[-1] > 1 and not (
            np.array_equal(first, rgb[..., 1]) and np.array_equal(first, rgb[..., 2])
        ):
            raise MaskError(
                "The mask is a colour image; it must be black (background) and white (nucleus)."
            )
        return first
    raise MaskError(f"PNG masks in mode '{image.mode}' are not supported; use black and white.")


def _check_opaque(image: Image.Image) -> None:
    """Canvas exports carry an alpha channel; a transparent pixel has no defined meaning."""
    alpha = np.asarray(image.getchannel("A"))
    if alpha.min(initial=np.iinfo(alpha.dtype).max) < np.iinfo(alpha.dtype).max:
        raise MaskError(
            "The mask PNG has transparent pixels; export it on an opaque black background "
            "(black = background, white = nucleus)."
        )


def _check_shape(shape: tuple[int, int]) -> tuple[int, int]:
    if len(shape) != 2 or not all(int(n) > 0 for n in shape):
        raise MaskError(f"The image shape must be (height, width) in pixels; got {shape!r}.")
    return int(shape[0]), int(shape[1])


def _validated_polygon(polygon: Polygon, number: int, width: int, height: int) -> np.ndarray:
    try:
        xy = np.asarray(polygon, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise MaskError(f"Polygon {number} is not a list of [x, y] points.") from exc
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise MaskError(f"Polygon {number} is not a list of [x, y] points.")
    if len(xy) < 3:
        raise MaskError(f"Polygon {number} has {len(xy)} point(s); an outline needs at least 3.")
    if not np.all(np.isfinite(xy)):
        raise MaskError(f"Polygon {number} has a point with an invalid coordinate (NaN or inf).")
    outside = (
        (xy[:, 0] < -_EDGE_TOLERANCE)
        | (xy[:, 0] > width + _EDGE_TOLERANCE)
        | (xy[:, 1] < -_EDGE_TOLERANCE)
        | (xy[:, 1] > height + _EDGE_TOLERANCE)
    )
    if outside.any():
        x, y = xy[int(np.argmax(outside))]
        raise MaskError(
            f"Polygon {number} has a point at x={x:.1f}, y={y:.1f}, outside the "
            f"{width}×{height} image."
        )
    return xy


def polygon_area(polygon: Polygon) -> float:
    """Area enclosed by a simple polygon (shoelace formula), in square pixels."""
    xy = np.asarray(polygon, dtype=np.float64)
    x, y = xy[:, 0], xy[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)
