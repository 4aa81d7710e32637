"""A mask file uploaded through the API imported as ground truth: the REST form of
``manage.py import_masks`` (same reading, same checks, same messages). With ``instances``, a
.zip of one mask file per nucleus is merged into one instance label image first."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from annotations.models import Specimen
from annotations.services.groundtruth_masks import read_truth_masks, store_truth_masks
from annotations.services.groundtruth_sections import stored_sections_note
from annotations.services.mask_files import label_free_volume
from annotations.services.object_mask_files import merged_summary


def ground_truth_upload(
    *,
    specimen: Specimen,
    upload,
    user,
    instances: bool = False,
    class_name: str | None = None,
    time_index: int = 0,
    dataset: str | None = None,
    labelled_only: bool = False,
    sections: str = "",
) -> dict[str, Any]:
    """Import ``upload`` (a class map, binary mask or, with ``instances``, an instance label
    image) as the imported ground truth of the specimen's label-free volume at ``time_index``.

    With ``labelled_only`` only the sections holding something are stored (a stack with none is
    a 400), with ``sections`` ("3, 8, 13") only those; the others are not touched. Refusals are the import's own (400; 409
    ``no_instance_class``); a refused file writes nothing. Returns what was stored.
    """
    volume = label_free_volume(specimen, time_index)
    name = Path(getattr(upload, "name", "") or "upload").name
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        masks, merged = read_truth_masks(
            Path(handle.name),
            name=name,
            instances=instances,
            dataset=dataset,
            time_index=time_index,
            ask_instances="set instances",
        )
    stored = store_truth_masks(
        volume=volume,
        masks=masks,
        instances=instances,
        user=user,
        class_name=class_name,
        labelled_only=labelled_only,
        sections=sections,
        file_name=name,
    )
    only = stored.stored
    counts = stored.counts
    return {
        "volume": volume.pk,
        "time": volume.time_index,
        "merged": merged_summary(merged) if merged is not None else None,
        "stored_sections": only if only is not None else list(range(volume.size_z)),
        "summary": (
            stored_sections_note(
                only, volume.size_z, left_are="empty" if labelled_only else "other"
            )
            if only is not None
            else None
        ),
        "sections": stored.sections,
        "stored_as": "instance maps" if counts is not None else "class maps",
        "instances": list(counts.per_section) if counts is not None else None,
        "instances_in_volume": counts.total if counts is not None else None,
    }
