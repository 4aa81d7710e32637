"""A crowded field's nuclei measured per volume as nuclei, not as one blob: imported expert
instances keep their own ids through the sections (each measured on its own), and touching
predicted nuclei are separated in 3D as the evaluation separates them section by section."""

from __future__ import annotations

import io

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
