"""Running a prediction as the job kind "prediction" (``inference/job_kinds.py``).

A run first waits for its turn on its specimens' series and plans them again from the results
current then (``turn.series_turn``): two runs of one model never track a specimen side by side.
A volume whose every section is blank (``no_signal``: a dropped frame) is not segmented: it is
a time point with no signal, a gap the tracker bridges like a missed time point; blank sections
of a volume with signal get no nuclei. Each other volume is segmented section by section in
batches (``predict_sections``), thresholded,
split into nuclei (``nuclei_instances``), linked to the time point before by overlap
(``Tracker``) so a nucleus keeps its id (new time points of a series tracked before carry on
its tracks: ``series.series_seed``), and measured (``nuclei_table``, each nucleus flagged
where it touches the field's edge: ``field_edges``). Its label
image and table are stored as a result that is not yet current. The transaction that ends the
job succeeded makes them current and retires the same model's earlier results on those
volumes (``prediction_ending``), so readers see either the old results or the new ones; a run
that fails or is cancelled leaves nothing (``prediction_cleanup``).
"""

from __future__ import annotations

import time
import uuid
from functools import partial
from itertools import groupby
from typing import Any

import numpy as np
from django.core.files.base import ContentFile

from annotations.imaging.ri import decode_ri
from annotations.models import Modality, Volume
from annotations.services.volumes import first_channel, volume_array
from cellweb.errors import InvalidInput
from cellweb.jobs import JobContext, JobStatus, job_execute
from inference.ml.field_edges import edge_labels, z_end_labels
from inference.ml.infer import field_settings
from inference.ml.metrics import finite_or_none
from inference.ml.no_signal import blank_sections
from inference.ml.nucleus_quantities import field_totals, medium_ri, nuclei_table
from inference.ml.predict import PredictOptions, nuclei_instances, predict_sections
from inference.ml.tracking import Tracker
from inference.models import ModelVersion, Prediction, PredictionResult
from inference.output_classes import version_outputs
from inference.selectors.prediction_summary import summary_row
from inference.services.prediction.chunks import ChunkedPrediction
from inference.services.prediction.classes import segment_classes, tracked_classes
from inference.services.prediction.export import labels_tiff_bytes
from inference.services.prediction.series import series_seed
from inference.services.prediction.turn import series_turn

__all__ = [
    "prediction_cleanup",
    "prediction_ending",
    "prediction_finish",
    "prediction_run",
    "prediction_work",
]


class _Progress:
    """Sections segmented so far, with an ETA from this run's own pace."""

    def __init__(self, ctx: JobContext, total: int):
        self.ctx, self.total, self.done = ctx, max(total, 1), 0
        self.started = time.monotonic()

    def __call__(self, sections: int, message: str, **fields: Any) -> None:
        self.done += sections
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else None
        self.ctx.progress(
            min(self.done / self.total, 0.999),
            message=message,
            batch=self.done,
            batches=self.total,
            eta_s=finite_or_none(eta),
            force=bool(fields),
            **fields,
        )


def _segment(run: ChunkedPrediction, volume: Volume, array: np.ndarray) -> np.ndarray:
    """The binary nucleus mask of one volume, chunk by chunk (bounded host memory); resized or
    tiled as the version was trained (``infer.field_settings``)."""
    mask = np.zeros(volume.shape, dtype=bool)
    for start, stop, prob in run.chunks(volume, array, predict=predict_sections):
        mask[start:stop] = prob > run.options.threshold
    return mask


def _measure(volume: Volume, array, tracked: np.ndarray, parents: dict[int, int]):
    ri = decode_ri(array) if volume.modality == Modality.RI else None
    n0 = medium_ri(ri, outside=tracked == 0) if ri is not None else None
    rows = nuclei_table(tracked, ri, volume.voxel_size, n0=n0)
    edge, z_end = edge_labels(tracked), z_end_labels(tracked)
    single = tracked.shape[0] == 1
    nuclei = []
    for row in rows:
        track = row.pop("label")
        flags = {"touches_edge": track in edge, "touches_z_end": None if single else track in z_end}
        nuclei.append({"id": track, "parent": parents.get(track), **row, **flags})
    return nuclei, n0


def _store(
    prediction: Prediction, volume: Volume, tracked, nuclei, n0, classes=None, blank=()
) -> PredictionResult:
    result = PredictionResult(
        no_signal=len(blank) == volume.size_z,
        blank_sections=list(blank),
        prediction=prediction,
        model_version_id=prediction.model_version_id,
        volume=volume,
        specimen_id=volume.specimen_id,
        time_index=volume.time_index,
        n_nuclei=len(nuclei),
        total_volume_um3=None
        if len(blank) == volume.size_z
        else field_totals(nuclei, volume.shape, volume.voxel_size)["total_volume_um3"],
        medium_ri=n0,
        nuclei=nuclei,
        voxel_size=list(volume.voxel_size) if volume.voxel_size else None,
        is_current=False,
    )
    name = f"{volume.specimen_id}-t{volume.time_index}-v{volume.pk}-{uuid.uuid4().hex[:8]}.tif"
    result.labels.save(name, ContentFile(labels_tiff_bytes(tracked, volume.voxel_size)), save=False)
    if classes is not None:  # a version with several classes: its class map too
        class_map, result.instance_classes = classes
        data = labels_tiff_bytes(class_map, volume.voxel_size)
        result.class_map.save(f"classes-{name}", ContentFile(data), save=False)
    result.save()
    return result


def _no_classes(volume: Volume):
    """The class map and instance classes of a volume with no signal: nothing."""
    return np.zeros(volume.shape, dtype=np.uint8), {}


def _tracker(prediction: Prediction, specimen_id: int, first: int, continued: list[int]):
    """The tracker and lineage of a specimen's planned time points, from ``first`` on: fresh, or
    carrying on the held series before them (``config["continues"]``, whose results are added
    to ``continued``)."""
    options = prediction.options
    tracker, lineage = Tracker(max_gap=options.track_gap), {}
    if str(specimen_id) in (prediction.config.get("continues") or {}):
        seed = series_seed(
            model_version_id=prediction.model_version_id,
            specimen_id=specimen_id,
            before=first,
            depth=options.track_gap + 1,
        )
        tracker.continue_from(seed.history, seed.next_id)
        lineage.update(seed.lineage)
        continued += seed.result_ids
    return tracker, lineage


def prediction_work(prediction: Prediction, ctx: JobContext) -> dict[str, Any]:
    """Segment, track and measure every planned volume; results stay non-current here."""
    from inference.services.model_versions import model_version_load

    device = ctx.options["torch_device"]
    version = ModelVersion.objects.filter(pk=prediction.model_version_id).first()
    if version is None:
        raise InvalidInput("The model version of this prediction was deleted after launch.")
    series_turn(prediction, version, ctx)  # one run at a time tracks a series
    plan = prediction.config.get("volumes") or []
    volumes = Volume.objects.select_related("specimen").in_bulk([v["id"] for v in plan])
    progress = _Progress(ctx, sum(volumes[v["id"]].size_z for v in plan if v["id"] in volumes))
    ctx.progress(
        0.0, message=f"0 of {progress.total} sections", force=True, batch=0, batches=progress.total
    )
    options: PredictOptions = prediction.options
    summary: list[dict[str, Any]] = []
    continued: list[int] = []  # the held results whose tracks this run continues
    with ctx.keepalive():  # loading the model and meshing large nuclei report no progress
        model, meta = model_version_load(version, device=device)
        field = field_settings(meta, {**prediction.config, **(version.config or {})})
        outputs = version_outputs(version.config or {})
        # Trained on foreground-normalised images (paper 003): two passes per input.
        two_pass = bool((version.config or {}).get("foreground_normalise"))
        run = ChunkedPrediction(model, field, device, options, progress, two_pass)
        segment = _segment if outputs is None else partial(segment_classes, outputs=outputs)
        for specimen_id, group in groupby(plan, key=lambda v: v["specimen"]):
            items = list(group)
            # lineage: a daughter's parent, on every row of her track
            tracker, lineage = _tracker(prediction, specimen_id, items[0]["time_index"], continued)
            for item in items:
                volume = volumes.get(item["id"])
                if volume is None:
                    continue  # deleted since launch
                array = volume_array(volume)
                blank = blank_sections(array)
                if len(blank) == volume.size_z:  # no signal: a gap the tracker bridges
                    tracked, parents = tracker.link(np.zeros(volume.shape, dtype=np.uint16))
                    progress(
                        volume.size_z, f"{volume.specimen.name} t{volume.time_index}: no signal"
                    )
                    classes = None if outputs is None else _no_classes(volume)
                elif outputs is None:
                    mask = segment(run, volume, array)
                    mask[blank] = False
                    labels = nuclei_instances(mask, options, spacing=volume.voxel_size)
                    tracked, parents = tracker.link(labels)
                    classes = None
                else:  # several classes: mask is (class map, instances)
                    class_map, instances = segment(run, volume, array)
                    class_map[blank], instances[blank] = 0, 0
                    tracked, parents = tracker.link(instances)
                    classes = (class_map, tracked_classes(tracked, class_map))
                lineage.update(parents)
                nuclei, n0 = (
                    ([], None)  # nothing to measure, not even the medium
                    if len(blank) == volume.size_z
                    else _measure(volume, first_channel(array), tracked, lineage)
                )
                result = _store(prediction, volume, tracked, nuclei, n0, classes, blank)
                row = summary_row(result, volume.specimen.name)
                summary.append(row)
                found = "no signal" if row["no_signal"] else f"{row['n_nuclei']} nuclei"
                progress(0, f"{row['specimen']} t{row['time_index']}: {found}", volume_done=row)
    prediction.summary = summary
    # Its series, CSV and page show them with its own (``selectors.prediction_results``).
    prediction.config = {**prediction.config, "continued_results": continued}
    ctx.save("summary", "config")
    return {
        "volumes": len(summary),
        "nuclei": sum(r["n_nuclei"] or 0 for r in summary),
        "device": str(device),
    }


def prediction_ending(prediction: Prediction) -> list[str]:
    """Under the lock that ends the job: on success its results become current and the same
    model's earlier results on those volumes stop being current, in one transaction."""
    if prediction.status != JobStatus.SUCCEEDED:
        return []
    volume_ids = list(
        PredictionResult.objects.filter(prediction=prediction).values_list("volume_id", flat=True)
    )
    # Lock the volumes so two predictions ending at once take turns (one current per model).
    list(Volume.objects.select_for_update().filter(pk__in=volume_ids).order_by("pk").values("pk"))
    PredictionResult.objects.filter(
        volume_id__in=volume_ids, model_version_id=prediction.model_version_id, is_current=True
    ).update(is_current=False)
    PredictionResult.objects.filter(prediction=prediction).update(is_current=True)
    return []


def _delete(results) -> None:
    storage = PredictionResult._meta.get_field("labels").storage
    for names in results.values_list("labels", "class_map"):
        for name in names:
            if name:
                storage.delete(name)
    results.delete()


def prediction_cleanup(prediction: Prediction) -> None:
    """Everything a run that did not succeed wrote (none of it was ever current)."""
    _delete(PredictionResult.objects.filter(prediction=prediction, is_current=False))


def prediction_finish(prediction: Prediction) -> None:
    """After success: the results this run replaced are removed with their files."""
    if prediction.status != JobStatus.SUCCEEDED:
        return
    volume_ids = PredictionResult.objects.filter(prediction=prediction).values("volume_id")
    _delete(
        PredictionResult.objects.filter(
            volume_id__in=volume_ids,
            model_version_id=prediction.model_version_id,
            is_current=False,
            prediction__status=JobStatus.SUCCEEDED,
        ).exclude(prediction=prediction)
    )


def prediction_run(
    *, prediction_id: int, device: str | None = None, worker: str = ""
) -> Prediction:
    """Run one prediction here to a final state (``manage.py predict --wait``)."""
    job_execute(
        "prediction", prediction_id, worker=worker or "this process", options={"device": device}
    )
    return Prediction.objects.get(pk=prediction_id)
