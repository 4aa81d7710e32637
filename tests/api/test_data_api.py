"""Browsing endpoints: projects, specimens, volumes, sections, and the rendered section image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from annotations.models import Project, Specimen, Tag
from annotations.selectors.section_images import pngs

pytestmark = pytest.mark.django_db


@pytest.fixture
def paired(specimen, make_volume):
    """An RI volume with a paired DAPI stack: a gradient so windows visibly change pixels."""
    ramp = np.linspace(1.33, 1.40, 32, dtype=np.float32)
    ri = np.broadcast_to(ramp, (4, 32, 32)).copy()
    ri += np.arange(4, dtype=np.float32)[:, None, None] * 0.001
    ri_volume = make_volume(specimen, ri)
    fl_volume = make_volume(specimen, modality="fluorescence", channel="DAPI", seed=3)
    return ri_volume, fl_volume


def png_array(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)))


def test_projects_list_shows_my_roles_and_counts(api, manager, annotator, project, paired):
    from annotations.models import Membership

    Membership.objects.create(project=project, user=manager, role="reviewer")
    Project.objects.create(slug="other", name="Other")  # not a member
    body = api(manager).get("/api/projects/").json()
    assert [p["slug"] for p in body] == ["lab"]
    assert body[0]["roles"] == ["manager", "reviewer"]
    assert body[0]["specimen_count"] == 1
    assert body[0]["section_count"] == 4  # label-free sections only


def test_project_detail_has_roles_settings_and_links(api, annotator, project):
    body = api(annotator).get("/api/projects/lab/").json()
    assert body["roles"] == ["annotator"]
    assert body["settings"] == {
        "required_annotations": 3,
        "consensus_method": "staple",
        "allow_fluorescence_reference": False,
        "allow_self_review": False,
        "proposals": "off",
        "queue_mode": "fullest_first",
        "queue_includes_imported": False,
        "annotations_before_proposals": 0,
        "paint_rule": "replace",
    }
    urls = {link["key"]: link["url"] for link in body["links"]}
    assert urls["annotate"] == "/projects/lab/annotate/next/"
    assert "import" not in urls and "settings" not in urls


def test_a_manager_changes_the_project_settings(api, manager, project):
    response = api(manager).patch(
        "/api/projects/lab/",
        {"required_annotations": 2, "consensus_method": "majority"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["settings"]["required_annotations"] == 2
    project.refresh_from_db()
    assert (project.required_annotations, project.consensus_method) == (2, "majority")


@pytest.mark.parametrize(
    "body",
    [
        {"required_annotations": 0},
        {"required_annotations": 21},
        {"consensus_method": "vote"},
        {"colour": "red"},
    ],
)
def test_invalid_project_settings_are_refused(api, manager, project, body):
    response = api(manager).patch("/api/projects/lab/", body, format="json")
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.required_annotations == 3 and project.consensus_method == "staple"


def test_specimens_list_with_lab_and_tag_filters(
    api, annotator, project, specimen, paired, make_volume
):
    other = Specimen.objects.create(project=project, name="cell-02", lab="Lab B")
    make_volume(other, time_index=0)
    make_volume(other, time_index=1, seed=5)
    tag = Tag.objects.create(project=project, name="train")
    other.tags.add(tag)
    client = api(annotator)

    rows = client.get("/api/projects/lab/specimens/").json()
    assert [r["name"] for r in rows] == ["cell-01", "cell-02"]
    first = rows[0]
    assert first["lab"] == "Lab A"
    assert first["modalities"] == ["fluorescence DAPI", "ri"]
    assert first["time_points"] == [0]
    assert first["section_count"] == 4
    middle = paired[0].sections.get(z=2)
    assert first["thumbnail_url"] == f"/api/sections/{middle.pk}/image.png?size=96"
    assert rows[1]["time_points"] == [0, 1]
    assert rows[1]["tags"] == ["train"]

    assert [r["name"] for r in client.get("/api/projects/lab/specimens/?lab=Lab B").json()] == [
        "cell-02"
    ]
    assert [r["name"] for r in client.get("/api/projects/lab/specimens/?tag=train").json()] == [
        "cell-02"
    ]
    assert client.get("/api/projects/lab/specimens/?tag=none").json() == []


def test_specimen_detail_groups_volumes_by_time_point_with_their_sections(
    api, annotator, specimen, paired
):
    ri_volume, fl_volume = paired
    body = api(annotator).get(f"/api/specimens/{specimen.pk}/").json()
    assert [tp["time_index"] for tp in body["time_points"]] == [0]
    volumes = {v["modality"]: v for v in body["time_points"][0]["volumes"]}
    assert volumes["fluorescence"]["paired_with"] == ri_volume.pk
    sections = volumes["ri"]["sections"]
    assert [s["z"] for s in sections] == [0, 1, 2, 3]
    fl_z1 = fl_volume.sections.get(z=1)
    assert sections[1]["fluorescence_id"] == fl_z1.pk
    assert sections[1]["image_url"] == f"/api/sections/{sections[1]['id']}/image.png"
    assert sections[1]["fluorescence_url"] == f"/api/sections/{fl_z1.pk}/image.png"


def test_volume_detail(api, annotator, paired):
    ri_volume, _ = paired
    body = api(annotator).get(f"/api/volumes/{ri_volume.pk}/").json()
    assert body["shape"] == [4, 32, 32]
    assert body["voxel_size"] == pytest.approx([0.195, 0.098, 0.098])
    assert len(body["sections"]) == 4


def test_section_detail_has_neighbours_stats_and_its_fluorescence(api, annotator, paired):
    ri_volume, fl_volume = paired
    sections = {s.z: s for s in ri_volume.sections.all()}
    body = api(annotator).get(f"/api/sections/{sections[1].pk}/").json()
    assert body["shape"] == [32, 32]
    assert body["z"] == 1
    assert body["prev_id"] == sections[0].pk and body["next_id"] == sections[2].pk
    assert body["fluorescence"]["id"] == fl_volume.sections.get(z=1).pk
    assert body["fluorescence"]["channel"] == "DAPI"
    assert set(body["stats"]) >= {"min", "max", "p0_5", "p99_5"}
    first = api(annotator).get(f"/api/sections/{sections[0].pk}/").json()
    assert first["prev_id"] is None


# --------------------------------------------------------------------------- image.png


def image_url(section, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/sections/{section.pk}/image.png" + (f"?{query}" if query else "")


def test_a_section_is_served_as_png_with_cache_headers(api, annotator, paired, settings):
    section = paired[0].sections.get(z=0)
    response = api(annotator).get(image_url(section))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"]
    assert f"max-age={settings.SECTION_IMAGE_MAX_AGE}" in response["Cache-Control"]
    assert response["ETag"].startswith('"')
    assert png_array(response.content).shape == (32, 32)


def test_the_ri_window_changes_the_pixels(api, annotator, paired):
    section = paired[0].sections.get(z=0)
    client = api(annotator)
    default = png_array(client.get(image_url(section)).content)
    narrow = png_array(client.get(image_url(section, lo=1.36, hi=1.37)).content)
    # Default window 1.33-1.40 spans the ramp; a narrow window saturates both ends.
    assert default[0, 0] < 10 and default[0, -1] > 245
    assert not np.array_equal(default, narrow)
    assert (narrow == 0).sum() > (default == 0).sum()
    assert (narrow == 255).sum() > (default == 255).sum()


def test_a_matching_etag_gets_304(api, annotator, paired):
    section = paired[0].sections.get(z=0)
    client = api(annotator)
    first = client.get(image_url(section, lo=1.34, hi=1.38))
    again = client.get(image_url(section, lo=1.34, hi=1.38), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    other_window = client.get(
        image_url(section, lo=1.34, hi=1.39), HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert other_window.status_code == 200
    assert other_window["ETag"] != first["ETag"]


def test_a_rendered_section_is_cached(api, annotator, paired, monkeypatch):
    section = paired[0].sections.get(z=3)
    calls = []
    real = pngs.render_png
    monkeypatch.setattr(pngs, "render_png", lambda *a, **k: calls.append(1) or real(*a, **k))
    client = api(annotator)
    url = image_url(section, lo=1.331, hi=1.399, size=16)
    first = client.get(url).content
    second = client.get(url).content
    assert first == second
    assert len(calls) == 1


def test_a_thumbnail_is_shrunk_to_its_size(api, annotator, paired):
    section = paired[0].sections.get(z=0)
    assert png_array(api(annotator).get(image_url(section, size=16)).content).shape == (16, 16)


def test_fluorescence_is_auto_windowed_and_can_be_tinted(api, annotator, paired):
    section = paired[1].sections.get(z=0)
    client = api(annotator)
    grey = png_array(client.get(image_url(section)).content)
    assert grey.min() < 20 and grey.max() > 235  # 0.5-99.5 percentile stretch
    tinted = Image.open(io.BytesIO(client.get(image_url(section, tint="green")).content))
    assert tinted.convert("RGB").getpixel((0, 0))[0] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"lo": 1.4, "hi": 1.33},
        {"lo": 1.35, "hi": 1.35},
        {"lo": "nan"},
        {"hi": "inf"},
        {"lo": "abc"},
        {"size": 8},
        {"size": 4096},
        {"tint": "purple"},
        {"lo": 1.5},  # above the default high end of the RI window
    ],
)
def test_invalid_image_parameters_are_400(api, annotator, paired, params):
    section = paired[0].sections.get(z=0)
    response = api(annotator).get(image_url(section, **params))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
