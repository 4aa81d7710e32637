"""Running an evaluation as the job kind "evaluation" (``inference/job_kinds.py``).

Whole volumes are segmented section by section, batched (``predict_volume``), so a tomogram
becomes a 3D mask; the paper's edge-based method and Otsu always run beside the model. For
cross-validation each fold's model scores its own held-out specimens. Every number is stored,
every aggregate is computed once into ``Evaluation.summary``, and the job's last step writes the
report from what is stored. A run that does not succeed leaves no partial results, and a re-run
after a lost worker starts clean.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from annotations.models import Volume
from cellweb.errors import InvalidInput
from cellweb.jobs import JobContext, job_execute
from inference.datasets import SnapshotEntry, entries_for_ground_truths
from inference.ml.infer import field_settings
from inference.ml.metrics import finite_or_none
from inference.models import Evaluation, ModelVersion, SectionResult, VolumeResult
from inference.services.evaluation.labels import version_layout
from inference.services.evaluation.scoring import VolumeScorer
from inference.services.evaluation.summary import pr_curve_summary, summarize


class _Progress:
    """Sections segmented so far, reported with an ETA from this run's own pace."""

    def __init__(self, ctx: JobContext, total: int):
        self.ctx = ctx
        self.total = total
        self.done = 0
        self.started = time.monotonic()

    def __call__(self, sections: int, message: str) -> None:
        self.done += sections
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else None
        self.ctx.progress(
            self.done / max(self.total, 1),
            message=message,
            batch=self.done,
            batches=self.total,
            eta_s=finite_or_none(eta),
        )


def _load_model(unit: dict[str, Any], device):
    if unit["model_version"] is None:
        return None, 448, None, None
    from inference.services.model_versions import model_version_load

    version = ModelVersion.objects.filter(pk=unit["model_version"]).first()
    if version is None:
        raise InvalidInput(f"Model version {unit['model_version']} was deleted after launch.")
    model, meta = model_version_load(version, device=device)
    field = field_settings(meta, version.config)  # resized or tiled as the version was trained
    recorded = version_layout(version.config or {})
    return model, field.input_size, field.tile_large, (recorded[0] if recorded else None)


def evaluation_work(evaluation: Evaluation, ctx: JobContext) -> dict[str, Any]:
    """Score every planned volume, then store the summary."""
    config = evaluation.config or {}
    device = ctx.options["torch_device"]
    entries = entries_for_ground_truths(config.get("ground_truth_ids") or [])
    by_volume: dict[int, dict[int, SnapshotEntry]] = defaultdict(dict)
    for e in entries:
        by_volume[e.volume_id][e.z] = e
    volume_ids = [v for unit in config["units"] for v in unit["volumes"]]
    volumes = Volume.objects.select_related("specimen").in_bulk(volume_ids)
    progress = _Progress(ctx, sum(volumes[v].size_z for v in volume_ids if v in volumes))
    total = progress.total
    ctx.progress(0.0, message=f"0 of {total} sections", force=True, batch=0, batches=total)
    scorer = VolumeScorer(evaluation, device)
    with ctx.keepalive():  # loading a model or meshing a large nucleus reports no progress
        for unit in config["units"]:
            model, input_size, tile_large, layout = _load_model(unit, device)
            for volume_id in unit["volumes"]:
                if volume_id in volumes:
                    truths = by_volume.get(volume_id, {})
                    scorer.volume(
                        volumes[volume_id],
                        unit["fold"],
                        model,
                        input_size,
                        truths,
                        progress,
                        tile_large=tile_large,
                        layout=layout,
                    )
    curves: dict[str, dict] = defaultdict(dict)
    for (method, value), counts in scorer.pr.items():
        curves[str(value)][method] = pr_curve_summary(counts)
    evaluation.summary = summarize(evaluation, pr_curves=dict(curves))
    ctx.save("summary")
    return {"sections": evaluation.sections}


def evaluation_report(evaluation: Evaluation) -> dict[str, Any]:
    """The job's last step: the report's figures and page, from what is stored."""
    from inference.reports import report_write

    return {"figures": report_write(evaluation)}


def evaluation_cleanup(evaluation: Evaluation) -> None:
    """Partial results of a run that did not succeed (and of an earlier, lost run)."""
    results = VolumeResult.objects.filter(evaluation=evaluation)
    storage = VolumeResult._meta.get_field("pred_mask").storage
    for name in results.values_list("pred_mask", flat=True):
        if name:
            storage.delete(name)
    results.delete()
    SectionResult.objects.filter(evaluation=evaluation).delete()


def evaluation_run(
    *, evaluation_id: int, device: str | None = None, worker: str = "", report=None
) -> Evaluation | None:
    """Run one evaluation here to a final state (``manage.py evaluate --wait``; a worker runs it
    through the job task)."""
    job_execute(
        "evaluation",
        evaluation_id,
        worker=worker or "this process",
        options={"device": device, "report": report},
    )
    return Evaluation.objects.filter(pk=evaluation_id).first()
