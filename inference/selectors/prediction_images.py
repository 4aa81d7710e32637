"""Pictures of a prediction's nuclei: the instance outlines of one section (the viewer's contour
overlay) and orthogonal views (XY, XZ, YZ) of a 3D label image over its tomogram."""

from __future__ import annotations

from typing import Any

import numpy as np
import tifffile
from scipy import ndimage as ndi

from annotations.imaging.outlines import mask_outlines
from annotations.imaging.png import encode_png
from annotations.imaging.render import display_window, to_uint8
from annotations.imaging.ri import decode_ri
from annotations.models import Section
from annotations.selectors.review.page import ANNOTATOR_COLOURS
from annotations.services.volumes import first_channel, volume_array
from inference.models import PredictionResult
from inference.selectors.prediction import current_result_for_volume

__all__ = ["PALETTE", "nucleus_colour", "orthogonal_views_png", "section_nuclei_outlines"]

# The review's annotator colours (distinct on dark RI sections and between themselves); a tracked
# nucleus keeps its colour at every time point.
PALETTE = ANNOTATOR_COLOURS


def nucleus_colour(nucleus_id: int) -> str:
    return PALETTE[(int(nucleus_id) - 1) % len(PALETTE)]


def _labels_page(result: PredictionResult, z: int) -> np.ndarray:
    with result.labels.open("rb") as fh, tifffile.TiffFile(fh) as tif:
        return tif.pages[z].asarray()


def _labels(result: PredictionResult) -> np.ndarray:
    """The label image as (z, y, x): a single section's TIFF reads as (y, x)."""
    with result.labels.open("rb") as fh:
        labels = tifffile.imread(fh)
    return labels.reshape((-1, *labels.shape[-2:]))


def section_nuclei_outlines(section: Section) -> dict[str, Any]:
    """The active model's nuclei on ``section``: one outline set and colour per nucleus (empty
    when the project has no active model or it has not segmented this volume)."""
    result = current_result_for_volume(section.volume)
    if result is None:
        return {"prediction": None, "model_version": None, "nuclei": []}
    labels = _labels_page(result, section.z)
    nuclei = []
    for nucleus_id in np.unique(labels[labels > 0]).tolist():
        nuclei.append(
            {
                "id": int(nucleus_id),
                "colour": nucleus_colour(nucleus_id),
                "contours": mask_outlines(labels == nucleus_id),
            }
        )
    return {
        "prediction": result.prediction_id,
        "model_version": result.model_version_id,
        "nuclei": nuclei,
    }


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)


def _panel(grey: np.ndarray, labels: np.ndarray, stretch: tuple[int, int]) -> np.ndarray:
    """A grey panel with each label's boundary in its colour, rows × ``stretch[0]`` and
    columns × ``stretch[1]`` so anisotropic voxels look their true shape."""
    grey = np.repeat(np.repeat(grey, stretch[0], axis=0), stretch[1], axis=1)
    labels = np.repeat(np.repeat(labels, stretch[0], axis=0), stretch[1], axis=1)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    boundary = (labels > 0) & (ndi.grey_erosion(labels, size=3) != labels)
    for nucleus_id in np.unique(labels[boundary]).tolist():
        rgb[boundary & (labels == nucleus_id)] = _rgb(nucleus_colour(nucleus_id))
    return rgb


def orthogonal_views_png(result: PredictionResult) -> bytes:
    """XY (through the largest nucleus's centroid, else the middle), XZ and YZ side by side; a
    single section (a bright-field or phase field) has no depth and is shown alone."""
    volume = result.volume
    array = first_channel(volume_array(volume))  # a multi-channel image shows its first
    labels = _labels(result)
    if result.nuclei:
        largest = max(result.nuclei, key=lambda n: n["voxel_count"])
        z, y, x = (int(round(c)) for c in largest["centroid"])
    else:
        z, y, x = (s // 2 for s in labels.shape)
    image = decode_ri(array) if volume.modality == "ri" else np.asarray(array, dtype=np.float32)
    lo, hi = display_window(image[z], modality=volume.modality)
    ratio = 1
    if result.voxel_size:  # the size its nuclei were measured with
        ratio = max(1, int(round(result.voxel_size[0] / result.voxel_size[2])))
    xy = _panel(to_uint8(image[z], lo, hi), labels[z], (1, 1))
    if labels.shape[0] == 1:
        return encode_png(xy, text={"Description": "XY, the single section"})
    xz = _panel(to_uint8(image[:, y, :], lo, hi), labels[:, y, :], (ratio, 1))
    yz = _panel(to_uint8(image[:, :, x].T, lo, hi), labels[:, :, x].T, (1, ratio))
    gap = 4
    height = max(xy.shape[0] + gap + xz.shape[0], yz.shape[0])
    width = xy.shape[1] + gap + yz.shape[1]
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    canvas[: xy.shape[0], : xy.shape[1]] = xy
    canvas[xy.shape[0] + gap : xy.shape[0] + gap + xz.shape[0], : xz.shape[1]] = xz
    canvas[: yz.shape[0], xy.shape[1] + gap : xy.shape[1] + gap + yz.shape[1]] = yz
    return encode_png(canvas, text={"Description": f"XY z={z}, XZ y={y}, YZ x={x}"})
