"""Running a disagreement scoring as the job kind "disagreement" (``inference/job_kinds.py``).

Every fold model of the training job segments the sections that still need annotations (open,
label-free, fewer submissions than required), volume by volume in chunks; each section's
probability maps give its mean pixel variance and mean pairwise Dice
(``inference.ml.disagreement``). The scores replace the project's earlier ones in one
transaction at the end, so the queue never ranks by a half-written set.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import numpy as np
from django.db import transaction

from annotations.models import Project, Section, SectionDisagreement, SectionStatus, Volume
from annotations.services.volumes import volume_array
from cellweb.errors import InvalidInput
from cellweb.jobs import JobContext
from inference.ml.disagreement import fold_disagreement
from inference.ml.infer import field_settings
from inference.ml.predict import predict_sections
from inference.models import DisagreementJob
from inference.services.disagreement.launch import MIN_FOLDS, fold_versions

__all__ = ["disagreement_work", "sections_to_score"]

CHUNK_SECTIONS = 32
TOP = 10


def sections_to_score(project: Project) -> list[tuple[int, int, int]]:
    """``(section id, volume id, z)`` of the sections the queue may still hand out."""
    return list(
        Section.objects.filter(
            project=project,
            is_label_free=True,
            status=SectionStatus.OPEN,
            submitted_count__lt=project.required_annotations,
        )
        .order_by("volume_id", "z")
        .values_list("pk", "volume_id", "z")
    )


def _load(versions, device) -> tuple[list, int, set[str]]:
    from inference.services.model_versions import model_version_load

    models, fields, modalities = [], set(), set()
    for version in versions:
        model, meta = model_version_load(version, device=device)
        models.append(model)
        fields.add(field_settings(meta, version.config))
        modalities |= set((version.config or {}).get("modalities") or [])
    if len(fields) != 1:
        raise InvalidInput(
            "The fold models were trained at different input sizes "
            f"{sorted({f.input_size for f in fields})} or crop settings."
        )
    return models, fields.pop(), modalities


def _score_chunk(models, stack: np.ndarray, *, volume: Volume, field, device, threshold):
    batch = 64 if device.type == "cuda" else 8
    probs = np.stack(
        [
            predict_sections(
                model,
                stack,
                device=device,
                input_size=field.input_size,
                batch_size=batch,
                modality=volume.modality,
                tile_large=field.tile_large,
            )
            for model in models
        ]
    )  # (k, sections, y, x)
    return [fold_disagreement(probs[:, i], threshold=threshold) for i in range(stack.shape[0])]


@transaction.atomic
def _store(job: DisagreementJob, scores: list[SectionDisagreement]) -> None:
    # Two scorings ending at once take turns on the project row; the last one's set stands.
    Project.objects.select_for_update().filter(pk=job.project_id).values("pk").first()
    SectionDisagreement.objects.filter(project_id=job.project_id).delete()
    SectionDisagreement.objects.bulk_create(scores, batch_size=2000)


def disagreement_work(job: DisagreementJob, ctx: JobContext) -> dict[str, Any]:
    """Score every section that still needs annotations; replace the project's scores."""
    device = ctx.options["torch_device"]
    versions = list(fold_versions(job.training_job))
    if len(versions) < MIN_FOLDS:
        raise InvalidInput(
            f"Training job {job.training_job_id} has {len(versions)} fold models left; the "
            "disagreement needs at least two."
        )
    rows = sections_to_score(job.project)
    volumes = Volume.objects.in_bulk({volume_id for _, volume_id, _ in rows})
    total = max(len(rows), 1)
    ctx.progress(0.0, message=f"0 of {len(rows)} sections", force=True)
    with ctx.keepalive():
        models, field, trained_on = _load(versions, device)
    scores: list[SectionDisagreement] = []
    done = skipped = 0
    for volume_id, items in groupby(rows, key=lambda row: row[1]):
        items = list(items)
        volume = volumes[volume_id]
        if trained_on and volume.modality not in trained_on:
            skipped += len(items)  # the models never saw this modality: no score, no ranking
            continue
        array = volume_array(volume)
        for start in range(0, len(items), CHUNK_SECTIONS):
            chunk = items[start : start + CHUNK_SECTIONS]
            stack = np.array(array[[z for _, _, z in chunk]], dtype=np.float32)
            pairs = _score_chunk(
                models,
                stack,
                volume=volume,
                field=field,
                device=device,
                threshold=job.threshold,
            )
            for (section_id, _, _), (variance, pairwise) in zip(chunk, pairs, strict=True):
                scores.append(
                    SectionDisagreement(
                        section_id=section_id,
                        project_id=job.project_id,
                        variance=variance,
                        pairwise_dice=pairwise,
                        folds=len(models),
                        training_job_id=job.training_job_id,
                    )
                )
            done += len(chunk)
            ctx.progress(min(done / total, 0.999), message=f"{done} of {len(rows)} sections")
    ctx.check()  # a cancel during the last (throttled) batches keeps the earlier scores
    _store(job, scores)
    job.sections = len(scores)
    ctx.save("sections")
    top = sorted(scores, key=lambda s: (-s.variance, s.pairwise_dice))[:TOP]
    return {
        "sections": len(scores),
        "skipped_other_modality": skipped,
        "folds": len(models),
        "training_job": job.training_job_id,
        "device": str(device),
        "top": [
            {"section": s.section_id, "variance": s.variance, "pairwise_dice": s.pairwise_dice}
            for s in top
        ],
    }
