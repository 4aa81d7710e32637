"""A specimen's voxel size as its page and API say it: the size its volumes share, and who set it
after import (``annotations/services/voxel_size.py``)."""

from __future__ import annotations

from annotations.models import AuditEvent, ReviewAction, Specimen, Volume

__all__ = ["specimen_voxel_size", "voxel_size_words"]


def voxel_size_words(size) -> str:
    """``0.2 × 0.1 × 0.1 µm`` (z × y × x), or ``none`` — as the page, the log and the audit say."""
    if not size:
        return "none"
    return " × ".join(f"{float(v):g}" for v in size) + " µm"


def specimen_voxel_size(*, specimen: Specimen) -> dict:
    """``voxel_size`` [z, y, x] µm where every volume of the specimen has the same one (else
    None), ``missing`` (volumes without one), ``stack`` (some volume has several sections), and
    ``set_by`` / ``set_at`` of the last change after import (None: as imported)."""
    sizes = [
        (z, y, x) if None not in (z, y, x) else None
        for z, y, x in Volume.objects.filter(specimen=specimen).values_list(
            "voxel_size_z", "voxel_size_y", "voxel_size_x"
        )
    ]
    shared = set(sizes)
    last = (
        AuditEvent.objects.filter(section__specimen=specimen, action=ReviewAction.VOXEL_SIZE)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    single = shared.pop() if len(shared) == 1 else None
    return {
        "voxel_size": list(single) if single else None,
        "missing": sizes.count(None),
        "stack": Volume.objects.filter(specimen=specimen, size_z__gt=1).exists(),
        "set_by": last.actor.get_username() if last and last.actor else None,
        "set_at": last.at if last else None,
    }
