"""Ground truth that arrives as a finished mask stack (e.g. from another tool or a generator).

What a stack means depends on the project's label set. A binary stack (0/1, 0/255) is one
class: the one named (``class_name``), else the project's only class or its instance class. In
a project of several classes, any other stack is a class map whose values must all be classes
of the project. An instance label stack (each positive value one object) is taken only when
asked for (``ground_truth_import_instances``): it is stored as 16-bit instance maps (one id per
object, the same id in every section an object reaches), all of its class. A refused stack is
refused whole, before a single section is written.

Experts often label only some sections of a tomogram; ``sections`` (chosen by
``annotations/services/groundtruth_sections.py``) stores those alone, and every other section keeps what it had: no imported ground truth, or a
previous import's version, untouched.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np
from django.db import transaction
from django.db.models import Max
from skimage.segmentation import relabel_sequential

from annotations.imaging.errors import MaskError
from annotations.imaging.labels import MAX_INSTANCES, encode_class_map, encode_instance_map
from annotations.imaging.mask_stacks import (
    InstanceCounts,
    binary_stack,
    class_map_stack,
    instance_stack,
    is_binary_stack,
)
from annotations.models import GroundTruth, GroundTruthSource, LabelKind, Section, Volume
from annotations.selectors.labels import label_class, label_classes
from cellweb.errors import ConflictError, InvalidInput


def masks_from_array(array: np.ndarray) -> np.ndarray:
    """A bool (z, y, x) stack from a binary mask (0/1, 0/255, bool); refuse any other values."""
    try:
        return binary_stack(array)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


def instances_from_array(array: np.ndarray) -> tuple[np.ndarray, InstanceCounts]:
    """The foreground of an instance label stack and its instance counts."""
    try:
        return instance_stack(array)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


def _classes_listed(classes: list[dict]) -> str:
    return ", ".join(f"{c['name']} ({c['kind']}, value {c['value']})" for c in classes)


def _named_class(project, name: str) -> dict:
    entry = label_class(project, name=name)
    if entry is None:
        raise InvalidInput(
            f"Project “{project.slug}” has no class “{name}”; its classes are "
            f"{_classes_listed(label_classes(project))}."
        )
    return entry


def _instance_class(project, class_name: str | None) -> dict:
    """The class of imported instances: the one named, else the project's first instance class."""
    classes = label_classes(project)
    if class_name is not None:
        entry = _named_class(project, class_name)
        if entry["kind"] != LabelKind.INSTANCES:
            raise InvalidInput(
                f"Class “{entry['name']}” is a region class; instances belong to a class of "
                "kind instances. Import its mask without --instances."
            )
        return entry
    instance_classes = [c for c in classes if c["kind"] == LabelKind.INSTANCES]
    if not instance_classes:
        raise ConflictError(
            f"Project “{project.slug}” has no instance class (its classes are "
            f"{_classes_listed(classes)}), so an instance label image has nowhere to go. Add a "
            "class of kind instances first, or import the mask as a class map.",
            code="no_instance_class",
        )
    return instance_classes[0]


def _default_class(project) -> dict:
    """The class of a binary stack imported without a class: the only one, or the instance one."""
    classes = label_classes(project)
    if len(classes) == 1:
        return classes[0]
    instance_classes = [c for c in classes if c["kind"] == LabelKind.INSTANCES]
    if len(instance_classes) == 1:
        return instance_classes[0]
    raise InvalidInput(
        f"The mask is binary and project “{project.slug}” has several classes "
        f"({_classes_listed(classes)}); say which one it is (import_masks --class NAME)."
    )


def _class_maps(project, masks: np.ndarray, class_name: str | None) -> np.ndarray:
    """The uint8 class map stack a mask stack stands for in ``project``."""
    if class_name is not None:
        return masks_from_array(masks).astype(np.uint8) * np.uint8(
            _named_class(project, class_name)["value"]
        )
    classes = label_classes(project)
    try:
        binary = is_binary_stack(masks)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc
    if len(classes) == 1 or binary:
        return masks_from_array(masks).astype(np.uint8) * np.uint8(_default_class(project)["value"])
    try:
        return class_map_stack(masks, {c["value"]: c["name"] for c in classes})
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


@transaction.atomic
def ground_truth_import(
    *,
    volume: Volume,
    masks: np.ndarray,
    user=None,
    class_name: str | None = None,
    sections: Sequence[int] | None = None,
    file_name: str = "",
) -> int:
    """Store one imported ground-truth version per section of ``volume`` (or per section z in
    ``sections``); returns the count.

    ``masks`` is read as the module says; the whole stack is checked before anything is written.
    The previous imported version of each stored section stops being current; none is
    overwritten, and the sections not stored are not touched. ``file_name`` (the imported
    file's name) is recorded in ``params["file"]`` for the review page.
    """
    project = volume.specimen.project
    class_maps = _class_maps(project, masks, class_name)
    _check_shape(volume, class_maps.shape)
    values = [entry["value"] for entry in label_classes(project)]
    return _store(
        volume=volume,
        encoded=[encode_class_map(section, values) for section in class_maps],
        foreground=[int(np.count_nonzero(section)) for section in class_maps],
        user=user,
        only=sections,
        file_name=file_name,
    )


@transaction.atomic
def ground_truth_import_instances(
    *,
    volume: Volume,
    labels: np.ndarray,
    user=None,
    class_name: str | None = None,
    sections: Sequence[int] | None = None,
    file_name: str = "",
) -> InstanceCounts:
    """Import an instance label stack as ground truth of its class in ``volume``.

    Each positive value is one object of the class (``class_name``, else the project's instance
    class). Every section is stored as an instance map (``encode_instance_map``) keeping the
    stack's ids, so evaluation and export use these instances; ids above 65,535 are renumbered
    1..N over the whole stack, so an object keeps one id through the sections. The counts are
    returned and recorded in ``params``. ``sections`` stores only those z, as above.
    """
    entry = _instance_class(volume.specimen.project, class_name)
    foreground, counts = instances_from_array(labels)
    ids = np.asarray(labels).reshape(foreground.shape).astype(np.int64)
    if sections is not None:
        # The nuclei of what is stored: an object only the other sections hold is not imported.
        stored_ids = ids[sorted({z for z in sections if 0 <= z < len(ids)})]
        counts = InstanceCounts(counts.per_section, len(np.unique(stored_ids[stored_ids > 0])))
    if ids.max(initial=0) > MAX_INSTANCES:
        ids = relabel_sequential(ids)[0]
    values = [c["value"] for c in label_classes(volume.specimen.project)]
    _check_shape(volume, ids.shape)
    encoded = []
    for section in ids:
        present = np.unique(section[section > 0])
        classes = {int(i): int(entry["value"]) for i in present}
        encoded.append(encode_instance_map(section.astype(np.uint16), classes, values))
    _store(
        volume=volume,
        encoded=encoded,
        foreground=[int(np.count_nonzero(section)) for section in ids],
        user=user,
        counts=counts,
        only=sections,
        file_name=file_name,
    )
    return counts


def _check_shape(volume: Volume, shape: tuple[int, ...]) -> None:
    if not volume.is_label_free:
        raise InvalidInput(
            "Ground truth belongs to a label-free volume (RI, bright-field, phase or DIC), "
            f"not to a {volume.get_modality_display().lower()} volume."
        )
    if tuple(shape) != tuple(volume.shape):
        raise InvalidInput(
            f"The mask stack is {'×'.join(map(str, shape))} (z×y×x) but the volume of "
            f"“{volume.specimen.name}” is {'×'.join(map(str, volume.shape))}; they must match "
            "section by section."
        )


def _store(
    *,
    volume: Volume,
    encoded: list[bytes],
    foreground: list[int],
    user,
    counts: InstanceCounts | None = None,
    only: Sequence[int] | None = None,
    file_name: str = "",
) -> int:
    sections = list(Section.objects.select_for_update().filter(volume=volume).order_by("z"))
    if len(sections) != volume.size_z:
        raise InvalidInput(
            f"Volume {volume.pk} has {len(sections)} sections instead of {volume.size_z}."
        )
    if only is not None:
        kept = set(only)
        sections = [section for section in sections if section.z in kept]
    latest = dict(
        GroundTruth.objects.filter(section__in=sections, source=GroundTruthSource.IMPORTED)
        .values("section_id")
        .annotate(top=Max("version"))
        .values_list("section_id", "top")
    )
    GroundTruth.objects.filter(
        section__in=sections, source=GroundTruthSource.IMPORTED, is_current=True
    ).update(is_current=False)
    reviewer = user if getattr(user, "is_authenticated", False) else None
    params = {"imported_by": reviewer.get_username()} if reviewer else {}
    # One mark per import: its rows' ids name one nucleus through the sections, another
    # import's need not (inference/services/evaluation/volume_numbers.py ``one_import``).
    params["import"] = uuid.uuid4().hex
    if file_name:
        params["file"] = file_name
    if counts is not None:
        params["instances_in_volume"] = counts.total
    GroundTruth.objects.bulk_create(
        [
            GroundTruth(
                section=section,
                source=GroundTruthSource.IMPORTED,
                version=latest.get(section.pk, 0) + 1,
                mask_png=encoded[section.z],
                foreground_pixels=foreground[section.z],
                method="imported",
                params=params
                | ({"instances": counts.per_section[section.z]} if counts is not None else {}),
                reviewer=reviewer,
                is_current=True,
            )
            for section in sections
        ]
    )
    return len(sections)
