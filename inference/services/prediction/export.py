"""What a prediction gives away: instance label TIFFs that Fiji, napari and QuPath open at the
right scale, and the nuclei table as CSV (the same rows as the API, each with its class: the
class the version predicted for it, or a binary version's one target class, and whether it
touches the field's edge; a time point with no signal is one row marked so). Sizes and
positions are in µm only where the voxel size is known; the voxel count and the centroid in
pixels (z as the section index) are always given; the time in minutes where the specimen's frame
interval is known. Measures are rounded to the digits they are known to (``csv_digits``)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tifffile

from annotations.imaging.tiff_out import imagej_tiff_bytes
from inference.selectors.prediction import time_min
from inference.services.prediction.csv_digits import csv_value
from inference.services.prediction.nucleus_classes import NucleusClasses

__all__ = ["NUCLEUS_COLUMNS", "labels_tiff_bytes", "nuclei_csv", "read_labels"]

NUCLEUS_COLUMNS = (
    "specimen",
    "time_index",
    "time_min",
    "nucleus",
    "parent",
    "voxel_count",
    "volume_um3",
    "area_um2",
    "surface_area_um2",
    "sphericity",
    "mean_ri",
    "medium_ri",
    "concentration_pg_per_um3",
    "dry_mass_pg",
    "centroid_z_um",
    "centroid_y_um",
    "centroid_x_um",
    "centroid_z_px",
    "centroid_y_px",
    "centroid_x_px",
    "class_value",
    "class_name",
    "touches_edge",
    "touches_z_end",
    "no_signal",
)


def labels_tiff_bytes(labels: np.ndarray, voxel_size_zyx: Sequence[float] | None) -> bytes:
    """A (z, y, x) instance label image as an ImageJ hyperstack TIFF: uint16, zlib-compressed
    (ImageJ's own "ZIP" TIFF compression), with the voxel size in µm as ImageJ records it (x/y
    resolution in pixels per µm, ``spacing`` for z, ``unit=um``)."""
    if labels.ndim != 3:
        raise ValueError(f"need a (z, y, x) label image, got shape {labels.shape}")
    if int(labels.max(initial=0)) > np.iinfo(np.uint16).max:
        raise ValueError("more than 65,535 nuclei do not fit a uint16 label image")
    data = np.ascontiguousarray(labels, dtype=np.uint16)
    if voxel_size_zyx is None:
        return imagej_tiff_bytes(data)
    vz, vy, vx = (float(v) for v in voxel_size_zyx)
    return imagej_tiff_bytes(data, pixel_size_yx=(vy, vx), z_step=vz)


def read_labels(path_or_file) -> np.ndarray:
    return tifffile.imread(path_or_file)


def _csv_row(result, nucleus: dict[str, Any]) -> list[Any]:
    centroid = [
        *(nucleus.get("centroid_um") or [None] * 3),
        *(nucleus.get("centroid") or [None] * 3),
    ]
    minutes = time_min(result.specimen, result.time_index)
    n0 = result.medium_ri
    return [
        result.specimen.name,
        result.time_index,
        "" if minutes is None else minutes,
        nucleus["id"],
        nucleus.get("parent") or "",
        nucleus["voxel_count"],
        *(
            "" if nucleus.get(key) is None else nucleus[key]
            for key in (
                "volume_um3",
                "area_um2",
                "surface_area_um2",
                "sphericity",
                "mean_ri",
            )
        ),
        "" if n0 is None else n0,
        *(
            "" if nucleus.get(key) is None else nucleus[key]
            for key in ("concentration_pg_per_um3", "dry_mass_pg")
        ),
        *("" if c is None else c for c in centroid),
    ]


def _flag(value) -> str:
    """A yes/no column: 1 or 0, empty where it does not apply (or was not recorded)."""
    return "" if value is None else str(int(bool(value)))


def nuclei_csv(results: Iterable[Any]) -> str:
    """One line per nucleus per time point of ``results`` (``PredictionResult`` rows), every
    nucleus, those touching the field's edge flagged (``touches_edge``); a time point with no
    signal (a dropped frame) is one line with no nucleus and ``no_signal`` 1, a gap. Measures
    are rounded to their column's digits (``csv_digits``); ``time_min`` is empty where the
    specimen's frame interval is unknown."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(NUCLEUS_COLUMNS)
    classes = NucleusClasses()
    for result in results:
        if result.no_signal:
            minutes = time_min(result.specimen, result.time_index)
            blank = [result.specimen.name, result.time_index, "" if minutes is None else minutes]
            writer.writerow([*blank, *[""] * (len(NUCLEUS_COLUMNS) - 4), 1])
            continue
        class_of = classes.of(result)
        for nucleus in result.nuclei:
            flags = (_flag(nucleus.get(k)) for k in ("touches_edge", "touches_z_end"))
            row = [*_csv_row(result, nucleus), *class_of(nucleus["id"]), *flags, 0]
            writer.writerow([csv_value(c, v) for c, v in zip(NUCLEUS_COLUMNS, row, strict=True)])
    return out.getvalue()


def safe_name(name: str) -> str:
    """A specimen name as a file name: anything but letters, digits, ``.``, ``-``, ``_`` → ``_``."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "specimen"


def write_to_dir(results: Iterable[Any], directory: Path) -> list[Path]:
    """``<specimen>_t<T>_labels.tif`` per result and ``nuclei.csv`` in ``directory``; a specimen
    whose name gives the same file name as another's ("A1 ctrl", "A1_ctrl") gets its id
    appended, so no TIFF overwrites another."""
    directory.mkdir(parents=True, exist_ok=True)
    results = list(results)
    stems: dict[int, str] = {}
    for result in results:
        stem = safe_name(result.specimen.name)
        if result.specimen_id not in stems:
            taken = stem in stems.values()
            stems[result.specimen_id] = f"{stem}-{result.specimen_id}" if taken else stem
    written = []
    for result in results:
        path = directory / f"{stems[result.specimen_id]}_t{result.time_index}_labels.tif"
        with result.labels.open("rb") as fh:
            path.write_bytes(fh.read())
        written.append(path)
    csv_path = directory / "nuclei.csv"
    csv_path.write_text(nuclei_csv(results), encoding="utf-8")
    written.append(csv_path)
    return written
