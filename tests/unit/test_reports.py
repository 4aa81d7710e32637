"""Reports are built from the stored evaluation only: self-contained HTML, reproducible, a CSV of
every number, and overlay layers drawn from the stored masks."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage as ndi

from annotations.imaging.masks import decode_mask
from annotations.models import GroundTruth
from inference.models import SectionResult, VolumeResult
from inference.services.evaluation import evaluation_launch, evaluation_run
from inference.services.reports import (
    CSV_COLUMNS,
    FIGURES,
    LAYER_COLOURS,
    layer_png,
    report_figures,
    report_html,
    results_csv_lines,
    volume_result_mask,
)
from tests.helpers_evaluation import make_specimens, tiny_model_version


@pytest.fixture
def evaluation(project, manager, make_volume):
    made = make_specimens(project, make_volume, 2, z=4, size=48, time_points=2)
    version = tiny_model_version(project, input_size=48)
    launched = evaluation_launch(
        project=project,
        user=manager,
        model_version_id=version.pk,
        set_kind="specimens",
        set_params={"specimen_ids": [s.pk for s, _ in made]},
        queue=False,
    )
    done = evaluation_run(evaluation_id=launched.pk, device="cpu")
    assert done.status == "succeeded", done.error
    return done


def test_the_html_report_embeds_every_figure_and_loads_nothing_from_outside(evaluation):
    html = report_html(evaluation)

    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == len(FIGURES)
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "<script" not in html
    mean = evaluation.summary["by_method"]["model"]["set"]["dice"]["mean"]
    assert f"{mean:.3f}" in html
    assert "Edge-based" in html and "Otsu" in html and "tiny model" in html


def test_rendering_again_gives_the_same_report(evaluation):
    first = report_html(evaluation)
    evaluation.refresh_from_db()
    assert report_html(evaluation) == first


def test_every_figure_is_a_png_with_content(evaluation):
    figures = report_figures(evaluation)
    assert set(figures) == set(FIGURES)
    for name, data in figures.items():
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.width > 200, name
        pixels = np.asarray(image.convert("L"))
        assert pixels.std() > 5, f"{name} looks blank"


def test_the_stored_report_is_written_when_the_job_ends(evaluation):
    with evaluation.report.open("rb") as fh:
        stored = fh.read().decode("utf-8")
    assert stored == report_html(evaluation)
    assert evaluation.result["figures"] == list(FIGURES)


def test_the_csv_holds_every_section_and_volume_number(evaluation):
    rows = list(csv.DictReader(io.StringIO("".join(results_csv_lines(evaluation)))))

    assert list(rows[0]) == list(CSV_COLUMNS)
    sections = [r for r in rows if r["level"] == "section"]
    volumes = [r for r in rows if r["level"] == "volume"]
    assert len(sections) == SectionResult.objects.filter(evaluation=evaluation).count() == 3 * 16
    assert len(volumes) == VolumeResult.objects.filter(evaluation=evaluation).count() == 3 * 4
    for row in sections:
        result = SectionResult.objects.get(
            evaluation=evaluation, method=row["method"], section_id=int(row["section_id"])
        )
        assert float(row["dice"]) == pytest.approx(result.dice, abs=1e-9)
        assert int(row["gt_pixels"]) == result.gt_pixels
        assert row["dice_3d"] == ""
    for row in volumes:
        result = VolumeResult.objects.get(
            evaluation=evaluation, method=row["method"], volume_id=int(row["volume_id"])
        )
        assert float(row["dice_3d"]) == pytest.approx(result.dice_3d, abs=1e-9)
        assert row["dice"] == "" and row["time_index"] in ("0", "1")


def _opaque(png: bytes) -> np.ndarray:
    rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    return rgba


def test_layers_are_transparent_contours_of_the_stored_masks(evaluation):
    result = (
        SectionResult.objects.filter(evaluation=evaluation, method="model", gt_pixels__gt=0)
        .select_related("section__volume")
        .first()
    )
    section = result.section
    shape = section.shape

    gt_layer = _opaque(layer_png(evaluation=evaluation, section=section, layer="gt"))
    assert gt_layer.shape == (*shape, 4)
    drawn = gt_layer[..., 3] == 255
    assert drawn.any() and (gt_layer[..., 3][~drawn] == 0).all()
    assert (gt_layer[drawn][:, :3] == LAYER_COLOURS["gt"]).all()
    truth = decode_mask(bytes(GroundTruth.objects.get(pk=result.ground_truth_id).mask_png), shape)
    assert np.array_equal(drawn, truth & ~ndi.binary_erosion(truth, border_value=0))

    vr = VolumeResult.objects.select_related("volume").get(
        evaluation=evaluation, volume=section.volume, method="edge"
    )
    edge = volume_result_mask(vr, section.z)
    edge_layer = _opaque(layer_png(evaluation=evaluation, section=section, layer="edge"))
    assert np.array_equal(
        edge_layer[..., 3] == 255, edge & ~ndi.binary_erosion(edge, border_value=0)
    )


def test_a_baselines_only_report_draws_otsu_as_the_prediction(project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, z=4, size=48)
    launched = evaluation_launch(
        project=project,
        user=manager,
        model_version_id=None,
        set_kind="specimens",
        set_params={"specimen_ids": [made[0][0].pk]},
        queue=False,
    )
    evaluation = evaluation_run(evaluation_id=launched.pk, device="cpu")
    section = made[0][1][0][0].sections.get(z=2)

    pred = _opaque(layer_png(evaluation=evaluation, section=section, layer="pred"))
    vr = VolumeResult.objects.select_related("volume").get(
        evaluation=evaluation, volume=section.volume, method="otsu"
    )
    otsu_mask = volume_result_mask(vr, 2)
    assert np.array_equal(
        pred[..., 3] == 255, otsu_mask & ~ndi.binary_erosion(otsu_mask, border_value=0)
    )
    assert "baselines only" in report_html(evaluation)
