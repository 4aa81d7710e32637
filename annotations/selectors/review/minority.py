"""The nuclei only a minority of the annotators found, as a mask for the review page.

The consensus stores where they are and who drew them (``agreement["minority"]``); the page
outlines each one as its first annotator drew it, read from that annotator's revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from annotations.imaging.label_values import stored_labels
from annotations.imaging.masks import encode_mask
from annotations.models import AnnotationRevision, LabelKind, Section
from annotations.selectors.encoding import b64
from annotations.selectors.labels import label_classes


def minority_nuclei(
    section: Section, revisions: Sequence[AnnotationRevision], rows: list[dict]
) -> dict | None:
    """``{"mask_png", "nuclei"}`` for the nuclei in ``rows``; None when there are none."""
    if not rows:
        return None
    classes = label_classes(section.project)
    values = [c["value"] for c in classes]
    instance_values = [c["value"] for c in classes if c["kind"] == LabelKind.INSTANCES]
    by_name = {r.annotation.annotator.get_username(): r for r in revisions}
    wanted: dict[str, list[int]] = {}
    for row in rows:
        name, own_id = next(iter(row["annotators"].items()))
        wanted.setdefault(name, []).append(int(own_id))
    mask = np.zeros(section.shape, dtype=bool)
    for name, ids in wanted.items():
        revision = by_name.get(name)
        if revision is None:
            continue
        drawn = stored_labels(bytes(revision.mask_png), values, instance_values, section.shape)
        mask |= np.isin(drawn.instances, ids)
    return {"mask_png": b64(encode_mask(mask)), "nuclei": rows}
