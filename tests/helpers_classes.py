"""Tiny nucleus + cytoplasm ground truth with touching nuclei, for training on classes and
instances: each section two touching nucleus disks (instances of class 1) in a cytoplasm disk
(class 2), stored as a 16-bit instance map as the editor saves it."""

from __future__ import annotations

import numpy as np
from django.utils import timezone

from annotations.imaging.labels import encode_instance_map
from annotations.models import GroundTruth
from annotations.services.labels.presets import preset_classes
from inference.ml.instances import distance_target
from tests.helpers_training import numbered_specimens

SIZE = 32
LABELS = (1, 2)


def touching_cell(rng: np.random.Generator) -> tuple[np.ndarray, dict[int, int]]:
    """(instance map, class of each id): nuclei 1 and 2 touch; id 3 is the cytoplasm."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    cy, cx = (int(v) for v in rng.integers(14, 18, 2))
    instances = np.zeros((SIZE, SIZE), np.uint16)
    instances[(yy - cy) ** 2 + (xx - cx) ** 2 < 13**2] = 3
    left = (yy - cy) ** 2 + (xx - cx + 4) ** 2 < 5**2
    right = (yy - cy) ** 2 + (xx - cx - 4) ** 2 < 5**2
    instances[left] = 1
    instances[right & ~left] = 2
    return instances, {1: 1, 2: 1, 3: 2}


def cell_image(instances: np.ndarray) -> np.ndarray:
    """RI-like: cytoplasm a little above the medium, nuclei brighter towards their centres.
    Normalised (``data.normalise_ri``): medium 0, cytoplasm 1/3, nuclei 2/3 + their distance."""
    nuclei = np.where(np.isin(instances, (1, 2)), instances, 0)
    distance = distance_target(nuclei)
    return (1.337 + 0.01 * (instances == 3) + 0.02 * (nuclei > 0) + 0.03 * distance).astype(
        np.float32
    )


def instance_gt(section, instances: np.ndarray, classes: dict[int, int], labels=LABELS):
    """Version 1 of ``section``'s consensus ground truth: an instance map, confirmed, current."""
    return GroundTruth.objects.create(
        section=section,
        source="consensus",
        version=1,
        mask_png=encode_instance_map(instances, classes, labels),
        foreground_pixels=int((instances > 0).sum()),
        confirmed_at=timezone.now(),
        is_current=True,
    )


def add_cells(project, make_volume, n: int = 4, sections: int = 2, seed: int = 3):
    """``n`` specimens of ``sections`` sections in a nucleus + cytoplasm project."""
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    rng = np.random.default_rng(seed)
    for specimen in numbered_specimens(project, n, prefix="cell"):
        cells = [touching_cell(rng) for _ in range(sections)]
        volume = make_volume(specimen, np.stack([cell_image(c[0]) for c in cells]))
        for section, (instances, classes) in zip(volume.sections.order_by("z"), cells):
            instance_gt(section, instances, classes)
