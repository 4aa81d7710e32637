"""A crowded field's nuclei measured per volume as nuclei, not as one blob: imported expert
instances keep their own ids through the sections (each measured on its own), and touching
predicted nuclei are separated in 3D as the evaluation separates them section by section."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from skimage.segmentation import find_boundaries

from annotations.models import Specimen
from annotations.services.groundtruth_import import ground_truth_import_instances
from annotations.services.volumes import volume_create
from inference.models import VolumeResult
from inference.reports import report_html
from inference.reports.figures import FigureSet
from inference.reports.layers import layer_png, outline
from inference.services.evaluation.volume_numbers import one_import
from tests.helpers_evaluation import run_evaluation

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")

VOXEL = (0.2, 0.1, 0.1)
# Three balls in a row, each touching the next: one connected blob in every section.
CENTRES = [(24, 14), (24, 32), (24, 50)]
RADIUS = 9.5


def touching_balls(z: int = 5, size: int = 48, width: int = 64) -> np.ndarray:
    """(z, y, x) instance labels 1..3 of touching balls, the same id in every section."""
    zz, yy, xx = np.mgrid[:z, :size, :width]
    distances = np.stack(
        [
            np.sqrt(((zz - z // 2) * 2.0) ** 2 + (yy - cy) ** 2 + (xx - cx) ** 2)
            for cy, cx in CENTRES
        ]
    )
    labels = np.argmin(distances, axis=0) + 1
    return np.where(distances.min(axis=0) < RADIUS, labels, 0).astype(np.uint16)


@pytest.fixture
def evaluated(project, manager):
    """(evaluation, volume): touching balls brighter than the medium, their ids imported as
    ground truth, scored by the baselines against it."""
    labels = touching_balls()
    rng = np.random.default_rng(3)
    noise = 0.002 * rng.standard_normal(labels.shape)
    ri = (1.337 + 0.03 * (labels > 0) + noise).astype(np.float32)
    specimen = Specimen.objects.create(project=project, name="crowded", lab="A")
    volume = volume_create(specimen=specimen, data=ri, modality="ri", voxel_size=VOXEL)
    ground_truth_import_instances(volume=volume, labels=labels, user=manager)
    done = run_evaluation(project, manager, specimens=[specimen], gt_source="imported")
    assert done.status == "succeeded", done.error
    return done, volume


def test_imported_touching_nuclei_are_measured_one_by_one(evaluated):
    done, _ = evaluated
    labels = touching_balls()
    row = VolumeResult.objects.get(evaluation=done, method="otsu")
    voxel = float(np.prod(VOXEL))
    expected = sorted((np.bincount(labels.ravel())[1:] * voxel).tolist(), reverse=True)
    assert [n["volume_um3"] for n in row.gt_nuclei] == pytest.approx(expected)
    # Otsu finds the bright balls exactly; split in 3D they are the three nuclei again.
    assert len(row.nuclei) == 3
    assert [n["volume_um3"] for n in row.nuclei] == pytest.approx(expected, rel=0.1)


def test_the_report_says_which_nuclei_it_measured_per_volume(evaluated):
    html = report_html(evaluated[0], FigureSet())

    assert ">Nuclei measured</th>" in html
    assert "the 10 largest at most (not a count of the field's nuclei" in html


def test_the_ground_truth_layer_outlines_each_imported_nucleus_apart(evaluated):
    done, volume = evaluated
    section = volume.sections.get(z=2)

    png = layer_png(evaluation=done, section=section, layer="gt")

    drawn = np.asarray(Image.open(io.BytesIO(png)))[..., 3] > 0
    # Where two nuclei touch, a line; outlining only the blob would leave their contact open.
    labels = touching_balls()[2]
    contact = find_boundaries(labels, mode="inner") & (labels > 0) & ~outline(labels > 0, 1)
    assert contact.sum() > 10
    assert drawn[contact].all()


BALL_RI = (1.35, 1.40, 1.45)


def test_sections_imported_apart_are_not_measured_by_their_ids(project, manager):
    """Sections 0-1 and 2-4 imported from two files that number the same balls the other way
    round: by the ids, nucleus 1 would be half of one ball and half of another (its mean RI
    between theirs); each ball is measured as itself instead."""
    labels = touching_balls()
    ri = np.full(labels.shape, 1.337, dtype=np.float32)
    for ball, value in enumerate(BALL_RI, start=1):
        ri[labels == ball] = value
    specimen = Specimen.objects.create(project=project, name="two-files", lab="A")
    volume = volume_create(specimen=specimen, data=ri, modality="ri", voxel_size=VOXEL)
    swapped = np.array([0, 3, 2, 1], dtype=np.uint16)[labels]
    ground_truth_import_instances(
        volume=volume, labels=labels, user=manager, sections=[0, 1], file_name="top.tif"
    )
    ground_truth_import_instances(
        volume=volume, labels=swapped, user=manager, sections=[2, 3, 4], file_name="low.tif"
    )

    done = run_evaluation(project, manager, specimens=[specimen], gt_source="imported")

    assert done.status == "succeeded", done.error
    row = VolumeResult.objects.get(evaluation=done, method="otsu")
    assert len(row.gt_nuclei) == 3
    for nucleus in row.gt_nuclei:
        assert min(abs(nucleus["mean_ri"] - value) for value in BALL_RI) < 0.003, nucleus


def test_one_import_is_told_by_its_mark_and_older_rows_by_file_and_count():
    def row(**params):
        return SimpleNamespace(source="imported", params=params)

    assert one_import([row(**{"import": "a"}), row(**{"import": "a"})])
    assert not one_import([row(**{"import": "a"}), row(**{"import": "b"})])
    older = {"file": "x.tif", "instances_in_volume": 39}
    assert one_import([row(**older), row(**older)])
    assert not one_import([row(**older), row(file="y.tif", instances_in_volume=39)])
    assert not one_import([row(instances_in_volume=39)])  # no file named: not known to be one
    assert not one_import([SimpleNamespace(source="consensus", params={"import": "a"})])


def test_the_prediction_layer_outlines_touching_nuclei_as_they_were_scored(evaluated):
    done, volume = evaluated
    assert done.split_touching  # the default: touching predicted nuclei are separated
    section = volume.sections.get(z=2)

    png = layer_png(evaluation=done, section=section, layer="pred")

    drawn = np.asarray(Image.open(io.BytesIO(png)))[..., 3] > 0
    # Otsu finds the three bright balls as one blob; the watershed the scores used splits it,
    # and the layer draws the lines between them.
    labels = touching_balls()[2]
    contact = find_boundaries(labels, mode="inner") & (labels > 0) & ~outline(labels > 0, 1)
    assert drawn[contact].mean() > 0.5
