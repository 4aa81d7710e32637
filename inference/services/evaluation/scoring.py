"""Scoring one volume: segment it (the model, batched, and the rule-based baselines), then store
per-section metrics, per-volume 3D, object and nucleus numbers, and the predicted mask.

Per section: Dice, Jaccard, F0.5, precision and recall at the threshold, and AUC-PR from the
probabilities. The baselines output a binary mask, so their "probability" is 0 or 1 and their
AUC-PR is the average precision of that two-level score, ``R·P + (1 − R)·prevalence``
(precision and recall at the mask, then everything): a fair threshold-free number for a method
without a score. Per volume, over the sections with ground truth: predicted and GT nucleus
volume (µm³), their difference, the volume intersection ratio and 3D Dice; objects (Hungarian
matching at IoU 0.7, paper 003's F.N./F.P. rates, split and merge, mAP over IoU 0.50:0.05:0.95);
per nucleus of the whole predicted volume: volume, surface area, mean RI and concentration
(paper 001).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import tifffile
from django.core.files.base import ContentFile

from annotations.imaging.ri import decode_ri
from annotations.models import GroundTruth, Modality, Volume
from annotations.services.volumes import first_channel, volume_array
from inference.class_target import class_target
from inference.datasets import SnapshotEntry
from inference.ml.baselines import edge_based, edge_based_params, otsu
from inference.ml.infer import predict_volume
from inference.ml.metrics import batch_section_metrics, finite_or_none, volume_metrics
from inference.ml.objects import object_scores
from inference.ml.pr import PRCounts
from inference.ml.quantities import largest_nuclei
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.services.evaluation.summary import PR_POINTS

OTSU_PARAMS = {"min_size": 64, "fill_holes": True}
BASELINE_PARAMS = {"edge": edge_based_params().to_dict(), "otsu": OTSU_PARAMS}
CHUNK_SECTIONS = 16
MAX_NUCLEI = 10
MIN_NUCLEUS_VOXELS = 27
OBJECT_IOU = 0.7
NUCLEUS_KEYS = ("volume_um3", "surface_area_um2", "mean_ri", "concentration_pg_per_um3")
VOLUME_METRIC_FIELDS = {
    "pred_volume_um3": "pred_volume_um3",
    "gt_volume_um3": "gt_volume_um3",
    "volume_difference_um3": "volume_difference_um3",
    "volume_difference_pct": "volume_difference_pct",
    "intersection_ratio": "volume_intersection_ratio",
    "dice_3d": "dice_3d",
    "jaccard_3d": "jaccard_3d",
}
SECTION_FIELDS = ("dice", "jaccard", "f05", "precision", "recall", "gt_pixels", "pred_pixels")


def _nuclei(mask: np.ndarray, volume: Volume, ri: np.ndarray | None) -> list[dict[str, Any]]:
    """Quantities of the largest nuclei of a 3D mask (RI volumes with a voxel size only)."""
    if ri is None or volume.voxel_size is None:
        return []
    rows = largest_nuclei(
        mask, ri, volume.voxel_size, keep=MAX_NUCLEI, min_voxels=MIN_NUCLEUS_VOXELS
    )
    return [
        {
            "label": row["label"],
            "voxel_count": row["voxel_count"],
            **{key: finite_or_none(row[key]) for key in NUCLEUS_KEYS},
            "centroid_um": [finite_or_none(c) for c in row["centroid_um"]],
        }
        for row in rows
    ]


def _objects(pred: np.ndarray, gt: np.ndarray) -> dict[str, Any]:
    scores = object_scores(pred, gt, OBJECT_IOU)
    return {
        key: finite_or_none(value) if key in ("fn_rate", "fp_rate", "map") else value
        for key, value in scores.items()
    }


def _tiff_bytes(mask: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    tifffile.imwrite(
        buffer,
        np.ascontiguousarray(mask, dtype=np.uint8) * np.uint8(255),
        compression="zlib",
        photometric="minisblack",
        metadata={"axes": "ZYX"},
    )
    return buffer.getvalue()


class VolumeScorer:
    """Scores volume after volume for one evaluation, pooling each method's PR counts."""

    def __init__(self, evaluation: Evaluation, device):
        self.evaluation = evaluation
        self.device = device
        self.threshold = float(evaluation.threshold)
        self.methods = list((evaluation.config or {}).get("methods") or [])
        self.pr = {m: PRCounts(PR_POINTS) for m in self.methods}
        # The class recorded at launch; evaluations from before label sets score the nucleus.
        target = (evaluation.config or {}).get("target") or {}
        self.target = class_target(evaluation.project, value=target.get("value"))

    def segment(
        self,
        volume: Volume,
        model,
        input_size: int,
        progress: Callable[[int, str], None],
        *,
        tile_large: bool | None = None,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The volume's array and each method's score (model probabilities, baseline masks), at
        native resolution; ``tile_large`` is passed to ``predict_volume`` (True for versions
        trained on native crops)."""
        array = volume_array(volume)
        z_count = volume.size_z
        label = f"{volume.specimen.name} t{volume.time_index}"
        scores: dict[str, np.ndarray] = {}
        if model is not None:
            scores["model"] = np.empty(volume.shape, dtype=np.float32)
        edge = np.zeros(volume.shape, dtype=bool)
        otsu_masks = np.zeros(volume.shape, dtype=bool)
        batch = 32 if self.device.type == "cuda" else 8
        for start in range(0, z_count, CHUNK_SECTIONS):
            stop = min(start + CHUNK_SECTIONS, z_count)
            chunk = np.array(array[start:stop], dtype=np.float32)
            if model is not None:
                scores["model"][start:stop] = predict_volume(
                    model,
                    chunk,
                    input_size=input_size,
                    batch_size=batch,
                    device=self.device,
                    modality=volume.modality,
                    tile_large=tile_large,
                )
            for offset, section in enumerate(first_channel(chunk)):
                edge[start + offset] = edge_based(section)
                otsu_masks[start + offset] = otsu(section, **OTSU_PARAMS)
            progress(stop - start, f"{label}: section {stop} of {z_count}")
        scores["edge"] = edge
        scores["otsu"] = otsu_masks
        return first_channel(array), scores

    def volume(
        self,
        volume: Volume,
        fold: int,
        model,
        input_size: int,
        truths: dict[int, SnapshotEntry],
        progress: Callable[[int, str], None],
        *,
        tile_large: bool | None = None,
    ) -> None:
        array, scores = self.segment(volume, model, input_size, progress, tile_large=tile_large)
        zs = sorted(truths)
        gt_rows = GroundTruth.objects.only("id", "mask_png").in_bulk(
            [truths[z].ground_truth_id for z in zs]
        )
        shape = (volume.size_y, volume.size_x)
        gt_stack = np.zeros((len(zs), *shape), dtype=bool)
        for i, z in enumerate(zs):
            gt_stack[i] = self.target.decode(
                bytes(gt_rows[truths[z].ground_truth_id].mask_png), shape
            )
        ri = decode_ri(array) if volume.modality == Modality.RI else None
        complete = len(zs) == volume.size_z
        gt_nuclei = _nuclei(gt_stack, volume, ri) if complete and zs else []

        section_rows: list[SectionResult] = []
        for method in self.methods:
            score = scores[method]
            predicted = score > self.threshold if method == "model" else score
            if zs:
                probs = score[zs] if method == "model" else score[zs].astype(np.float32)
                per_section = batch_section_metrics(probs, gt_stack, self.threshold)
                self.pr[method].add(probs, gt_stack)
                section_rows += [
                    SectionResult(
                        evaluation=self.evaluation,
                        section_id=truths[z].section_id,
                        specimen_id=truths[z].specimen_id,
                        volume_id=volume.pk,
                        ground_truth_id=truths[z].ground_truth_id,
                        method=method,
                        fold_index=fold,
                        z=z,
                        auc_pr=finite_or_none(metrics["auc_pr"]),
                        tp=metrics["tp"],
                        fp=metrics["fp"],
                        fn=metrics["fn"],
                        **{key: metrics[key] for key in SECTION_FIELDS},
                    )
                    for z, metrics in zip(zs, per_section)
                ]
            row = VolumeResult(
                evaluation=self.evaluation,
                method=method,
                fold_index=fold,
                volume=volume,
                specimen_id=volume.specimen_id,
                time_index=volume.time_index,
                gt_sections=len(zs),
                total_sections=volume.size_z,
                gt_nuclei=gt_nuclei,
            )
            if zs:
                self._volume_numbers(row, volume, predicted[zs], gt_stack)
            if method == "model" or "model" not in self.methods:
                row.nuclei = _nuclei(predicted, volume, ri)
            self._save(row, predicted, f"volume{volume.pk}-{method}.tif")
        SectionResult.objects.bulk_create(section_rows, batch_size=500)

    @staticmethod
    def _volume_numbers(row: VolumeResult, volume: Volume, sub: np.ndarray, gt_stack) -> None:
        """3D agreement over the sections with ground truth; µm³ only with a voxel size."""
        voxel = volume.voxel_size
        numbers = volume_metrics(sub, gt_stack, voxel or (1.0, 1.0, 1.0))
        physical = ("pred_volume_um3", "gt_volume_um3", "volume_difference_um3")
        for field_name, key in VOLUME_METRIC_FIELDS.items():
            if voxel is not None or field_name not in (*physical, "volume_difference_pct"):
                setattr(row, field_name, finite_or_none(numbers[key]))
        row.object_metrics = _objects(sub, gt_stack)

    @staticmethod
    def _save(row: VolumeResult, predicted: np.ndarray, name: str) -> None:
        row.pred_mask.save(name, ContentFile(_tiff_bytes(predicted)), save=False)
        try:
            row.save()
        except BaseException:
            row.pred_mask.storage.delete(row.pred_mask.name)
            raise
