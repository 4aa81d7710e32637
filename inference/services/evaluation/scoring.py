"""Scoring one volume: segment it (the model, batched, and the rule-based baselines), then store
per-section metrics, per-volume 3D, object and nucleus numbers, and the predicted mask.

Every number is per label class (``SectionResult.class_value``, ``VolumeResult.class_value``):
the version's output classes when it has several, else its one target class; the baselines
score the target class. Per section: Dice, Jaccard, F0.5, precision and recall of the class,
and AUC-PR from its probabilities. The baselines output a binary mask, so their "probability" is 0 or 1 and their
AUC-PR is the average precision of that two-level score, ``R·P + (1 − R)·prevalence``
(precision and recall at the mask, then everything): a fair threshold-free number for a method
without a score. Per volume, over the sections with ground truth: predicted and GT nucleus
volume (µm³), their difference, the volume intersection ratio and 3D Dice; for instance classes,
objects on real instances (``labels``; touching predicted nuclei separated as the ground
truth's with ``Evaluation.split_touching``), section by section and pooled over the volume
(``objects.PooledObjects``: Hungarian matching at IoU 0.7, paper 003's F.N./F.P. rates, split
and merge, mAP over IoU 0.50:0.05:0.95); per nucleus of the whole predicted volume (target
class): volume, surface area, mean RI and concentration (paper 001); with several classes, the
per-class quantities of every cell (``class_quantities``). The stored mask of an instance class
holds its nuclei's ids as they were scored (``volume_numbers``), for the gallery to outline.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from annotations.imaging.ri import decode_ri
from annotations.models import GroundTruth, LabelKind, Modality, Volume
from annotations.services.volumes import first_channel, volume_array
from inference.class_target import class_target, project_labels
from inference.datasets import SnapshotEntry
from inference.ml.baselines import edge_based, edge_based_params, otsu
from inference.ml.infer import predict_volume
from inference.ml.metrics import class_section_metrics, finite_or_none
from inference.ml.pr import PRCounts
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.services.evaluation.border import border_rule, drop_border_nuclei, imaged_region
from inference.services.evaluation.labels import (
    HeadPredictions,
    Prediction,
    binary_prediction,
    truth_labels,
)
from inference.services.evaluation.quantities import cell_quantities
from inference.services.evaluation.summary import PR_POINTS
from inference.services.evaluation.volume_numbers import (
    class_objects,
    imported_nuclei,
    largest_nuclei_rows,
    one_import,
    predicted_ids,
    volume_agreement,
    volume_result_save,
)

OTSU_PARAMS = {"min_size": 64, "fill_holes": True}
BASELINE_PARAMS = {"edge": edge_based_params().to_dict(), "otsu": OTSU_PARAMS}
CHUNK_SECTIONS = 16
SECTION_FIELDS = ("dice", "jaccard", "f05", "precision", "recall", "gt_pixels", "pred_pixels")


class VolumeScorer:
    """Scores volume after volume for one evaluation, pooling each method's PR counts per class."""

    def __init__(self, evaluation: Evaluation, device):
        self.evaluation = evaluation
        self.device = device
        self.threshold = float(evaluation.threshold)
        self.split_touching = bool(evaluation.split_touching)
        config = evaluation.config or {}
        self.methods = list(config.get("methods") or [])
        # The class recorded at launch; evaluations from before label sets score the nucleus.
        target = config.get("target") or {}
        self.target = class_target(evaluation.project, value=target.get("value"))
        project_classes = list(evaluation.project.label_classes)
        self.labels = project_labels(evaluation.project)
        self.instance_values = [
            int(c["value"]) for c in project_classes if c["kind"] == LabelKind.INSTANCES
        ]
        self.classes = list(config.get("classes") or [])
        if not self.classes:  # launched before classes were recorded: the target alone
            kind = next(
                (c["kind"] for c in project_classes if c["value"] == self.target.value),
                LabelKind.INSTANCES,
            )
            self.classes = [{"value": self.target.value, "name": self.target.name, "kind": kind}]
        self.pr = {
            (m, c["value"]): PRCounts(PR_POINTS)
            for m in self.methods
            for c in self.method_classes(m)
        }

    def method_classes(self, method: str) -> list[dict]:
        """The classes a method scores: the model its classes, a baseline the target."""
        if method == "model":
            return self.classes
        return [c for c in self.classes if c["value"] == self.target.value] or [
            {"value": self.target.value, "name": self.target.name, "kind": LabelKind.INSTANCES}
        ]

    def segment(
        self,
        volume: Volume,
        model,
        input_size: int,
        progress: Callable[[int, str], None],
        zs: list[int],
        *,
        tile_large: bool | None = None,
        layout=None,
    ) -> tuple[np.ndarray, dict[str, Prediction]]:
        """The volume's array and each method's prediction, at native resolution;
        ``tile_large`` is passed to ``predict_volume`` (True for versions trained on native
        crops); ``layout``: the version's HeadLayout when it has several classes or an instance
        head."""
        array = volume_array(volume)
        z_count = volume.size_z
        label = f"{volume.specimen.name} t{volume.time_index}"
        heads = None
        probability = None
        if model is not None and layout is not None:
            heads = HeadPredictions(
                layout,
                self.classes,
                volume.shape,
                zs,
                self.instance_values,
                self.threshold,
                split_touching=self.split_touching,
            )
        elif model is not None:
            probability = np.empty(volume.shape, dtype=np.float32)
        edge = np.zeros(volume.shape, dtype=bool)
        otsu_masks = np.zeros(volume.shape, dtype=bool)
        batch = 32 if self.device.type == "cuda" else 8
        for start in range(0, z_count, CHUNK_SECTIONS):
            stop = min(start + CHUNK_SECTIONS, z_count)
            chunk = np.array(array[start:stop], dtype=np.float32)
            if model is not None:
                # A head layout gives every channel, activated: (n, C, y, x).
                with_layout = {"layout": layout} if heads is not None else {}
                output = predict_volume(
                    model,
                    chunk,
                    input_size=input_size,
                    batch_size=batch,
                    device=self.device,
                    modality=volume.modality,
                    tile_large=tile_large,
                    **with_layout,
                )
                if heads is not None:
                    heads.add(start, output)
                else:
                    probability[start:stop] = output
            for offset, section in enumerate(first_channel(chunk)):
                edge[start + offset] = edge_based(section)
                otsu_masks[start + offset] = otsu(section, **OTSU_PARAMS)
            progress(stop - start, f"{label}: section {stop} of {z_count}")
        value = self.target.value
        split = {"split_touching": self.split_touching}
        predictions = {
            "edge": binary_prediction(edge, value, zs, self.instance_values, **split),
            "otsu": binary_prediction(otsu_masks, value, zs, self.instance_values, **split),
        }
        if heads is not None:
            predictions["model"] = heads.prediction
        elif probability is not None:
            predictions["model"] = binary_prediction(
                probability > self.threshold, value, zs, self.instance_values, probability, **split
            )
        return first_channel(array), predictions

    def _truths(self, volume: Volume, zs: list[int], truths: dict[int, SnapshotEntry]):
        """Each section's ground-truth labels, whether it left out the border's nuclei, the part
        of the section its stain covers (None: all of it), and whether all of it is one import
        (``one_import``: its ids then name one nucleus through the sections)."""
        rows = GroundTruth.objects.only("id", "mask_png", "source", "params").in_bulk(
            [truths[z].ground_truth_id for z in zs]
        )
        shape = (volume.size_y, volume.size_x)
        ordered = [rows[truths[z].ground_truth_id] for z in zs]
        labels = [
            truth_labels(bytes(row.mask_png), row.source, self.labels, self.instance_values, shape)
            for row in ordered
        ]
        imported = one_import(ordered)
        ruled, boxes = [border_rule(row) for row in ordered], [imaged_region(r) for r in ordered]
        return labels, ruled, boxes, imported

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
        layout=None,
    ) -> None:
        zs = sorted(truths)
        array, predictions = self.segment(
            volume, model, input_size, progress, zs, tile_large=tile_large, layout=layout
        )
        gt_sections, ruled, boxes, imported = self._truths(volume, zs, truths)
        for prediction in predictions.values():
            drop_border_nuclei(prediction, zs, ruled, self.instance_values, boxes)
        gt_maps = np.stack([g.class_map for g in gt_sections]) if zs else None
        ri = decode_ri(array) if volume.modality == Modality.RI else None
        complete = len(zs) == volume.size_z
        target = self.target.value
        split = {"split_touching": self.split_touching}
        gt_nuclei = []
        if complete and zs:
            ids = imported_nuclei(gt_sections, target, imported)
            gt_nuclei = largest_nuclei_rows(gt_maps == target, volume, ri, instances=ids, **split)
        quantities = {}
        if "model" in predictions and len(self.classes) > 1:
            quantities = cell_quantities(predictions["model"].class_map, ri, volume, self.classes)

        section_rows: list[SectionResult] = []
        for method in self.methods:
            prediction = predictions[method]
            for cls in self.method_classes(method):
                value = cls["value"]
                predicted = prediction.class_map == value
                if zs:
                    section_rows += self._section_rows(
                        volume, fold, method, value, prediction, gt_maps, zs, truths
                    )
                row = VolumeResult(
                    evaluation=self.evaluation,
                    volume=volume,
                    specimen_id=volume.specimen_id,
                    method=method,
                    class_value=value,
                    fold_index=fold,
                    time_index=volume.time_index,
                    gt_sections=len(zs),
                    total_sections=volume.size_z,
                    voxel_size=list(volume.voxel_size) if volume.voxel_size else None,
                    gt_nuclei=gt_nuclei if value == target else [],
                    quantities=quantities.get(value, []) if method == "model" else [],
                )
                if zs:
                    volume_agreement(row, volume, predicted[zs], gt_maps == value)
                    if cls["kind"] == LabelKind.INSTANCES:
                        row.object_metrics = class_objects(prediction.sections, gt_sections, value)
                if value == target and (method == "model" or "model" not in self.methods):
                    row.nuclei = largest_nuclei_rows(predicted, volume, ri, **split)
                ids = None
                if cls["kind"] == LabelKind.INSTANCES:
                    ids = predicted_ids(predicted, prediction.sections, zs, value)
                name = f"volume{volume.pk}-{method}-c{value}.tif"
                volume_result_save(row, predicted, name, ids)
        SectionResult.objects.bulk_create(section_rows, batch_size=500)

    def _section_rows(self, volume, fold, method, value, prediction, gt_maps, zs, truths):
        pred_maps = prediction.class_map[zs]
        score = prediction.scores.get(value)
        per_section = class_section_metrics(pred_maps, gt_maps, value, score, self.threshold)
        ranked = score if score is not None else (pred_maps == value).astype(np.float32)
        self.pr[(method, value)].add(ranked, gt_maps == value)
        return [
            SectionResult(
                evaluation=self.evaluation,
                section_id=truths[z].section_id,
                specimen_id=truths[z].specimen_id,
                volume_id=volume.pk,
                ground_truth_id=truths[z].ground_truth_id,
                method=method,
                class_value=value,
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
