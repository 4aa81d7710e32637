"""Proposals computed ahead: the "proposals" job stores the active version's mask of every
section in a project's annotation queue, after each activation and each import, so the editor
gets its proposal at once (``inference.selectors.proposals`` serves the stored PNG first).

Only projects that show proposals (``Project.proposals`` not ``off``) queue the job; saving
the project's settings queues one too, so switching proposals on fills them in. It skips
sections that already have a proposal of the version, sections the model cannot propose for
(fluorescence, another modality), and stops early when its version is no longer active.
"""

from __future__ import annotations

import logging
from itertools import groupby

import numpy as np
from django.conf import settings
from django.db import transaction

from annotations.imaging.masks import encode_mask
from annotations.models import ProposalMode, Section
from annotations.selectors.annotation import DRAFTABLE_SECTION_STATUSES
from annotations.services.volumes import volume_array
from cellweb.jobs import JobStatus, job_create
from inference.ml.device import cpu_has_native_bf16
from inference.ml.fuse import fuse_conv_bn
from inference.models import ModelVersion, ProposalRun, StoredProposal
from inference.selectors.proposal_state import proposal_state_publish
from inference.selectors.proposals import (
    prediction_for_proposals,
    prediction_page_mask,
    proposal_pngs,
    proposal_refusal,
)

__all__ = [
    "proposal_run_queue",
    "proposal_run_work",
    "proposals_after_activation",
    "proposals_after_import",
    "proposals_after_settings",
]

logger = logging.getLogger(__name__)

BATCH = 8  # sections through the network at once


def _sections_missing(version: ModelVersion):
    """The queued sections of the version's project without a stored proposal of it."""
    done = StoredProposal.objects.filter(model_version=version).values("section_id")
    return (
        Section.objects.filter(project_id=version.project_id, status__in=DRAFTABLE_SECTION_STATUSES)
        .exclude(pk__in=done)
        .select_related("volume")
        .order_by("volume_id", "z")
    )


def proposal_run_queue(*, version: ModelVersion, reason: str) -> ProposalRun | None:
    """Queue a run for ``version`` when its project shows proposals and no run of it waits yet
    (a waiting run will find the new sections itself). Call inside the changing transaction."""
    if version.project.proposals == ProposalMode.OFF or not version.is_active:
        return None
    waiting = ProposalRun.objects.filter(model_version=version, status=JobStatus.QUEUED)
    if waiting.exists():
        return None
    run = ProposalRun(project=version.project, model_version=version, reason=reason)
    return job_create("proposals", run)


def proposals_after_activation(version: ModelVersion) -> None:
    """Inside ``model_version_activate``'s transaction: the front learns the new version after
    the commit, and the new version's proposals are queued."""
    project_id = version.project_id
    transaction.on_commit(lambda: proposal_state_publish(project_id))
    proposal_run_queue(version=version, reason="activation")


def _queue_for_active_version(project_id: int, reason: str) -> ProposalRun | None:
    """A run for the project's active version, if it has one (in a transaction of its own)."""
    version = (
        ModelVersion.objects.filter(project_id=project_id, is_active=True)
        .select_related("project")
        .first()
    )
    if version is None:
        return None
    with transaction.atomic():
        return proposal_run_queue(version=version, reason=reason)


def proposals_after_import(import_job) -> ProposalRun | None:
    """The import listener: the imported sections get the active version's proposals."""
    return _queue_for_active_version(import_job.project.pk, "import")


def proposals_after_settings(project_id: int) -> ProposalRun | None:
    """The settings listener (after the commit): a project that shows proposals from now on
    gets the active version's; a run that finds nothing missing ends at once."""
    return _queue_for_active_version(project_id, "settings")


def _masks_of_volume(sections: list[Section], version, model, meta, device):
    """Proposal PNGs of sections of one volume, and their source: the version's current prediction of
    the volume when there is one (as the on-demand path prefers), else the network."""
    volume = sections[0].volume
    result = prediction_for_proposals(version, volume.pk)
    if result is not None:
        return [encode_mask(prediction_page_mask(result, s.z)) for s in sections], "prediction"
    stack = np.asarray(volume_array(volume)[[s.z for s in sections]], dtype=np.float32)
    masks = proposal_pngs(
        model,
        meta,
        version,
        stack,
        modality=volume.modality,
        device=device,
        batch_size=BATCH,
        cpu_bf16=settings.PROPOSAL_BF16 and cpu_has_native_bf16(),  # as on demand
    )
    return list(masks), "computed"


def proposal_run_work(job: ProposalRun, ctx) -> dict:
    # model_versions queues this job on activation, so it is imported here, not at the top.
    from inference.services.model_versions import model_version_load

    version = job.model_version
    if not ModelVersion.objects.filter(pk=version.pk, is_active=True).exists():
        ctx.log(f"Model version {version.pk} is no longer active; nothing to do.")
        return {"stored": 0, "sections": 0}
    config = version.config or {}
    sections = [
        s
        for s in _sections_missing(version)
        if proposal_refusal(
            modality=s.volume.modality,
            is_label_free=s.is_label_free,
            version_name=version.name,
            modalities=config.get("modalities"),
        )
        is None
    ]
    job.sections = len(sections)
    ctx.save("sections")
    if not sections:
        return {"stored": 0, "sections": 0}
    device = ctx.options["torch_device"]
    with ctx.keepalive():
        model, meta = model_version_load(version, device=device)
        model = fuse_conv_bn(model)  # as the on-demand path: the same masks
    for _, group in groupby(sections, key=lambda s: s.volume_id):
        if not ModelVersion.objects.filter(pk=version.pk, is_active=True).exists():
            ctx.log(f"Model version {version.pk} was replaced; stopped.")
            break
        group = list(group)
        for start in range(0, len(group), BATCH):
            chunk = group[start : start + BATCH]
            masks, source = _masks_of_volume(chunk, version, model, meta, device)
            StoredProposal.objects.bulk_create(
                [
                    StoredProposal(section=s, model_version=version, png=png, source=source)
                    for s, png in zip(chunk, masks)
                ],
                ignore_conflicts=True,  # a run beside this one stored it first: same mask
            )
            job.stored += len(chunk)
            ctx.save("stored")
            ctx.progress(job.stored / len(sections), message=f"{job.stored} of {len(sections)}")
    return {"stored": job.stored, "sections": len(sections)}
