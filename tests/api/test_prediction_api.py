"""Prediction endpoints and pages: launch, roles (outsiders get 404), the nuclei table and
CSV, label TIFF downloads, tracked series and the two-group comparison, the viewer's contours,
the project's settings and "predict new imports"."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import tifffile

from annotations.models import Specimen
from inference.models import Prediction, PredictionSettings
from inference.services.prediction import predict_imported, prediction_launch, prediction_run
from tests.conftest import signed_in
from tests.helpers_prediction import import_done, time_lapse

pytestmark = pytest.mark.usefixtures("known_nuclei")


@pytest.fixture
def finished(project, manager, active_model):
    time_lapse(project, "lps-1", times=3, tag="LPS", radius_um=1.2, growth_um=0.3, seed=1)
    time_lapse(project, "lps-2", times=3, tag="LPS", radius_um=1.2, growth_um=0.4, seed=2)
    time_lapse(project, "ctl-1", times=3, tag="control", radius_um=1.2, seed=3)
    launched = prediction_launch(project=project, user=manager, queue=False)
    done = prediction_run(prediction_id=launched.pk, device="cpu")
    assert done.status == "succeeded", done.error
    return done


def test_a_manager_launches_a_prediction_and_members_follow_it(
    api, project, manager, annotator, active_model
):
    specimen, _ = time_lapse(project, "cell", times=2)
    response = api(manager).post(
        f"/api/projects/{project.slug}/predictions/",
        {"specimen_ids": [specimen.pk], "time_points": [1], "tta": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["batches"] == 8 and body["volumes"] == 1
    assert body["model_version"] == active_model.pk and body["options"]["tta"] is True
    detail = api(annotator).get(f"/api/predictions/{body['id']}/")
    assert detail.status_code == 200 and detail.json()["id"] == body["id"]
    listed = api(annotator).get(f"/api/projects/{project.slug}/predictions/").json()
    assert [p["id"] for p in listed["results"]] == [body["id"]]


def test_bad_launches_are_refused_with_a_clear_4xx_and_nothing_written(
    api, project, manager, annotator, outsider
):
    time_lapse(project, "cell", times=1)
    url = f"/api/projects/{project.slug}/predictions/"
    no_model = api(manager).post(url, {}, format="json")
    assert no_model.status_code == 409 and "active model" in no_model.json()["detail"]
    assert no_model.json()["code"] == "no_active_model"
    assert api(annotator).post(url, {}, format="json").status_code == 403
    assert api(outsider).post(url, {}, format="json").status_code == 404
    assert api(manager).post(url, {"threshold": 2}, format="json").status_code == 400
    for gap in (-1, 11, "two"):
        refused = api(manager).post(url, {"track_gap": gap}, format="json")
        assert refused.status_code == 400 and "track_gap" in refused.json()["errors"]
    assert api(manager).post(url, {"model_version": 999999}, format="json").status_code == 404
    assert not Prediction.objects.exists()


def test_outsiders_get_404_everywhere(api, outsider, finished):
    client = api(outsider)
    result = finished.results.first()
    api_urls = [f"/api/predictions/{finished.pk}/{part}" for part in ("", "nuclei/", "series/")]
    api_urls.append(f"/api/sections/{result.volume.sections.first().pk}/nuclei/")
    pages = [f"/predictions/{finished.pk}/{part}" for part in ("", "nuclei.csv")] + [
        f"/predictions/{finished.pk}/{kind}/{result.volume_id}.{ext}"
        for kind, ext in (("labels", "tif"), ("ortho", "png"))
    ]
    for browser, urls in ((client, api_urls), (signed_in(outsider), pages)):
        for url in urls:
            assert browser.get(url).status_code == 404, url
    assert client.post(f"/api/predictions/{finished.pk}/cancel/").status_code == 404


def test_nuclei_api_csv_and_tiff_give_the_same_nuclei(api, annotator, finished):
    rows = api(annotator).get(f"/api/predictions/{finished.pk}/nuclei/").json()
    assert rows["count"] == 9  # three specimens × three time points, one nucleus each
    client = signed_in(annotator)
    response = client.get(f"/predictions/{finished.pk}/nuclei.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(table) == 9
    api_rows = {(r["specimen"], r["time_index"]): r for r in rows["results"]}
    for line in table:
        row = api_rows[(line["specimen"], int(line["time_index"]))]
        assert int(line["nucleus"]) == row["id"]
        # The CSV gives 4 and 3 significant digits (docs/prediction.md, CSV digits).
        assert float(line["volume_um3"]) == pytest.approx(row["volume_um3"], rel=5e-4)
        assert float(line["dry_mass_pg"]) == pytest.approx(row["dry_mass_pg"], rel=5e-3)
        assert (line["class_value"], line["class_name"]) == ("1", "nucleus")  # its one class
    result = finished.results.order_by("specimen__name", "time_index").first()
    tif = client.get(f"/predictions/{finished.pk}/labels/{result.volume_id}.tif")
    assert tif.status_code == 200
    assert (
        f'filename="{result.specimen.name}_t{result.time_index}_labels.tif"'
        in tif["Content-Disposition"]
    )
    labels = tifffile.imread(
        io.BytesIO(b"".join(tif.streaming_content) if tif.streaming else tif.content)
    )
    assert labels.dtype == np.uint16 and int((labels > 0).sum()) == result.nuclei[0]["voxel_count"]


def test_series_keep_each_nucleus_and_the_groups_are_compared_with_mean_and_sd(
    api, annotator, finished
):
    url = f"/api/predictions/{finished.pk}/series/"
    body = api(annotator).get(url, {"tags": "LPS,control", "quantity": "volume_um3"}).json()
    assert len(body["series"]) == 3
    for entry in body["series"]:
        assert [p["t"] for p in entry["points"]] == [0, 1, 2] and entry["nucleus"] == 1
    groups = body["comparison"]["groups"]
    lps = {p["t"]: p for p in groups["LPS"]}
    volumes = {
        (e["specimen"], p["t"]): p["volume_um3"] for e in body["series"] for p in e["points"]
    }
    for t in range(3):
        pair = [volumes[("lps-1", t)], volumes[("lps-2", t)]]
        assert lps[t]["mean"] == pytest.approx(np.mean(pair))
        assert lps[t]["sd"] == pytest.approx(np.std(pair, ddof=1))
        assert lps[t]["n"] == 2
    assert [p["n"] for p in groups["control"]] == [1, 1, 1]
    assert [p["sd"] for p in groups["control"]] == [None, None, None]  # one nucleus: no SD
    assert api(annotator).get(url, {"tags": "LPS"}).status_code == 400
    assert api(annotator).get(url, {"quantity": "colour"}).status_code == 400


def test_comparing_a_tag_none_of_the_specimens_carry_is_a_400_naming_it(
    api, project, annotator, finished
):
    """A misspelt tag (or one of specimens this run did not predict) is not an empty group."""
    Specimen.objects.create(project=project, name="unpredicted").tags.create(
        project=project, name="DMSO"
    )
    url = f"/api/predictions/{finished.pk}/series/"
    for tags, missing in (("LPS,contrl", "contrl"), ("DMSO,control", "DMSO")):
        refused = api(annotator).get(url, {"tags": tags})
        assert refused.status_code == 400, refused.content
        detail = refused.json()["detail"]
        assert f"“{missing}”" in detail and "tags: control, LPS." in detail


def test_comparing_a_quantity_no_nucleus_has_is_a_400_naming_those_it_has(api, annotator, finished):
    """RI tomograms' nuclei have no area (single-section fields have no volume): the default
    volume is compared, an area asked for is refused rather than answered with empty groups."""
    url = f"/api/predictions/{finished.pk}/series/"
    assert api(annotator).get(url, {"tags": "LPS,control"}).status_code == 200
    refused = api(annotator).get(url, {"tags": "LPS,control", "quantity": "area_um2"})
    assert refused.status_code == 400
    assert "has area_um2; its nuclei have volume_um3, surface_area_um2" in refused.json()["detail"]


def test_the_viewer_gets_the_active_models_outlines_per_section(api, annotator, finished):
    result = finished.results.order_by("specimen__name", "time_index").first()
    middle = result.volume.sections.get(z=4)
    body = api(annotator).get(f"/api/sections/{middle.pk}/nuclei/").json()
    assert body["prediction"] == finished.pk and [n["id"] for n in body["nuclei"]] == [1]
    assert body["nuclei"][0]["colour"].startswith("#") and body["nuclei"][0]["contours"]
    top = result.volume.sections.get(z=0)
    assert api(annotator).get(f"/api/sections/{top.pk}/nuclei/").json()["nuclei"] == []


def test_prediction_pages_render_tables_images_and_charts(manager, finished):
    client = signed_in(manager)
    page = client.get(f"/predictions/{finished.pk}/?tag_a=LPS&tag_b=control")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="nuclei-table"' in html and 'data-role="orthoviews"' in html
    # The comparison says what it is a mean of: nuclei pooled over a group's specimens.
    assert "mean ± sample SD over the nuclei of each group's specimens, pooled" in html
    config = page.context["config"]
    assert config["module"] == "prediction" and len(config["series"]) == 3
    assert set(config["comparison"]) == {"volume_um3", "area_um2", "dry_mass_pg"}
    # Stacks have volumes, no areas: the page leaves the empty area chart out.
    assert config["comparison"]["area_um2"]["groups"] == {"LPS": [], "control": []}
    result = finished.results.first()
    ortho = client.get(f"/predictions/{finished.pk}/ortho/{result.volume_id}.png")
    assert ortho.status_code == 200 and ortho.content[:8] == b"\x89PNG\r\n\x1a\n"
    listing = client.get(f"/projects/{finished.project.slug}/predictions/")
    assert (
        listing.status_code == 200
        and f'data-prediction="{finished.pk}"' in listing.content.decode()
    )
    project_page = client.get(f"/projects/{finished.project.slug}/").content.decode()
    assert f'data-active-model="{finished.model_version_id}"' in project_page


def test_the_launch_form_queues_a_prediction(manager, project, active_model, eager_tasks):
    time_lapse(project, "cell", times=2)
    client = signed_in(manager)
    response = client.post(
        f"/projects/{project.slug}/predictions/",
        {
            "time_points": "0",
            "threshold": "0.5",
            "watershed_h": "1",
            "min_voxels": "27",
            "track_gap": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    prediction = Prediction.objects.get()
    assert response["Location"] == f"/predictions/{prediction.pk}/"
    assert [v["time_index"] for v in prediction.config["volumes"]] == [0]
    assert prediction.track_gap == 1
    bad = client.post(f"/projects/{project.slug}/predictions/", {"time_points": "x"})
    assert bad.status_code == 400
    too_long = client.post(
        f"/projects/{project.slug}/predictions/",
        {"threshold": "0.5", "watershed_h": "1", "min_voxels": "27", "track_gap": "11"},
    )
    assert too_long.status_code == 400 and Prediction.objects.count() == 1


def test_predict_new_imports_is_a_managers_setting_used_after_an_import(
    api, project, manager, annotator, active_model
):
    url = f"/api/projects/{project.slug}/prediction-settings/"
    assert api(annotator).get(url).json() == {
        "predict_new_imports": False,
        "active_model_version": active_model.pk,
        "active_model_name": active_model.name,
    }
    assert not PredictionSettings.objects.exists()  # a GET never writes
    assert api(annotator).put(url, {"predict_new_imports": True}, format="json").status_code == 403
    specimen, _ = time_lapse(project, "imported", times=2)
    job = import_done(project, manager, specimen, 1)
    assert predict_imported(job) is None  # switched off
    response = api(manager).put(url, {"predict_new_imports": True}, format="json")
    assert response.status_code == 200 and response.json()["predict_new_imports"] is True
    prediction = predict_imported(job)
    assert prediction is not None and prediction.created_by == manager
    job.refresh_from_db()
    assert job.result["prediction_id"] == prediction.pk
    # Run again (the sweeper finishing an import whose worker was killed after its final
    # commit): the import already launched its prediction, so nothing more is queued.
    assert predict_imported(job) is None and Prediction.objects.count() == 1
    page = signed_in(manager).get(f"/predictions/{prediction.pk}/").content.decode()
    assert f"launched by {manager.username} (new import)" in page
    assert api(manager).get(f"/api/predictions/{prediction.pk}/").json()["launched_by"] == (
        f"{manager.username} (new import)"
    )
    assert [(v["specimen"], v["time_index"]) for v in prediction.config["volumes"]] == [
        (specimen.pk, 1)
    ]
    assert Specimen.objects.filter(pk=specimen.pk).exists()


@pytest.mark.parametrize(
    ("damage", "code", "says"),
    [
        ("delete", "weights_missing", "is missing"),
        ("truncate", "weights_unreadable", "cannot be read"),
    ],
)
def test_a_version_whose_weights_are_gone_or_broken_is_refused_with_409(
    api, project, manager, active_model, damage, code, says
):
    """A launch that must read the weights says why it cannot, and writes nothing."""
    time_lapse(project, "cell", times=1)
    path = active_model.weights.path
    if damage == "delete":
        active_model.weights.storage.delete(active_model.weights.name)
    else:
        with open(path, "r+b") as fh:
            fh.truncate(100)

    response = api(manager).post(f"/api/projects/{project.slug}/predictions/", {}, format="json")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == code and says in response.json()["detail"]
    assert active_model.name in response.json()["detail"]
    assert not Prediction.objects.exists()
