"""Launch an evaluation from the shell: the same service as the web form and the API.

    python manage.py evaluate --project SLUG [--model-version ID] --set cross_modality
        [--lab X] [--tag T] [--specimen ID ...] [--include-training] [--exclude-flagged]
        [--gt-source fluorescence] [--threshold 0.5] [--no-split-touching] [--wait]
        [--device cpu|cuda]

Without ``--wait`` the job is queued for a Celery worker (queue ``gpu``). With ``--wait`` this
process runs it and prints the summary: the model and both baselines, mean ± SD over every
section and over the sections whose ground truth holds a nucleus (the report's two tables),
then the objects, with whether touching predicted nuclei were separated.
"""

from __future__ import annotations

import argparse
from functools import partial

from django.core.management.base import BaseCommand, CommandError

from annotations.models import GroundTruthSource
from inference.management import kit
from inference.models import EvaluationSetKind
from inference.reports import method_label
from inference.reports.labels import (
    AGGREGATIONS,
    DETECTION_KEYS,
    mean_sd_text,
    prediction_split_label,
)
from inference.reports.sections import nucleus_blocks
from inference.services.evaluation import METRIC_KEYS, evaluation_launch, evaluation_run
from inference.services.evaluation.absent import not_scored_methods


class Command(BaseCommand):
    help = "Evaluate a model version (and the edge-based and Otsu baselines) on a specimen set."

    def add_arguments(self, parser):
        kit.add_model_arguments(parser, version_help="Model version id (omit: baselines only).")
        parser.add_argument(
            "--set", dest="set_kind", required=True, choices=EvaluationSetKind.values
        )
        parser.add_argument("--lab", default=None, help="Lab to score (cross_lab) or to filter by.")
        parser.add_argument("--tag", default=None, help="Tag of the specimens to score.")
        parser.add_argument(
            "--specimen", action="append", type=int, default=[], help="Specimen id (repeatable)."
        )
        parser.add_argument(
            "--include-training",
            action="store_true",
            help="Also score specimens the model was trained on.",
        )
        parser.add_argument(
            "--exclude-flagged",
            action="store_true",
            help="Leave out sections whose fluorescence ground truth is flagged (stain signal "
            "but empty mask, or a mask without signal).",
        )
        parser.add_argument("--gt-source", default=None, choices=GroundTruthSource.values)
        parser.add_argument("--threshold", type=float, default=0.5)
        parser.add_argument(
            "--split-touching",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Separate touching predicted nuclei numbered by connected components (binary "
            "versions, baselines) by the ground truth's watershed before objects are scored "
            "(default; --no-split-touching counts them as one object).",
        )
        kit.add_launch_arguments(parser, prints="the summary")

    def handle(self, *args, **o):
        where = kit.model_launch_args(o)
        kit.require_worker_unless_waiting(o["wait"])
        set_params = {}
        if o["lab"]:
            set_params["lab"] = o["lab"]
        if o["tag"]:
            set_params["tag"] = o["tag"]
        if o["specimen"]:
            set_params["specimen_ids"] = o["specimen"]
        if o["include_training"]:
            set_params["include_training"] = True
        if o["exclude_flagged"]:
            set_params["exclude_flagged"] = True
        launch = partial(
            evaluation_launch,
            **where,
            set_kind=o["set_kind"],
            set_params=set_params,
            gt_source=o["gt_source"],
            threshold=o["threshold"],
            split_touching=o["split_touching"],
        )
        evaluation = kit.launch_and_run(self, o, launch, run=evaluation_run)
        if evaluation is None:
            return
        if evaluation.error:
            raise CommandError(evaluation.error)
        self._summary(evaluation)

    def _summary(self, evaluation) -> None:
        """The report's two tables: every section, and the sections with a nucleus."""
        summary = evaluation.summary or {}
        methods = summary.get("methods") or []
        every = {
            m: ((summary.get("by_method") or {}).get(m) or {}).get("set") or {} for m in methods
        }
        nucleus = {
            m: block.get("set") or {} for m, block in nucleus_blocks(evaluation, methods).items()
        }
        self._set_notes(evaluation.config or {})
        self._table(
            evaluation,
            "Every section, mean ± SD over sections (a section empty in both the prediction and "
            "the ground truth scores Dice 1.0):",
            every,
        )
        self._table(
            evaluation,
            "Sections whose ground truth holds a nucleus, mean ± SD over sections:",
            nucleus,
        )
        self._per_class(evaluation, methods)
        self._objects(evaluation, methods)
        self.stdout.write(
            f"Report: /evaluations/{evaluation.pk}/  CSV: /evaluations/{evaluation.pk}/results.csv"
        )

    def _set_notes(self, config: dict) -> None:
        """What the evaluation page says of the set beside the tables: the sections left out as
        flagged, and the stain shifts of the fluorescence ground truth scored."""
        flagged = len(config.get("excluded_flagged") or [])
        if flagged:
            self.stdout.write(
                f"Flagged, left out: {flagged} section{'s' * (flagged != 1)} whose fluorescence "
                "ground truth is flagged (stain and mask disagree)."
            )
        shifts = config.get("stain_shifts") or []
        if shifts:
            listed = " · ".join(
                f"({s['dy']}, {s['dx']}) px on {s['sections']} section{'s' * (s['sections'] != 1)}"
                for s in shifts
            )
            self.stdout.write(
                f"Stain shift: {listed} (rows, columns the stain was moved onto the label-free "
                "image before thresholding; the band it leaves was not imaged and is not scored)."
            )

    def _per_class(self, evaluation, methods) -> None:
        """An evaluation of several classes: each class's table over every section, as the
        page's per-class table; a class no scored section holds says it is not scored."""
        classes = (evaluation.summary or {}).get("classes") or []
        if len(classes) < 2:
            return
        for cls in classes:
            by_method = cls.get("by_method") or {}
            blocks = {m: by_method[m].get("set") or {} for m in methods if by_method.get(m)}
            self._table(
                evaluation, f"Class {cls['name']}, every section, mean ± SD over sections:", blocks
            )
            for method, why in not_scored_methods(cls).items():
                self.stdout.write(f"  {method_label(evaluation, method)}: {why}")

    def _table(self, evaluation, title: str, blocks: dict) -> None:
        self.stdout.write(title)
        self.stdout.write(f"{'method':<28} " + " ".join(f"{k:>15}" for k in METRIC_KEYS))
        for method, block in blocks.items():
            cells = [mean_sd_text(block.get(key), 3) for key in METRIC_KEYS]
            name = method_label(evaluation, method)[:28]
            self.stdout.write(f"{name:<28} " + " ".join(f"{c:>15}" for c in cells))

    def _objects(self, evaluation, methods) -> None:
        """The report's object table, and how the predicted nuclei were numbered."""
        blocks = (evaluation.summary or {}).get("objects") or {}
        rows = {m: blocks.get(m) or {} for m in methods}
        rows = {m: b for m, b in rows.items() if b.get("n_gt") or b.get("n_pred")}
        if not rows:
            return
        self.stdout.write(f"Objects (nuclei, {AGGREGATIONS['objects']}):")
        keys = ("n_gt", "n_pred", "correct", "fn_rate", "fp_rate", "split", "merge")
        names = ("GT", "predicted", "correct", "F.N. rate", "F.P. rate", "split", "merge")
        names += ("mAP", "P IoU>0.5", "R IoU>0.5", "F1 IoU>0.5", "F1 IoU≥0.7")
        self.stdout.write(f"{'method':<28} " + " ".join(f"{n:>10}" for n in names) + "  instances")
        for method, block in rows.items():
            cells = [block.get(k) for k in keys]
            cells += [(block.get("map") or {}).get("mean")]
            cells += [block.get(k) for k in DETECTION_KEYS]
            text = [
                "—" if c is None else f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells
            ]
            name = method_label(evaluation, method)[:28]
            self.stdout.write(
                f"{name:<28} "
                + " ".join(f"{c:>10}" for c in text)
                + f"  {block.get('pred_instances') or '—'}"
            )
        self.stdout.write(
            "P, R, F1: object precision, recall and F1 of the nuclei paired one-to-one above the "
            "IoU named, counts summed over every section, then divided."
        )
        self.stdout.write(
            "correct: nuclei paired one-to-one at IoU ≥ 0.7. F.N. rate: ground-truth nuclei "
            "their best prediction covers less than 70 %; F.P. rate: predicted nuclei that cover "
            "no ground-truth nucleus to 70 %; both divided by the ground-truth nuclei (paper "
            "003). split / merge: one nucleus cut into several / several joined into one (link "
            "at IoU > 0.1)."
        )
        gt = {b.get("gt_instances") for b in rows.values()} - {None}
        self.stdout.write(f"Ground-truth nuclei: {' + '.join(sorted(gt)) or '—'}.")
        self.stdout.write(f"Touching predicted nuclei: {prediction_split_label(evaluation)}.")
