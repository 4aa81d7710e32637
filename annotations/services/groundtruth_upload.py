"""A mask file uploaded through the API imported as ground truth: the REST form of
``manage.py import_masks`` (same reading, same checks, same messages). With ``instances``, a
.zip of one mask file per nucleus is merged into one instance label image first."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from annotations.models import Specimen
from annotations.services.groundtruth_import import (
    ground_truth_import,
    ground_truth_import_instances,
)
from annotations.services.groundtruth_sections import sections_to_store, stored_sections_note
from annotations.services.mask_files import label_free_volume, read_mask_stack, time_point
from annotations.services.object_mask_files import (
    is_object_mask_source,
    merged_summary,
    read_object_masks,
)
from cellweb.errors import InvalidInput


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
        merged = None
        if is_object_mask_source(Path(handle.name)):
            if not instances:
                raise InvalidInput(
                    f"{name} is a .zip: it is read as one mask file per nucleus, so set instances."
                )
            merged = read_object_masks(Path(handle.name), name)
            masks = merged.labels
        else:
            masks = time_point(
                read_mask_stack(Path(handle.name), dataset, name, instances=instances), time_index
            )
    only = sections_to_store(
        masks, size_z=volume.size_z, labelled_only=labelled_only, sections=sections
    )
    left_are = "empty" if labelled_only else "other"
    result: dict[str, Any] = {
        "volume": volume.pk,
        "time": volume.time_index,
        "merged": merged_summary(merged) if merged is not None else None,
        "stored_sections": only if only is not None else list(range(volume.size_z)),
        "summary": (
            stored_sections_note(only, volume.size_z, left_are=left_are)
            if only is not None
            else None
        ),
    }
    if instances:
        counts = ground_truth_import_instances(
            volume=volume,
            labels=masks,
            user=user,
            class_name=class_name,
            sections=only,
            file_name=name,
        )
        return result | {
            "sections": len(only) if only is not None else len(counts.per_section),
            "stored_as": "instance maps",
            "instances": list(counts.per_section),
            "instances_in_volume": counts.total,
        }
    sections = ground_truth_import(
        volume=volume,
        masks=masks,
        user=user,
        class_name=class_name,
        sections=only,
        file_name=name,
    )
    return result | {
        "sections": sections,
        "stored_as": "class maps",
        "instances": None,
        "instances_in_volume": None,
    }
