"""Small builders for review tests: masks, sections and submitted annotations made with the ORM.

Review tests only need "this annotator submitted this mask"; building that directly keeps them
independent of the annotation service's own rules (its tests cover those).
"""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

from annotations.imaging.labels import encode_instance_map
from annotations.imaging.masks import encode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    Consensus,
    GroundTruth,
    Section,
    SectionStatus,
)
from annotations.services.annotation import annotation_save
from annotations.services.review import consensus_compute_for_section, review_confirm


def disk(shape: tuple[int, int], cy: float, cx: float, radius: float) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - cy) ** 2 + (xx - cx) ** 2 < radius**2


def box(shape: tuple[int, int], rows: slice, cols: slice) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[rows, cols] = True
    return mask


def instance_png(shape: tuple[int, int], *disks: tuple[float, float, float]) -> bytes:
    """A stored instance map of nuclei (class 1), one per (cy, cx, radius), numbered in order."""
    instances = np.zeros(shape, dtype=np.uint16)
    for number, (cy, cx, r) in enumerate(disks, start=1):
        instances[disk(shape, cy, cx, r)] = number
    return encode_instance_map(instances, dict.fromkeys(range(1, len(disks) + 1), 1), [1])


def sections_of(specimen, make_volume, *, shape=(3, 32, 32), seed: int = 0) -> list[Section]:
    volume = make_volume(specimen, shape=shape, seed=seed)
    return list(
        Section.objects.filter(volume=volume).select_related("volume", "project").order_by("z")
    )


def save_revision(
    section: Section, user, mask: np.ndarray, *, submit: bool = True, png: bytes | None = None
) -> Annotation:
    """Append a revision of ``user``'s annotation of ``section`` and keep the counters right.

    ``png``: the stored bytes (a class or instance map) when ``mask`` is not a binary mask."""
    now = timezone.now()
    annotation, _ = Annotation.objects.get_or_create(
        section=section, annotator=user, defaults={"created_at": now, "updated_at": now}
    )
    number = annotation.revision + 1
    status = AnnotationStatus.SUBMITTED if submit else AnnotationStatus.DRAFT
    AnnotationRevision.objects.create(
        annotation=annotation,
        number=number,
        author=user,
        created_at=now,
        status=status,
        mask_png=encode_mask(mask) if png is None else png,
        foreground_pixels=int(np.count_nonzero(mask)),
    )
    annotation.revision = number
    annotation.status = status
    annotation.updated_at = now
    annotation.submitted_at = now if submit else None
    annotation.save()
    section.submitted_count = Annotation.objects.filter(
        section=section, status=AnnotationStatus.SUBMITTED
    ).count()
    section.save(update_fields=["submitted_count"])
    return annotation


def submit_all(section: Section, masks_by_user: dict, *, ready: bool = True) -> Section:
    """Every user submits their mask; the section becomes ready for review (as annotation does)."""
    for user, mask in masks_by_user.items():
        save_revision(section, user, mask)
    if ready:
        section.status = SectionStatus.REVIEW
        section.save(update_fields=["status"])
    return section


def three_disks(shape: tuple[int, int] = (32, 32)) -> list[np.ndarray]:
    """Three annotators' slightly different outlines of one nucleus."""
    return [disk(shape, 16, 16, 8), disk(shape, 16, 17, 8), disk(shape, 15, 16, 9)]


def with_consensus(section: Section, annotators) -> tuple[Section, Consensus]:
    """``annotators`` submit ``three_disks``; the section's consensus is computed."""
    submit_all(section, dict(zip(annotators, three_disks())))
    consensus = consensus_compute_for_section(section)
    section.refresh_from_db()
    return section, consensus


def confirm(section: Section, reviewer, consensus: Consensus, **changes) -> GroundTruth:
    """``reviewer`` confirms ``consensus`` as ``section``'s ground truth: the first version, as
    it stands, unless ``changes`` (``mask``, ``edited``, ``base_version`` ...) say otherwise."""
    return review_confirm(section=section, reviewer=reviewer, consensus_id=consensus.pk, **changes)


def jittered_disks(shape: tuple[int, int], n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    cy, cx = shape[0] / 2, shape[1] / 2
    r = min(shape) / 4
    return [
        disk(shape, cy + rng.normal(0, 1.0), cx + rng.normal(0, 1.0), r + rng.normal(0, 1.0))
        for _ in range(n)
    ]


def submit(section, user, mask, base=None):
    """``user`` submits ``mask`` through the annotation service (its counters, status and
    hooks), on top of revision ``base``."""
    section = Section.objects.select_related("project", "volume", "specimen").get(pk=section.pk)
    return annotation_save(
        section=section,
        user=user,
        mask=mask,
        base_revision=base,
        time_spent_s=1,
        submit=True,
        source="canvas",
    )


def fluorescence_truth(section: Section, mask: np.ndarray, **params) -> GroundTruth:
    """A current fluorescence ground truth of ``section`` (version 1) as derivation stores it
    (binary PNG), with ``params`` beside an unflagged stain signal (``method`` also its field)."""
    return GroundTruth.objects.create(
        section=section,
        source="fluorescence",
        version=1,
        method=params.get("method", ""),
        mask_png=encode_mask(mask),
        foreground_pixels=int(mask.sum()),
        params={"quality": None, "stain_signal": True, **params},
        confirmed_at=timezone.now(),
        is_current=True,
    )


# Fixtures of the review API tests (imported by name: ``four_sections`` is the fixture
# ``sections``, ``ready_section`` the fixture ``ready``).
@pytest.fixture(name="sections")
def four_sections(specimen, make_volume):
    """Four 32 × 32 sections of one volume."""
    return sections_of(specimen, make_volume, shape=(4, 32, 32))


@pytest.fixture(name="ready")
def ready_section(sections, cast):
    """The first of them with three submissions and their consensus: ready for review."""
    return with_consensus(sections[0], cast)
