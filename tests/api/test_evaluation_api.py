"""Evaluation and fluorescence ground-truth endpoints and pages: roles, validation, shapes,
downloads."""

from __future__ import annotations

import base64
import csv
import io

import numpy as np
import pytest
import tifffile
from PIL import Image

from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth, Project
from inference.apis.fields import MAX_DB_ID
from inference.models import Evaluation, SectionResult
from tests.conftest import signed_in
from tests.helpers_evaluation import (
    finished_evaluation,  # noqa: F401 (the fixture ``finished``)
    launch_evaluation,
    make_specimens,
    run_evaluation,
    tiny_model_version,
    two_stained_specimens,  # noqa: F401 (the fixture ``data``)
)

# ---------------------------------------------------------------------------------------------
# Launch


def test_a_manager_launches_and_the_worker_task_finishes_it(
    api, project, manager, data, eager_tasks, django_capture_on_commit_callbacks
):
    body = {"set_kind": "specimens", "set_params": {"specimen_ids": [data[0][0].pk]}}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post(
            f"/api/projects/{project.slug}/evaluations/", body, format="json"
        )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "queued" and created["config"]["model"] == "baselines only"
    assert created["folds"][0]["index"] == -1 and created["folds"][0]["batches"] == 4
    detail = api(manager).get(f"/api/evaluations/{created['id']}/").json()
    assert detail["status"] == "succeeded"
    assert detail["summary"]["metrics"]["dice"]["mean"] is not None
    assert detail["report_url"] == f"/evaluations/{created['id']}/report.html"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"set_kind": "nope"},
        {"set_kind": "tag", "threshold": 2},
        {"set_kind": "tag", "threshold": "half"},
        {"set_kind": "specimens", "set_params": {"specimen_ids": ["x"]}},
        {"set_kind": "specimens", "set_params": "all"},
        {"set_kind": "specimens", "model_version": -3},
        {"set_kind": "specimens", "gt_source": "rumour"},
    ],
)
def test_bad_bodies_are_400(api, project, manager, data, body):
    response = api(manager).post(f"/api/projects/{project.slug}/evaluations/", body, format="json")
    assert response.status_code == 400, response.content


def test_a_set_without_ground_truth_is_a_clear_409(api, project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, gt=None, prefix="bare")
    response = api(manager).post(
        f"/api/projects/{project.slug}/evaluations/",
        {"set_kind": "specimens", "set_params": {"specimen_ids": [made[0][0].pk]}},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "no_ground_truth"
    assert "no confirmed consensus ground truth" in response.json()["detail"]
    assert not Evaluation.objects.exists()


def test_any_id_the_schema_allows_is_read_as_an_id(api, project, manager, data):
    # The largest id the schema documents names no specimen of the project: nothing to score,
    # not a malformed list.
    response = api(manager).post(
        f"/api/projects/{project.slug}/evaluations/",
        {"set_kind": "specimens", "set_params": {"specimen_ids": [MAX_DB_ID]}},
        format="json",
    )
    assert response.status_code in (404, 409), response.content
    assert "list of specimen ids" not in response.json()["detail"]
    assert not Evaluation.objects.exists()


def test_a_model_version_of_another_project_is_404(api, project, manager, data):
    other = tiny_model_version(Project.objects.create(slug="other", name="Other"))
    response = api(manager).post(
        f"/api/projects/{project.slug}/evaluations/",
        {"set_kind": "cross_validation", "model_version": other.pk},
        format="json",
    )
    assert response.status_code == 404


def test_roles_members_read_managers_write_outsiders_see_nothing(
    api, project, manager, reviewer, annotator, outsider, finished
):
    url = f"/api/projects/{project.slug}/evaluations/"
    body = {"set_kind": "specimens", "set_params": {"specimen_ids": [1]}}
    assert api(annotator).get(url).status_code == 200
    assert api(reviewer).post(url, body, format="json").status_code == 403
    assert api(outsider).get(url).status_code == 404
    assert api(outsider).get(f"/api/evaluations/{finished.pk}/").status_code == 404
    assert api(outsider).get(f"/api/evaluations/{finished.pk}/sections/").status_code == 404
    assert api(None).get(url).status_code in (401, 403)


def test_the_list_shows_the_mean_dice(api, project, annotator, finished):
    body = api(annotator).get(f"/api/projects/{project.slug}/evaluations/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == finished.pk and row["dice"] == pytest.approx(
        finished.summary["metrics"]["dice"]["mean"]
    )


# ---------------------------------------------------------------------------------------------
# Follow, cancel, results


def test_cancel_a_queued_evaluation_then_conflict(api, project, manager, annotator, data):
    evaluation = launch_evaluation(project, manager, specimens=[data[0][0]])
    url = f"/api/evaluations/{evaluation.pk}/cancel/"
    assert api(annotator).post(url).status_code == 403
    response = api(manager).post(url)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api(manager).post(url).status_code == 409


def test_sections_are_listed_worst_first_per_method(api, manager, finished):
    url = f"/api/evaluations/{finished.pk}/sections/"
    body = api(manager).get(url, {"limit": 100}).json()
    dices = [r["dice"] for r in body["results"]]
    assert body["count"] == 8 and dices == sorted(dices)
    assert {r["method"] for r in body["results"]} == {"model"}
    edge = api(manager).get(url, {"method": "edge", "ordering": "-dice"}).json()["results"]
    assert [r["dice"] for r in edge] == sorted((r["dice"] for r in edge), reverse=True)
    assert edge[0]["fluorescence_section"] is not None
    assert api(manager).get(url, {"method": "magic"}).status_code == 400
    assert api(manager).get(url, {"ordering": "random"}).status_code == 400


def test_layers_are_pngs_of_the_section_size(api, manager, finished, data):
    volume = data[0][1][0][0]
    section = volume.sections.get(z=2)
    base = f"/api/evaluations/{finished.pk}/sections/{section.pk}/layer"
    for layer in ("gt", "pred", "edge"):
        response = api(manager).get(f"{base}/{layer}.png")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(response.content))
        assert image.mode == "RGBA" and image.size == (32, 32)
    assert api(manager).get(f"{base}/fluo.png").status_code == 404
    unscored = make_section_elsewhere(data)
    assert (
        api(manager)
        .get(f"/api/evaluations/{finished.pk}/sections/{unscored}/layer/gt.png")
        .status_code
        == 404
    )


def make_section_elsewhere(data) -> int:
    _, volumes = data[1]
    fluorescence = volumes[0][0].sections.get(z=0).fluorescence_id
    return fluorescence  # a fluorescence section is never scored


# ---------------------------------------------------------------------------------------------
# Fluorescence ground truth


def test_reviewers_derive_fluorescence_ground_truth(api, project, reviewer, annotator, data):
    url = f"/api/projects/{project.slug}/fluorescence-gt/"
    assert api(annotator).post(url, {}, format="json").status_code == 403
    response = api(reviewer).post(url, {"scope": "volume", "min_size": 10}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["created"] == 8 and response.json()["volumes"] == 2
    assert response.json()["params"]["scope"] == "volume"
    assert GroundTruth.objects.filter(source="fluorescence", is_current=True).count() == 8


@pytest.mark.parametrize(
    "body",
    [
        {"method": "fixed"},
        {"method": "median"},
        {"smoothing_sigma": -1},
        {"min_size": "big"},
        {"specimen_ids": "all"},
    ],
)
def test_bad_fluorescence_parameters_are_400(api, project, reviewer, data, body):
    response = api(reviewer).post(
        f"/api/projects/{project.slug}/fluorescence-gt/", body, format="json"
    )
    assert response.status_code == 400


def test_a_reviewer_corrects_the_fluorescence_mask_through_the_review_contract(
    api, project, reviewer, annotator, data
):
    api(reviewer).post(f"/api/projects/{project.slug}/fluorescence-gt/", {}, format="json")
    section = data[0][1][0][0].sections.get(z=2)
    current = api(reviewer).get(f"/api/sections/{section.pk}/fluorescence-gt/").json()
    assert current["version"] == 1 and current["params"]["method"] == "otsu"
    edited = np.zeros((32, 32), dtype=bool)
    edited[8:20, 8:20] = True
    body = {
        "consensus_id": 1,
        "mask_png": base64.b64encode(encode_mask(edited)).decode(),
        "edited": True,
        "base_version": 1,
    }
    url = f"/api/sections/{section.pk}/fluorescence-gt/confirm/"

    assert api(annotator).post(url, body, format="json").status_code == 403
    response = api(reviewer).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert response.json()["edited"] is True
    assert api(reviewer).post(url, body, format="json").status_code == 409
    assert (
        api(reviewer)
        .post(url, {**body, "mask_png": "not png", "base_version": 2}, format="json")
        .status_code
        == 400
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
    assert stack.shape == (4, 32, 32) and set(np.unique(stack)) <= {0, 255}
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
