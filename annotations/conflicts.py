"""The 409 codes of the annotations app: a valid request that the current state refuses.

Each code is raised with ``cellweb.errors.ConflictError(message, code=...)`` and documented per
operation with ``cellweb.api.conflict_responses(CONFLICTS, ...)``; docs/api.md lists them.
"""

from __future__ import annotations

CONFLICTS = {
    "too_few_annotations": "The section has fewer submitted annotations than a consensus needs.",
    "no_auto_window": "The volume has no stored percentiles, so it offers no auto window.",
    "volume_exists": "The specimen already has a volume of this modality at this time point.",
    "partner_shape_mismatch": "The stain and its label-free image in the project differ in shape.",
    "channels_differ": "The project's label-free images have other channels than this one.",
    "already_imported": "The project already holds a file with exactly this content.",
    "import_in_progress": "The same file is being imported right now.",
    "import_race": "Another import changed the same specimen at the same moment; try again.",
    "stale_ground_truth": "Someone confirmed the section since you opened it (`current`).",
    "section_status": "The section was sent back, reopened or excluded since you opened it "
    "(`current` says by whom and when).",
    "annotation_not_submitted": "An annotator you named never submitted an annotation of the "
    "section: review saw nothing of theirs to send back (`current.not_submitted` names them).",
    "stale_consensus": "A newer consensus was computed since you opened the section.",
    "imported_ground_truth": "The section's ground truth is an imported mask and it has no "
    "consensus to confirm (`current.imported` says which mask).",
    "project_exists": "A project with this short name exists already.",
    "already_member": "The account already holds this role in the project.",
    "last_manager": "The membership is the project's only manager role; add another manager first.",
    "specimen_in_use": "Annotations, ground truth, evaluation or prediction results were made "
    "from the specimen, and would be lost with it.",
    "label_name_taken": "Another class of the project's label set has this name.",
    "label_key_taken": "Another class of the project's label set has this key.",
    "label_set_full": "The label set holds 255 classes, as many as 8-bit class maps can.",
    "label_values_spent": "Every label value from 1 to 255 has been given to a class of the "
    "project (a deleted class's value is never given again).",
    "label_in_use": "Stored masks use the class (`current` counts them).",
    "specimen_without_images": "The specimen has no images yet, so no voxel size to set.",
    "no_instance_class": "The project's label set has no class of kind instances to hold an "
    "instance label image.",
}
