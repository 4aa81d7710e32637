"""Predictions of bright-field and phase fields as a lab images them: a single section has nuclei
with an area, not a volume; positions come in pixels whatever the voxel size; a field imaged in
several modalities is segmented in the one the version was trained on."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from PIL import Image, ImageColor
from skimage.measure import regionprops

from annotations.models import Specimen
from annotations.services.volumes import volume_create
from cellweb.errors import ConflictError
from inference.models import Prediction, PredictionResult
from inference.selectors.prediction_images import nucleus_colour
from inference.services.prediction import nuclei_csv, prediction_launch, prediction_run
from tests.conftest import signed_in
from tests.helpers_evaluation import tiny_model_version

PIXEL = 0.65  # µm; a 2D field's voxel size is stored as (y, y, x)


def phase_field(project, name: str, *, voxel_size=None, modality: str = "phase"):
    """A 2D field of odd size with two nuclei ("bright" above the stand-in network's threshold)
    and the masks of both."""
    image = np.full((1, 101, 139), -3.0, dtype=np.float32)
    masks = []
    for y0, y1, x0, x1 in ((10, 30, 12, 40), (60, 95, 80, 131)):
        mask = np.zeros(image.shape, dtype=bool)
        mask[0, y0:y1, x0:x1] = True
        image[mask] = 5.0
        masks.append(mask)
    specimen = Specimen.objects.get_or_create(project=project, name=name)[0]
    volume_create(specimen=specimen, data=image, modality=modality, voxel_size=voxel_size)
    return specimen, masks


def tagged_fields_prediction(project, manager) -> tuple[Prediction, list[np.ndarray]]:
    """Two phase fields, tagged LPS and control, predicted; the masks of a field's nuclei."""
    for name, tag in (("lps-field", "LPS"), ("control-field", "control")):
        specimen, masks = phase_field(project, name, voxel_size=(PIXEL, PIXEL, PIXEL))
        specimen.tags.create(project=project, name=tag)
    return run(project, manager), masks


def run(project, manager, **launch) -> Prediction:
    prediction = prediction_launch(project=project, user=manager, queue=False, **launch)
    done = prediction_run(prediction_id=prediction.pk, device="cpu")
    assert done.status == "succeeded", done.error
    return done


def csv_rows(prediction) -> list[dict[str, str]]:
    results = PredictionResult.objects.filter(prediction=prediction).order_by("time_index")
    return list(csv.DictReader(io.StringIO(nuclei_csv(results))))


def test_a_single_section_gives_areas_in_square_micrometres_not_volumes(
    project, manager, active_model, known_nuclei
):
    _, masks = phase_field(project, "field-1", voxel_size=(PIXEL, PIXEL, PIXEL))
    prediction = run(project, manager)
    [result] = PredictionResult.objects.filter(prediction=prediction)
    assert result.n_nuclei == 2 and result.total_volume_um3 is None
    for nucleus, mask in zip(result.nuclei, masks):
        assert nucleus["voxel_count"] == int(mask.sum())
        assert nucleus["area_um2"] == pytest.approx(mask.sum() * PIXEL * PIXEL)
        assert nucleus["volume_um3"] is None and nucleus["surface_area_um2"] is None
        assert nucleus["sphericity"] is None and nucleus["dry_mass_pg"] is None
    assert prediction.summary[0]["total_volume_um3"] is None
    for line, mask in zip(csv_rows(prediction), masks):
        # 4 significant digits in the CSV (docs/prediction.md, CSV digits).
        assert float(line["area_um2"]) == pytest.approx(mask.sum() * PIXEL * PIXEL, rel=5e-4)
        assert line["volume_um3"] == "" and line["surface_area_um2"] == ""
    page = signed_in(manager).get(f"/predictions/{prediction.pk}/").content.decode()
    assert "Area (µm²)" in page and f"{mask.sum() * PIXEL * PIXEL:.1f}" in page


def test_positions_are_given_in_pixels_with_or_without_a_voxel_size(
    project, manager, active_model, known_nuclei
):
    _, masks = phase_field(project, "no-scale")
    prediction = run(project, manager)
    rows = csv_rows(prediction)
    assert len(rows) == 2
    for line, mask in zip(rows, masks):
        [region] = regionprops(mask.astype(np.uint8))
        px = [float(line[f"centroid_{axis}_px"]) for axis in "zyx"]
        np.testing.assert_allclose(px, region.centroid, atol=1e-3)
        assert line["centroid_x_um"] == "" and line["area_um2"] == ""
        assert int(line["voxel_count"]) == region.area
    # The table names the size it has: pixels of a single section, the µm columns empty.
    page = signed_in(manager).get(f"/predictions/{prediction.pk}/").content.decode()
    table = page[page.index('id="nuclei-table"') :]
    assert '<th class="cw-num">Pixels</th>' in table
    assert f'<td class="cw-num">{int(masks[1].sum())}</td>' in table


def test_a_field_imaged_in_several_modalities_is_segmented_in_the_trained_one(
    project, manager, known_nuclei
):
    phase_field(project, "dish-1", modality="brightfield")
    phase_field(project, "dish-1", modality="phase")
    version = tiny_model_version(project, input_size=32)
    version.config = {**version.config, "modalities": ["phase"]}
    version.save()
    prediction = run(project, manager, model_version_id=version.pk)
    assert [v["modality"] for v in prediction.config["volumes"]] == ["phase"]
    assert [r["n_nuclei"] for r in prediction.summary] == [2]
    # A field with none of the trained modalities is still refused, writing nothing.
    phase_field(project, "dish-2", modality="dic")
    with pytest.raises(ConflictError, match="trained on phase"):
        prediction_launch(project=project, user=manager, model_version_id=version.pk)
    assert Prediction.objects.count() == 1


def test_a_time_lapse_of_fields_charts_and_compares_nucleus_areas(
    api, project, manager, active_model, known_nuclei
):
    prediction, masks = tagged_fields_prediction(project, manager)
    url = f"/api/predictions/{prediction.pk}/series/"
    body = api(manager).get(url, {"tags": "LPS,control", "quantity": "area_um2"}).json()
    areas = [float(mask.sum()) * PIXEL * PIXEL for mask in masks]
    points = [
        e["points"][0]["area_um2"] for e in body["series"] if e["specimen"] == "control-field"
    ]
    assert points == pytest.approx(areas)
    [lps] = body["comparison"]["groups"]["LPS"]
    assert lps["n"] == 2 and lps["mean"] == pytest.approx(np.mean(areas))
    page = signed_in(manager).get(f"/predictions/{prediction.pk}/?tag_a=LPS&tag_b=control")
    compared = page.context["config"]["comparison"]
    assert compared["area_um2"]["groups"]["LPS"][0]["mean"] == pytest.approx(np.mean(areas))
    assert compared["volume_um3"]["groups"] == {"LPS": [], "control": []}  # no chart drawn


def test_a_single_section_is_shown_alone_not_as_orthogonal_views(project, manager, active_model):
    phase_field(project, "field", voxel_size=(PIXEL, PIXEL, PIXEL))
    prediction = run(project, manager)
    result = PredictionResult.objects.get(prediction=prediction)
    client = signed_in(manager)

    png = client.get(f"/predictions/{prediction.pk}/ortho/{result.volume_id}.png")

    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    picture = np.asarray(Image.open(io.BytesIO(png.content)))
    assert picture.shape == (101, 139, 3)  # the field itself, no XZ or YZ strips
    outline = np.all(picture == np.array(ImageColor.getrgb(nucleus_colour(1))), axis=2)
    assert outline.any()
    html = client.get(f"/predictions/{prediction.pk}/").content.decode()
    assert "The field (a single section)" in html and "Orthogonal views ·" not in html
