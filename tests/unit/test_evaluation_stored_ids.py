"""The predicted nuclei an evaluation scored are stored with it: the per-volume TIFF of an
instance class holds their ids, so the gallery outlines an instance head's nuclei apart as they
were scored. A row stored before the ids (a 0/255 mask) renders as it did, and every reader of
the mask gets the same bool mask from either."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image
from scipy import ndimage as ndi

from annotations.services.groundtruth_import import ground_truth_import_instances
from inference.ml.heads import HeadLayout
from inference.ml.instances import distance_target
from inference.models import VolumeResult
from inference.reports import layer_png, volume_result_mask
from inference.reports.figures import draw_figures
from inference.reports.layers import LAYER_COLOURS, contour_png
from inference.reports.masks import volume_result_section
from inference.reports.section_figures import nucleus_pieces
from inference.services.evaluation import evaluation_launch, evaluation_run, scoring
from inference.services.evaluation.volume_numbers import _tiff_bytes
from tests.unit.test_evaluation_multiclass import multiclass_version

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")

SHAPE = (40, 48)
CLASSES = [{"value": 1, "name": "nucleus", "kind": "instances"}]


def two_touching() -> np.ndarray:
    """Instance labels of two disks that overlap by two pixels, each pixel its nearer one's."""
    rows, cols = np.indices(SHAPE)
    near = np.hypot(rows - 20, cols - 15)
    far = np.hypot(rows - 20, cols - 31)
    labels = np.where(near <= 9, 1, 0)
    labels = np.where((far <= 9) & (far < near), 2, labels)
    return labels.astype(np.uint16)


def enclosed(png: bytes) -> int:
    """How many regions the drawn lines enclose (the nuclei outlined apart)."""
    drawn = np.asarray(Image.open(io.BytesIO(png)))[..., 3] > 0
    regions, count = ndi.label(~drawn)
    at_border = set(np.unique(np.concatenate([regions[0], regions[-1], regions[:, 0]])))
    at_border |= set(np.unique(regions[:, -1]))
    return len(set(range(1, count + 1)) - at_border)


@pytest.fixture
def evaluated(project, manager, specimen, make_volume, monkeypatch):
    """A version with a distance head evaluated on two sections of two touching nuclei, its
    output the nuclei's own distance maps, so the head splits them; the baselines' touching
    nuclei left as connected components (one object)."""
    labels = np.stack([two_touching()] * 2)
    rng = np.random.default_rng(0)
    image = (100 + 900 * (labels > 0) + rng.normal(0, 10, labels.shape)).astype(np.float32)
    volume = make_volume(specimen, image, modality="brightfield")
    ground_truth_import_instances(volume=volume, labels=labels)
    distance = np.stack([distance_target(s) for s in labels])

    def head_output(model, chunk, **options):
        assert options["layout"].instance == "distance"
        return np.stack([(labels > 0).astype(np.float32), distance], axis=1)[: len(chunk)]

    monkeypatch.setattr(scoring, "predict_volume", head_output)
    evaluation = evaluation_launch(
        project=project,
        user=manager,
        model_version_id=multiclass_version(
            project, HeadLayout(n_classes=1, instance="distance"), CLASSES, "nucleus + distance"
        ).pk,
        set_kind="specimens",
        set_params={"specimen_ids": [specimen.pk]},
        gt_source="imported",
        queue=False,
        split_touching=False,
    )
    done = evaluation_run(evaluation_id=evaluation.pk, device="cpu")
    assert done.status == "succeeded", (done.error, done.log[-1:])
    return done, volume, labels


def stored(row: VolumeResult) -> np.ndarray:
    with row.pred_mask.open("rb") as fh:
        return tifffile.imread(io.BytesIO(fh.read()))


def test_the_stored_tiff_holds_the_nuclei_the_head_split(evaluated):
    evaluation, volume, labels = evaluated
    model = VolumeResult.objects.get(evaluation=evaluation, method="model")
    assert model.object_metrics["pred_instances"] == "instance head (distance)"
    assert model.object_metrics["n_pred"] == 4 and model.object_metrics["correct"] == 4
    ids = stored(model)
    assert ids.dtype == np.uint16
    for z in range(volume.size_z):
        assert sorted(np.unique(ids[z]).tolist()) == [0, 1, 2]
        # The ids are the nuclei: each one's pixels are one imported nucleus's.
        pairs = {(int(a), int(b)) for a, b in zip(ids[z][ids[z] > 0], labels[z][ids[z] > 0])}
        assert len(pairs) == 2 and len({a for a, _ in pairs}) == len({b for _, b in pairs}) == 2
    otsu = VolumeResult.objects.get(evaluation=evaluation, method="otsu")
    assert sorted(np.unique(stored(otsu)[0]).tolist()) == [0, 1]  # one component, as scored
    assert len(nucleus_pieces(stored(otsu)[0])) == 1
    assert otsu.object_metrics["n_pred"] == 2


def test_the_gallery_outlines_the_two_nuclei_apart(evaluated, manager):
    evaluation, volume, labels = evaluated
    section = volume.sections.get(z=1)
    client = Client()
    client.force_login(manager)
    base = f"/api/evaluations/{evaluation.pk}/sections/{section.pk}/layer"
    response = client.get(f"{base}/pred.png")
    assert response.status_code == 200, response.content[:200]
    model = VolumeResult.objects.get(evaluation=evaluation, method="model")
    ids = stored(model)[1]
    colour = LAYER_COLOURS["pred"]
    assert response.content == contour_png(ids > 0, colour, ids)
    assert enclosed(response.content) == 2
    assert enclosed(contour_png(ids > 0, colour)) == 1  # the mask alone: one blob
    # The worst sections' figure outlines each of them on its own.
    pieces = nucleus_pieces(ids)
    assert [int(inside.sum()) for _, _, inside in pieces] == [int((ids == i).sum()) for i in (1, 2)]
    # The edge layer outlines what the baseline scored, from its stored ids too.
    edge = VolumeResult.objects.get(evaluation=evaluation, method="edge")
    edge_ids = stored(edge)[1]
    assert layer_png(evaluation=evaluation, section=section, layer="edge") == contour_png(
        edge_ids > 0, LAYER_COLOURS["edge"], edge_ids
    )


def test_a_row_stored_before_the_ids_renders_as_before(evaluated):
    evaluation, volume, _ = evaluated
    section = volume.sections.get(z=0)
    model = VolumeResult.objects.get(evaluation=evaluation, method="model")
    mask = stored(model) > 0
    name = model.pred_mask.name
    model.pred_mask.storage.delete(name)
    model.pred_mask.save(name.rsplit("/", 1)[-1], ContentFile(_tiff_bytes(mask)))
    old = stored(model)
    assert old.dtype == np.uint8 and set(np.unique(old).tolist()) == {0, 255}
    assert volume_result_section(model, 0)[1] is None
    assert nucleus_pieces(volume_result_section(model, 0)[1]) == []
    drawn = layer_png(evaluation=evaluation, section=section, layer="pred")
    # No ids in a 0/255 mask: an instance head's nuclei are outlined as one, as they were.
    assert drawn == contour_png(mask[0], LAYER_COLOURS["pred"])
    assert enclosed(drawn) == 1


def test_every_reader_of_the_mask_gets_the_same_bool_mask(evaluated):
    evaluation, volume, labels = evaluated
    for row in VolumeResult.objects.filter(evaluation=evaluation):
        row.volume = volume
        ids = stored(row)
        mask = volume_result_mask(row)
        assert mask.dtype == bool and np.array_equal(mask, ids > 0)
        for z in range(volume.size_z):
            section_mask, section_ids = volume_result_section(row, z)
            assert np.array_equal(volume_result_mask(row, z), mask[z])
            assert np.array_equal(section_mask, mask[z]) and np.array_equal(section_ids, ids[z])
        if row.method == "model":
            assert np.array_equal(mask, labels > 0)
    drawn = draw_figures(evaluation)
    assert "worst" in drawn.images, drawn.notes
