"""The label-set migration: every project gets the "nucleus" class and every mask keeps its bytes."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from annotations.imaging.labels import encode_class_map
from annotations.imaging.masks import encode_mask

BEFORE = [("annotations", "0008_correction_effort")]
AFTER = [("annotations", "0009_project_label_set")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _masks(seed: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    blobs = [encode_mask(rng.random((24, 20)) > 0.6) for _ in range(3)]
    blobs.append(encode_mask(np.zeros((24, 20), dtype=bool)))
    blobs.append(encode_class_map(rng.integers(0, 3, (24, 20)).astype(np.uint8), [1, 2]))
    return blobs


def _stored(apps) -> dict[str, list[bytes]]:
    return {
        name: [
            bytes(blob)
            for blob in apps.get_model("annotations", name)
            .objects.order_by("pk")
            .values_list("mask_png", flat=True)
        ]
        for name in ("AnnotationRevision", "Consensus", "GroundTruth")
    }


@pytest.mark.django_db(transaction=True)
def test_every_project_gets_nucleus_and_every_mask_stays_bit_identical():
    try:
        old = _migrate(BEFORE)
        user = old.get_model("auth", "User").objects.create(username="ann")
        for n, slug in enumerate(("alpha", "beta")):
            project = old.get_model("annotations", "Project").objects.create(slug=slug, name=slug)
            specimen = old.get_model("annotations", "Specimen").objects.create(
                project=project, name="cell"
            )
            volume = old.get_model("annotations", "Volume").objects.create(
                specimen=specimen, modality="ri", size_z=1, size_y=24, size_x=20, data="x.npy"
            )
            section = old.get_model("annotations", "Section").objects.create(
                volume=volume, project=project, specimen=specimen, z=0
            )
            annotation = old.get_model("annotations", "Annotation").objects.create(
                section=section, annotator=user, revision=len(_masks(n))
            )
            for number, blob in enumerate(_masks(n), start=1):
                old.get_model("annotations", "AnnotationRevision").objects.create(
                    annotation=annotation,
                    number=number,
                    author=user,
                    status="draft",
                    mask_png=blob,
                    foreground_pixels=1,
                )
                old.get_model("annotations", "Consensus").objects.create(
                    section=section, method="staple", mask_png=blob
                )
                old.get_model("annotations", "GroundTruth").objects.create(
                    section=section,
                    source="imported",
                    version=number,
                    mask_png=blob,
                    is_current=False,
                )
        before = _stored(old)
        assert sum(len(blobs) for blobs in before.values()) == 30

        new = _migrate(AFTER)
        assert _stored(new) == before
        for project in new.get_model("annotations", "Project").objects.all():
            assert project.label_classes == [
                {
                    "value": 1,
                    "name": "nucleus",
                    "colour": "#00e5ff",
                    "shortcut": "1",
                    "kind": "instances",
                }
            ]
            assert project.paint_rule == "replace"

        assert _stored(_migrate(BEFORE)) == before  # and back again, still untouched
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
