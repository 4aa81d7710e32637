"""One CSV of every per-section, per-volume and per-cell number, with a ``level`` column
("section", "volume" or "cell") so a single file loads into any spreadsheet or data frame;
columns that do not apply to a level are empty. Every row names its label class (``class``,
``class_value``). A class a method is not scored for (no scored section holds it on either side,
``inference/services/evaluation/absent.py``) has its pixel scores and 3D overlaps empty on that
method's rows, and ``not_scored`` says why. The column table below is the only list of section and volume columns: each
names where a section row and where a volume row takes its value; cell rows (the per-class
quantities of each predicted cell, paper 001) fill the ``cell_*`` columns."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from typing import Any

from inference.ml.metrics import SECTION_METRIC_KEYS
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.services.evaluation.absent import not_scored_methods
from inference.services.evaluation.target import scored_class

__all__ = ["CSV_COLUMNS", "results_csv_lines", "results_csv_rows"]


def _objects(key: str) -> Callable[[VolumeResult], Any]:
    return lambda v: (v.object_metrics or {}).get(key)


def _largest(key: str) -> Callable[[VolumeResult], Any]:
    return lambda v: (v.nuclei[0] if v.nuclei else {}).get(key)


def _attr(name: str) -> Callable[[VolumeResult], Any]:
    return lambda v: getattr(v, name)


def _deep(v: VolumeResult) -> bool:
    """A 3D volume, not a single-section (2D) field."""
    return v.volume.size_z > 1


def fold_number(index: int | None) -> int | None:
    """A fold as the report and the job page name it (Fold 1 first); none outside
    cross-validation (stored as -1)."""
    return index + 1 if index is not None and index >= 0 else None


# (column, field of a SectionResult row or None, value of a VolumeResult or None)
COLUMNS: tuple[tuple[str, str | None, Callable[[VolumeResult], Any] | None], ...] = (
    ("method", "method", _attr("method")),
    ("fold", "fold_index", lambda v: fold_number(v.fold_index)),
    ("specimen", "specimen__name", lambda v: v.specimen.name),
    ("lab", "specimen__lab", lambda v: v.specimen.lab),
    ("volume_id", "volume_id", _attr("volume_id")),
    ("time_index", "volume__time_index", _attr("time_index")),
    ("section_id", "section_id", None),
    ("z", "z", None),
    ("ground_truth_id", "ground_truth_id", None),
    *((key, key, None) for key in SECTION_METRIC_KEYS),
    *((key, key, None) for key in ("gt_pixels", "pred_pixels", "tp", "fp", "fn")),
    *(
        (key, None, _attr(key))
        for key in (
            "gt_sections",
            "pred_volume_um3",
            "gt_volume_um3",
            "volume_difference_um3",
        )
    ),
    # The voxel size the volume's µm numbers were measured with (its own when evaluated).
    *(
        (f"voxel_{axis}_um", None, lambda v, i=i: v.voxel_size[i] if v.voxel_size else None)
        for i, axis in enumerate("zyx")
    ),
    # A 2D field's difference in % is its area's: a column of its own, as in the report.
    ("volume_difference_pct", None, lambda v: v.volume_difference_pct if _deep(v) else None),
    ("area_difference_pct", None, lambda v: None if _deep(v) else v.volume_difference_pct),
    ("volume_intersection_ratio", None, _attr("intersection_ratio")),
    ("dice_3d", None, _attr("dice_3d")),
    ("jaccard_3d", None, _attr("jaccard_3d")),
    # Object numbers, ``objects_<key>`` (the counts ``n_gt`` and ``n_pred`` as objects_gt/_pred).
    *(
        (f"objects_{key.removeprefix('n_')}", None, _objects(key))
        for key in (
            "n_gt",
            "n_pred",
            "correct",
            "fn_rate",
            "fp_rate",
            "split",
            "merge",
            "map",
            "tp_iou50",
            "precision_iou50",
            "recall_iou50",
            "f1_iou50",
            "precision_iou70",
            "recall_iou70",
            "f1_iou70",
            "gt_instances",
            "pred_instances",
        )
    ),
    ("nuclei", None, lambda v: len(v.nuclei or [])),
    ("largest_nucleus_volume_um3", None, _largest("volume_um3")),
    ("largest_nucleus_surface_um2", None, _largest("surface_area_um2")),
    ("largest_nucleus_mean_ri", None, _largest("mean_ri")),
    ("largest_nucleus_concentration_pg_per_um3", None, _largest("concentration_pg_per_um3")),
)
# Per-class quantities of one predicted cell: column -> key of a VolumeResult.quantities entry.
CELL_COLUMNS = (
    ("cell", "cell"),
    ("cell_class_volume_um3", "volume_um3"),
    ("cell_class_count", "count"),
    ("cell_class_mean_object_volume_um3", "mean_object_volume_um3"),
    ("cell_class_mean_ri", "mean_ri"),
    ("cell_class_concentration_pg_per_um3", "concentration_pg_per_um3"),
)
# "class": the label class scored, named on every row, with its value.
CSV_COLUMNS = (
    "level",
    "class",
    "class_value",
    *(name for name, _, _ in COLUMNS),
    *(name for name, _ in CELL_COLUMNS),
    "not_scored",
)
_CELL_BLANKS = [""] * len(CELL_COLUMNS)
# The columns left empty on the rows of a class a method is not scored for.
_UNSCORED = {
    "section": frozenset(SECTION_METRIC_KEYS),
    "volume": frozenset({"dice_3d", "jaccard_3d", "volume_intersection_ratio"}),
}


def _fmt(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(round(value, 10))
    return value


def class_names(evaluation: Evaluation) -> dict[int, str]:
    """{class value: name} of the classes an evaluation scored."""
    target = scored_class(evaluation)
    classes = (evaluation.config or {}).get("classes") or [target]
    return {int(c["value"]): c["name"] for c in classes}


def results_csv_rows(
    evaluation: Evaluation, withheld: frozenset[int] = frozenset()
) -> Iterator[list[Any]]:
    """Header, then one row per scored section, method and class, then one per volume, method
    and class, then one per predicted cell and class. The scores of the ``withheld`` sections
    (their truth is withheld from the reader by the blind rule) are left blank, and said so."""
    yield list(CSV_COLUMNS)
    names = class_names(evaluation)
    unscored = {
        (int(cls["value"]), method): why
        for cls in (evaluation.summary or {}).get("classes") or []
        for method, why in not_scored_methods(cls).items()
    }
    fields = ["class_value", *(field for _, field, _ in COLUMNS if field)]
    sections = (
        SectionResult.objects.filter(evaluation=evaluation)
        .order_by("class_value", "method", "specimen__name", "volume_id", "z")
        .values_list(*fields)
    )
    for values in sections.iterator(chunk_size=2000):
        by_field = dict(zip(fields, values))
        by_field["fold_index"] = fold_number(by_field["fold_index"])
        value = by_field["class_value"]
        why = unscored.get((value, by_field["method"]), "")
        numbers = [_fmt(by_field[f]) if f else "" for _, f, _ in COLUMNS]
        if by_field["section_id"] in withheld:
            why = TRUTH_WITHHELD
            numbers = [n if name in _WHERE else "" for (name, _, _), n in zip(COLUMNS, numbers)]
        yield ["section", names.get(value, ""), value, *_blank(numbers, why, "section")]
    volumes = (
        VolumeResult.objects.filter(evaluation=evaluation)
        .select_related("specimen", "volume")
        .order_by("class_value", "method", "specimen__name", "time_index", "volume_id")
    )
    cells: list[list[Any]] = []
    for volume in volumes.iterator(chunk_size=200):
        head = [names.get(volume.class_value, ""), volume.class_value]
        why = unscored.get((volume.class_value, volume.method), "")
        numbers = [_fmt(get(volume)) if get else "" for _, _, get in COLUMNS]
        yield ["volume", *head, *_blank(numbers, why, "volume")]
        for quantity in volume.quantities or []:
            row = [_fmt(get(volume)) if name in _CELL_CONTEXT else "" for name, _, get in COLUMNS]
            quantities = [_fmt(quantity.get(key)) for _, key in CELL_COLUMNS]
            cells.append(["cell", *head, *row, *quantities, ""])
    yield from cells


# What a section row whose truth is withheld keeps: where it is, not how it scored.
_WHERE = {name for name, _, _ in COLUMNS[: [c[0] for c in COLUMNS].index("ground_truth_id") + 1]}
TRUTH_WITHHELD = "ground truth withheld: the other annotators' work, blind to you"


def _blank(numbers: list[Any], why: str, level: str) -> list[Any]:
    """A section or volume row's ``COLUMNS`` values, the cell columns and ``not_scored``: the
    pixel scores (3D overlaps) emptied where ``why`` says the class is not scored."""
    if why:
        numbers = [
            "" if name in _UNSCORED[level] else n for (name, _, _), n in zip(COLUMNS, numbers)
        ]
    return [*numbers, *_CELL_BLANKS, why]


# The columns a cell row repeats from its volume row.
_CELL_CONTEXT = {"method", "fold", "specimen", "lab", "volume_id", "time_index"}


class _Echo:
    def write(self, value: str) -> str:
        return value


def results_csv_lines(
    evaluation: Evaluation, withheld: frozenset[int] = frozenset()
) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in results_csv_rows(evaluation, withheld):
        yield writer.writerow(row)
