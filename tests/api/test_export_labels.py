"""The labels export: class-map and instance TIFFs per section and instances.csv, read back with
tifffile."""

from __future__ import annotations

import base64
import csv
import io
import zipfile

import numpy as np
import pytest
import tifffile
from django.utils import timezone
from PIL import Image

from annotations.imaging.labels import encode_class_map, encode_instance_map
from annotations.imaging.masks import encode_mask
from annotations.models import AnnotationRevision, GroundTruth, Section
from annotations.services.labels import label_class_add

SHAPE = (24, 32)


def b64(mask: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray((mask * 255).astype(np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def two_squares() -> np.ndarray:
    mask = np.zeros(SHAPE, dtype=bool)
    mask[2:8, 2:8] = True
    mask[12:20, 14:24] = True
    return mask


def touching_pair() -> np.ndarray:
    """Two nuclei that touch: ids 1 and 2 side by side, one object to connected components."""
    ids = np.zeros(SHAPE, dtype=np.uint16)
    ids[4:14, 4:12] = 1
    ids[4:14, 12:20] = 2
    return ids


@pytest.fixture
def section(api, specimen, make_volume, annotator, second_annotator, project):
    volume = make_volume(specimen, shape=(1, *SHAPE))
    section = Section.objects.get(volume=volume)
    label_class_add(project=project, name="cytoplasm", colour="#ffb000", kind="region")
    for user, mask in ((annotator, two_squares()), (second_annotator, np.zeros(SHAPE, bool))):
        response = api(user).put(
            f"/api/sections/{section.pk}/annotations/mine/",
            {"base_revision": None, "mask_png": b64(mask), "action": "submit"},
            format="json",
        )
        assert response.status_code == 200, response.content
    # bob's submitted mask as an instance map, as an editor with instances saves it
    revision = AnnotationRevision.objects.get(annotation__annotator=second_annotator)
    revision.mask_png = encode_instance_map(touching_pair(), {1: 1, 2: 1}, [1, 2])
    revision.save(update_fields=["mask_png"])
    return section


def download(api, user, project) -> zipfile.ZipFile:
    response = api(user).get(f"/api/projects/{project.slug}/export/?format=labels")
    assert response.status_code == 200, getattr(response, "content", b"")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


def test_labels_export_round_trips_through_tifffile(api, reviewer, project, section):
    archive = download(api, reviewer, project)
    index = rows(archive, "index.csv")
    assert [(r["annotator"], r["page"]) for r in index] == [("alice", "0"), ("bob", "1")]
    classes_file = index[0]["filename"]
    assert classes_file.endswith(f"section{section.pk}_classes.tif")
    instances_file = classes_file.replace("_classes.tif", "_instances.tif")

    class_maps = tifffile.imread(io.BytesIO(archive.read(classes_file)))
    instance_maps = tifffile.imread(io.BytesIO(archive.read(instances_file)))
    assert class_maps.dtype == np.uint8 and class_maps.shape == (2, *SHAPE)
    assert instance_maps.dtype == np.uint16 and instance_maps.shape == (2, *SHAPE)
    assert np.array_equal(class_maps[0], two_squares().astype(np.uint8))
    assert np.array_equal(class_maps[1], (touching_pair() > 0).astype(np.uint8))
    assert np.array_equal(instance_maps[1], touching_pair())  # stored ids, the pair kept apart
    assert set(np.unique(instance_maps[0])) == {0, 1, 2}  # the two separate squares

    instances = rows(archive, "instances.csv")
    summary = [
        (r["annotator"], r["page"], r["instance"], r["class_name"], r["pixels"], r["numbered_by"])
        for r in instances
    ]
    assert summary == [
        ("alice", "0", "1", "nucleus", "36", "connected components"),
        ("alice", "0", "2", "nucleus", "80", "connected components"),
        ("bob", "1", "1", "nucleus", "80", "stored"),
        ("bob", "1", "2", "nucleus", "80", "stored"),
    ]
    assert {r["filename"] for r in instances} == {instances_file}
    assert all(r["class_value"] == "1" for r in instances)


def test_an_unknown_export_format_is_a_400(api, reviewer, project, section):
    response = api(reviewer).get(f"/api/projects/{project.slug}/export/?format=zip")
    assert response.status_code == 400


def _truth(section, source: str, png: bytes, version: int = 1) -> GroundTruth:
    return GroundTruth.objects.create(
        section=section,
        source=source,
        version=version,
        mask_png=png,
        method="otsu" if source == "fluorescence" else "",
        confirmed_at=timezone.now(),
        is_current=True,
    )


def test_the_current_ground_truth_is_exported_on_its_own_pages(
    api, reviewer, annotator, project, section
):
    stain = two_squares()
    _truth(section, "fluorescence", encode_mask(stain), version=1)
    GroundTruth.objects.filter(section=section).update(is_current=False)  # older: not exported
    _truth(section, "fluorescence", encode_mask(touching_pair() > 0), version=2)
    _truth(section, "imported", encode_instance_map(touching_pair(), {1: 1, 2: 2}, [1, 2]))

    archive = download(api, reviewer, project)

    pages = rows(archive, "ground_truth.csv")
    assert [(r["source"], r["version"], r["page"]) for r in pages] == [
        ("fluorescence", "2", "0"),
        ("imported", "1", "1"),
    ]
    truth_file = pages[0]["filename"]
    assert truth_file.endswith(f"section{section.pk}_truth_classes.tif")
    class_maps = tifffile.imread(io.BytesIO(archive.read(truth_file)))
    instance_maps = tifffile.imread(
        io.BytesIO(archive.read(truth_file.replace("_classes.tif", "_instances.tif")))
    )
    assert class_maps.shape == instance_maps.shape == (2, *SHAPE)
    expected_imported = np.where(touching_pair() == 2, 2, touching_pair() > 0).astype(np.uint8)
    assert np.array_equal(class_maps[1], expected_imported)
    # the cytoplasm (a region class) stored under id 2 is an area, not an instance
    assert np.array_equal(instance_maps[1], np.where(touching_pair() == 1, 1, 0))
    assert int(pages[0]["foreground_pixels"]) == int(np.count_nonzero(class_maps[0]))

    instances = rows(archive, "ground_truth_instances.csv")
    summary = [
        (r["source"], r["instance"], r["class_name"], r["pixels"], r["numbered_by"])
        for r in instances
    ]
    # The stain mask has no ids: its touching pair is one instance of connected components.
    assert summary == [
        ("fluorescence", "1", "nucleus", "160", "connected components"),
        ("imported", "1", "nucleus", "80", "stored"),
    ]
    # Annotators get their own annotations only: no ground truth.
    theirs = download(api, annotator, project)
    assert "ground_truth.csv" not in theirs.namelist()
    assert not [n for n in theirs.namelist() if "_truth_" in n]


def test_a_region_class_has_no_instances_however_the_mask_was_stored(
    api, reviewer, project, section
):
    """The same drawing (two touching nuclei in a cytoplasm) stored as an instance map, its
    cytoplasm under an id of its own as the editor saves it, and as a class map: the class maps
    are equal and neither exports the cytoplasm as an instance."""
    nuclei = touching_pair()
    ids = nuclei.copy()
    ids[16:22, 2:30] = 3  # the cytoplasm
    class_map = np.where(ids == 3, 2, ids > 0).astype(np.uint8)
    alice, bob = AnnotationRevision.objects.filter(annotation__section=section).order_by(
        "annotation__annotator__username"
    )
    alice.mask_png = encode_instance_map(ids, {1: 1, 2: 1, 3: 2}, [1, 2])
    bob.mask_png = encode_class_map(class_map, [1, 2])
    AnnotationRevision.objects.bulk_update([alice, bob], ["mask_png"])

    archive = download(api, reviewer, project)

    [index, _] = rows(archive, "index.csv")
    classes_file = index["filename"]
    class_maps = tifffile.imread(io.BytesIO(archive.read(classes_file)))
    instance_maps = tifffile.imread(
        io.BytesIO(archive.read(classes_file.replace("_classes.tif", "_instances.tif")))
    )
    assert np.array_equal(class_maps[0], class_map) and np.array_equal(class_maps[1], class_map)
    assert np.array_equal(instance_maps[0], nuclei)  # stored ids: the pair apart, no cytoplasm
    assert not instance_maps[1][class_map == 2].any()
    summary = [
        (r["annotator"], r["class_name"], r["pixels"]) for r in rows(archive, "instances.csv")
    ]
    assert summary == [
        ("alice", "nucleus", "80"),
        ("alice", "nucleus", "80"),
        ("bob", "nucleus", "160"),  # a class map has no ids: the touching pair is one
    ]
