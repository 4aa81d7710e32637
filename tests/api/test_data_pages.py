"""The data pages: home, project, import form and job, settings and the specimen viewer."""

from __future__ import annotations

import datetime
import io
import re

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import ImportJob, Membership, Tag
from inference.models import ModelVersion, Prediction
from tests.conftest import signed_in
from tests.data_files import assert_nothing_written, files_under, ri_stack
from tests.helpers_pages import page_config

pytestmark = pytest.mark.django_db


def npy_file(name="ri.npy", data=None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    np.save(buffer, ri_stack() if data is None else data)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_home_lists_my_projects_with_roles_and_counts(annotator, project, specimen, make_volume):
    make_volume(specimen)
    html = signed_in(annotator).get("/").content.decode()
    assert "Lab project" in html and 'href="/projects/lab/"' in html
    assert "annotator" in html
    assert re.search(r"<td>1</td>\s*<td>4</td>", html)


def test_the_project_page_lists_specimens_with_thumbnails_and_role_links(
    annotator, project, specimen, make_volume
):
    volume = make_volume(specimen, shape=(5, 32, 32))
    other = specimen.project.specimens.create(name="cell-02", lab="Lab B")
    other.tags.add(Tag.objects.create(project=project, name="cross-lab"))
    client = signed_in(annotator)

    html = client.get("/projects/lab/").content.decode()

    middle = volume.sections.get(z=2)
    assert f'src="/api/sections/{middle.pk}/image.png?size=96"' in html
    assert 'href="/projects/lab/annotate/next/"' in html
    assert 'href="/projects/lab/models/"' in html and 'href="/projects/lab/evaluations/"' in html
    assert "/projects/lab/import/" not in html and "/projects/lab/settings/" not in html
    assert "cell-01" in html and "cell-02" in html
    filtered = client.get("/projects/lab/?tag=cross-lab").content.decode()
    assert "cell-02" in filtered and f"/specimens/{specimen.pk}/" not in filtered
    assert "cell-01" not in client.get("/projects/lab/?lab=Lab+B").content.decode()


def test_managers_see_import_and_settings_links(manager, project):
    html = signed_in(manager).get("/projects/lab/").content.decode()
    for path in ("import", "settings", "dashboard", "training"):
        assert f'href="/projects/lab/{path}/"' in html


def test_the_import_form_offers_existing_specimen_names(manager, specimen):
    html = signed_in(manager).get("/projects/lab/import/").content.decode()
    assert '<datalist id="specimen-names"><option value="cell-01">' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_good_upload_redirects_to_its_job_page(manager, project, media_root):
    response = signed_in(manager).post(
        "/projects/lab/import/",
        {"file": npy_file(), "specimen": "cell-09", "modality": "ri", "lab": "KAIST"},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/"
    assert job.params["lab"] == "KAIST"


@pytest.mark.parametrize(
    "fields, status, message",
    [
        (
            {"file": SimpleUploadedFile("bad.TCF", b"garbage" * 100)},
            400,
            "not a supported image file",
        ),
        ({"file": npy_file(data=ri_stack()[0])}, 400, "2D image"),
        ({"file": npy_file(), "voxel_size": "a,b"}, 400, "is not understood"),
        ({"file": npy_file(), "modality": "fluorescence", "channel": "x" * 40}, 400, "at most 32"),
    ],
)
def test_a_refused_upload_shows_the_reason_in_the_form(
    manager, project, media_root, fields, status, message
):
    data = {"specimen": "cell-09", "modality": "ri"} | fields
    response = signed_in(manager).post("/projects/lab/import/", data)
    assert response.status_code == status
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not ImportJob.objects.exists()
    assert_nothing_written(media_root)


def test_an_upload_over_the_limit_shows_the_sizes(manager, project, media_root, settings):
    settings.MAX_UPLOAD_MB = 1
    response = signed_in(manager).post(
        "/projects/lab/import/",
        {"file": npy_file(data=ri_stack((6, 256, 256))), "specimen": "c", "modality": "ri"},
    )
    assert response.status_code == 413
    assert "The file is 1.5 MB; the limit is 1 MB" in response.content.decode()
    assert files_under(media_root / "staging") == []


def test_the_import_job_page_configures_the_import_module_with_a_fallback(manager, project):
    job = ImportJob.objects.create(
        project=project,
        created_by=manager,
        original_name="cell.TCF",
        params={"specimen_name": "c", "modality": "ri"},
    )
    response = signed_in(manager).get(f"/imports/{job.pk}/")
    config = page_config(response)
    assert config["module"] == "import"
    assert config["snapshotUrl"] == f"/api/import-jobs/{job.pk}/"
    assert config["cancelUrl"] == f"/api/import-jobs/{job.pk}/cancel/"
    assert config["doneUrl"] == "/projects/lab/"
    html = response.content.decode()
    assert 'id="import-status"' in html and "Queued" in html
    assert 'http-equiv="refresh"' in html  # keeps the page current without JavaScript


def test_recent_imports_say_the_time_zone_of_their_times(manager, project, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    job = ImportJob.objects.create(
        project=project,
        created_by=manager,
        original_name="cell.TCF",
        params={"specimen_name": "c", "modality": "ri"},
    )
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC)
    )
    html = signed_in(manager).get("/projects/lab/import/").content.decode()
    assert "<td>2026-07-01 14:30 CEST</td>" in html


def test_the_predictions_list_says_the_time_zone_and_who_launched_each(manager, project, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    by_hand = Prediction.objects.create(
        project=project, created_by=manager, config={"origin": "web"}
    )
    by_command = Prediction.objects.create(project=project, config={"origin": "command"})
    Prediction.objects.update(created_at=datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC))
    html = signed_in(manager).get("/projects/lab/predictions/").content.decode()
    rows = {
        int(pk): row
        for pk, row in re.findall(r'<tr data-prediction="(\d+)">(.*?)</tr>', html, re.S)
    }
    assert "<td>2026-07-01 14:30 CEST</td>" in rows[by_hand.pk]
    assert f"<td>{manager.username}</td>" in rows[by_hand.pk]
    assert "<td>the command line</td>" in rows[by_command.pk]


def test_the_settings_page_saves_valid_settings(manager, project):
    client = signed_in(manager)
    assert 'value="3"' in client.get("/projects/lab/settings/").content.decode()
    response = client.post(
        "/projects/lab/settings/",
        {"required_annotations": "2", "consensus_method": "majority", "allow_self_review": "on"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.required_annotations == 2
    assert project.consensus_method == "majority"
    assert project.allow_self_review and not project.allow_fluorescence_reference


def test_the_settings_page_shows_errors_and_changes_nothing(manager, project):
    response = signed_in(manager).post(
        "/projects/lab/settings/", {"required_annotations": "0", "consensus_method": "majority"}
    )
    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    project.refresh_from_db()
    assert project.required_annotations == 3 and project.consensus_method == "staple"


def test_the_specimen_page_configures_the_viewer(annotator, specimen, make_volume):
    ri = make_volume(specimen)
    fl = make_volume(specimen, modality="fluorescence", channel="DAPI", seed=4)
    make_volume(specimen, time_index=1, seed=5)
    response = signed_in(annotator).get(f"/specimens/{specimen.pk}/")
    config = page_config(response)

    assert config["module"] == "viewer"
    assert config["specimen"] == {"id": specimen.pk, "name": "cell-01", "lab": "Lab A"}
    assert config["modality"] == "ri"
    window = config["window"]
    assert {key: window[key] for key in ("lo", "hi", "min", "max", "step", "units")} == {
        "lo": 1.33,
        "hi": 1.40,
        "min": 1.30,
        "max": 1.46,
        "step": 0.001,
        "units": "RI",
    }
    assert window["volumeId"] == ri.pk and window["preference"] is None
    assert window["auto"] == {"lo": ri.stats["p0_5"], "hi": ri.stats["p99_5"]}
    assert config["annotateUrlTemplate"] == "/sections/{id}/annotate/"
    assert [tp["t"] for tp in config["timePoints"]] == [0, 1]
    t0 = config["timePoints"][0]
    assert t0["volumeId"] == ri.pk
    first = t0["sections"][0]
    assert first["z"] == 0
    assert first["imageUrl"] == f"/api/sections/{first['id']}/image.png"
    assert first["fluorescenceUrl"] == f"/api/sections/{fl.sections.get(z=0).pk}/image.png"
    assert config["timePoints"][1]["sections"][0]["fluorescenceUrl"] is None
    html = response.content.decode()
    assert 'id="volume-table"' in html and "4×32×32" in html and "0.195×0.098×0.098" in html


def test_a_bright_field_viewer_uses_the_intensity_range(annotator, specimen, make_volume):
    data = np.linspace(100, 200, 32 * 32, dtype=np.float32).reshape(1, 32, 32)
    make_volume(specimen, data, modality="brightfield")
    window = page_config(signed_in(annotator).get(f"/specimens/{specimen.pk}/"))["window"]
    assert window["units"] == "intensity"
    assert window["min"] == pytest.approx(100) and window["max"] == pytest.approx(200)
    assert 100 < window["lo"] < window["hi"] < 200


def test_a_reviewer_only_member_sees_the_review_link(reviewer, project):
    Membership.objects.filter(user=reviewer).update(role="reviewer")
    html = signed_in(reviewer).get("/projects/lab/").content.decode()
    assert 'href="/projects/lab/review/"' in html
    assert "/projects/lab/annotate/next/" not in html


def test_the_predictions_page_says_when_there_is_no_model_to_predict_with(
    manager, annotator, project
):
    for user in (manager, annotator):
        html = signed_in(user).get("/projects/lab/predictions/").content.decode()
        assert "No model version yet: train one on the" in html
    assert (
        '<option value="" selected>No model version yet</option>'
        in signed_in(manager).get("/projects/lab/predictions/").content.decode()
    )


def test_the_predictions_page_offers_versions_when_none_is_active(manager, project):
    ModelVersion.objects.create(project=project, name="fold 1/2", arch="unet16", weights="w.pt")
    html = signed_in(manager).get("/projects/lab/predictions/").content.decode()
    assert "No active model yet: activate a version" in html
    assert "No model version yet" not in html
    assert "The active model (none yet: choose a version)" in html
