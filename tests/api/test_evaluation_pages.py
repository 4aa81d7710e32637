"""Evaluation and fluorescence ground-truth pages: the launch form, the report, the gallery,
downloads and comparisons."""

from __future__ import annotations

import csv
import io

import numpy as np
import tifffile

from annotations.models import GroundTruth
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.reports import volume_result_mask
from tests.conftest import signed_in
from tests.helpers_evaluation import (
    finished_evaluation,  # noqa: F401 (the fixture ``finished``)
    launch_evaluation,
    make_specimens,
    run_evaluation,
    two_stained_specimens,  # noqa: F401 (the fixture ``data``)
)

# ---------------------------------------------------------------------------------------------
# Pages and downloads


def test_the_list_page_shows_the_form_to_managers_only(project, manager, annotator, finished):
    page = signed_in(manager).get(f"/projects/{project.slug}/evaluations/")
    assert page.status_code == 200 and b'data-role="launch"' in page.content
    assert f'data-evaluation="{finished.pk}"'.encode() in page.content
    assert (
        b'data-role="launch"'
        not in signed_in(annotator).get(f"/projects/{project.slug}/evaluations/").content
    )


def test_the_launch_form_launches_or_shows_the_problem(project, manager, data, make_volume):
    client = signed_in(manager)
    bare = make_specimens(project, make_volume, 1, gt=None, prefix="bare")[0][0]
    refused = client.post(
        f"/projects/{project.slug}/evaluations/",
        {"set_kind": "specimens", "specimen_ids": [bare.pk], "threshold": "0.5"},
    )
    assert refused.status_code == 400 and b"no confirmed consensus ground truth" in refused.content
    response = client.post(
        f"/projects/{project.slug}/evaluations/",
        {"set_kind": "specimens", "specimen_ids": [data[0][0].pk], "threshold": "0.4"},
    )
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/evaluations/{evaluation.pk}/"
    assert evaluation.threshold == 0.4


def test_a_running_evaluation_page_mounts_the_job_module(project, manager, data):
    evaluation = launch_evaluation(project, manager, specimens=[data[0][0]])
    page = signed_in(manager).get(f"/evaluations/{evaluation.pk}/")
    assert page.status_code == 200
    config = page.context["config"]
    assert config["module"] == "job" and config["kind"] == "evaluation"
    assert config["wsUrl"] == f"/ws/jobs/evaluation/{evaluation.pk}/"
    assert config["snapshotUrl"] == f"/api/evaluations/{evaluation.pk}/"
    assert config["cancelUrl"] == f"/api/evaluations/{evaluation.pk}/cancel/"


def test_a_finished_evaluation_page_is_the_report(manager, finished):
    page = signed_in(manager).get(f"/evaluations/{finished.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="summary-table"' in html and "Edge-based" in html and "tiny model" in html
    for name in ("pr_curves", "dice_boxplot", "volume_agreement", "orthogonal", "worst"):
        assert f"/evaluations/{finished.pk}/figures/{name}.png" in html
    assert f"/evaluations/{finished.pk}/results.csv" in html


def test_the_report_page_does_not_query_per_section(project, manager, finished, make_volume):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(manager)
    url = f"/evaluations/{finished.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    specimen, _ = make_specimens(project, make_volume, 1, z=300, size=16, gt=None, prefix="many")[0]
    template = SectionResult.objects.filter(evaluation=finished).first()
    SectionResult.objects.bulk_create(
        SectionResult(
            evaluation=finished,
            section=section,
            specimen=specimen,
            volume=section.volume,
            method="model",
            z=section.z,
            dice=0.9,
            jaccard=0.8,
            f05=0.9,
            precision=0.9,
            recall=0.9,
            gt_pixels=template.gt_pixels,
            pred_pixels=template.gt_pixels,
        )
        for section in specimen.sections.all()
    )
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before), [q["sql"][:120] for q in after.captured_queries]


def test_the_gallery_has_toggleable_layers_and_the_fluorescence(manager, finished):
    page = signed_in(manager).get(f"/evaluations/{finished.pk}/gallery/")
    html = page.content.decode()
    assert page.status_code == 200
    for layer in ("gt", "pred", "edge"):
        assert f'data-layer="{layer}"' in html
        assert html.count(f'data-layer-img="{layer}"') == 8
    assert html.count('class="cw-overlay"') >= 8 and "tint=green" in html
    dices = [float(x) for x in _attr_values(html, "data-dice")]
    assert dices == sorted(dices)


def _attr_values(html: str, name: str) -> list[str]:
    import re

    return re.findall(rf'{name}="([^"]+)"', html)


def test_downloads_report_csv_masks_and_figures(manager, outsider, finished, data):
    client = signed_in(manager)
    report = client.get(f"/evaluations/{finished.pk}/report.html")
    assert report.status_code == 200 and b"data:image/png;base64," in b"".join(
        report.streaming_content
    )
    csv_response = client.get(f"/evaluations/{finished.pk}/results.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(csv_response.streaming_content).decode())))
    assert {r["level"] for r in rows} == {"section", "volume"}
    volume = data[0][1][0][0]
    mask = client.get(f"/evaluations/{finished.pk}/masks/{volume.pk}.tif")
    stack = tifffile.imread(io.BytesIO(b"".join(mask.streaming_content)))
    # The model's nuclei as they were scored: their ids, the mask where > 0.
    row = VolumeResult.objects.get(evaluation=finished, volume=volume, method="model")
    row.volume = volume
    assert stack.shape == (4, 32, 32) and stack.dtype == np.uint16
    assert np.array_equal(stack > 0, volume_result_mask(row))
    assert (
        client.get(f"/evaluations/{finished.pk}/masks/{volume.pk}.tif?method=magic").status_code
        == 404
    )
    figure = client.get(f"/evaluations/{finished.pk}/figures/pr_curves.png")
    assert figure.status_code == 200 and figure["Content-Type"] == "image/png"
    assert client.get(f"/evaluations/{finished.pk}/figures/secret.png").status_code == 404
    assert signed_in(outsider).get(f"/evaluations/{finished.pk}/results.csv").status_code == 404


def test_two_evaluations_compare_side_by_side(project, manager, finished, data):
    second = run_evaluation(project, manager, specimens=[s for s, _ in data])
    page = signed_in(manager).get(f"/evaluations/compare/?a={finished.pk}&b={second.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-method="model" data-method-b="edge" data-metric="dice"' in html
    assert 'data-method="otsu" data-method-b="otsu" data-metric="auc_pr"' in html
    assert "data:image/png;base64," in html
    assert page.context["comparison"]["pairs"] and len(page.context["comparison"]["pairs"]) == 8
    assert signed_in(manager).get("/evaluations/compare/?a=1").status_code == 400


def test_fluorescence_pages_preview_derive_and_inspect(project, reviewer, annotator, data):
    client = signed_in(reviewer)
    url = f"/projects/{project.slug}/fluorescence-gt/"
    assert signed_in(annotator).get(url).status_code == 403
    section = data[0][1][0][0].sections.get(z=2)
    params = {
        "method": "otsu",
        "scope": "section",
        "smoothing_sigma": 1,
        "min_size": 5,
        "fill_holes": "on",
        "remove_border": "on",
    }
    preview = client.post(url, {**params, "action": "preview", "section": section.pk})
    assert preview.status_code == 200 and preview.context["preview"]["pixels"] > 0
    assert not GroundTruth.objects.filter(source="fluorescence").exists(), (
        "a preview stores nothing"
    )
    derived = client.post(url, {**params, "action": "derive"})
    assert derived.status_code == 302
    assert GroundTruth.objects.filter(source="fluorescence").count() == 8

    page = client.get(f"/sections/{section.pk}/fluorescence-gt/")
    assert page.status_code == 200
    config = page.context["config"]
    assert config["module"] == "review" and config["consensus"]["mask_png"]
    assert config["actions"]["confirm"] == f"/api/sections/{section.pk}/fluorescence-gt/confirm/"
    assert b"Smoothing" in page.content and b"fluorescence v1" in page.content
