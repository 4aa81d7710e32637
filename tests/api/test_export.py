"""Export of submitted masks: a zip of PNGs or multi-page TIFFs plus index.csv."""

from __future__ import annotations

import base64
import csv
import io
import zipfile

import numpy as np
import pytest
import tifffile
from django.test import Client
from PIL import Image

from annotations.imaging.masks import decode_mask
from annotations.models import Section, SectionStatus

SHAPE = (16, 20)


def mask_for(offset: int) -> np.ndarray:
    mask = np.zeros(SHAPE, dtype=bool)
    mask[offset : offset + 5, 2:12] = True
    return mask


def b64(mask: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray((mask * 255).astype(np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def sections(specimen, make_volume):
    volume = make_volume(specimen, shape=(3, *SHAPE), time_index=2)
    return list(Section.objects.filter(volume=volume).order_by("z"))


@pytest.fixture
def annotated(api, sections, annotator, second_annotator):
    """alice submits z0 (2 revisions) and z1; bob submits z0 and keeps a draft of z2."""

    def put(user, section, mask, *, base=None, action="submit"):
        response = api(user).put(
            f"/api/sections/{section.pk}/annotations/mine/",
            {"base_revision": base, "mask_png": b64(mask), "action": action},
            format="json",
        )
        assert response.status_code == 200, response.content

    put(annotator, sections[0], mask_for(0), action="save")
    put(annotator, sections[0], mask_for(1), base=1)
    put(annotator, sections[1], mask_for(2))
    put(second_annotator, sections[0], mask_for(3))
    put(second_annotator, sections[2], mask_for(4), action="save")
    return sections


def download(api, user, project, fmt) -> zipfile.ZipFile:
    response = api(user).get(f"/api/projects/{project.slug}/export/?format={fmt}")
    assert response.status_code == 200, getattr(response, "content", b"")
    assert response["Content-Type"] == "application/zip"
    assert f"{project.slug}-masks-{fmt}.zip" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def index_rows(archive: zipfile.ZipFile) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read("index.csv").decode())))


def test_png_export_has_one_mask_per_submitted_annotation_and_an_index(
    api, reviewer, project, annotated
):
    sections = annotated
    archive = download(api, reviewer, project, "png")
    rows = index_rows(archive)

    columns = "annotator specimen section_id z time_point revision submitted_at filename page"
    assert list(rows[0]) == [*columns.split(), "foreground_pixels"]
    summary = [
        (r["annotator"], int(r["section_id"]), r["z"], r["time_point"], r["revision"]) for r in rows
    ]
    assert summary == [
        ("alice", sections[0].pk, "0", "2", "2"),
        ("bob", sections[0].pk, "0", "2", "1"),
        ("alice", sections[1].pk, "1", "2", "1"),
    ]
    expected = {("alice", 0): mask_for(1), ("bob", 0): mask_for(3), ("alice", 1): mask_for(2)}
    for row in rows:
        assert row["specimen"] == "cell-01" and row["submitted_at"]
        data = archive.read(row["filename"])
        assert np.array_equal(decode_mask(data, SHAPE), expected[(row["annotator"], int(row["z"]))])
        assert int(row["foreground_pixels"]) == int(
            expected[(row["annotator"], int(row["z"]))].sum()
        )
    assert sorted(archive.namelist()) == sorted([*(r["filename"] for r in rows), "index.csv"])


def test_tiff_export_has_one_multipage_stack_per_section(api, manager, project, annotated):
    sections = annotated
    archive = download(api, manager, project, "tiff")
    rows = index_rows(archive)
    by_file: dict[str, list[dict]] = {}
    for row in rows:
        by_file.setdefault(row["filename"], []).append(row)
    assert len(by_file) == 2

    first = by_file[next(f for f in by_file if f"section{sections[0].pk}" in f)]
    assert [(r["annotator"], r["page"]) for r in first] == [("alice", "0"), ("bob", "1")]
    stack = tifffile.imread(io.BytesIO(archive.read(first[0]["filename"])))
    assert stack.shape == (2, *SHAPE) and stack.dtype == np.uint8
    assert np.array_equal(stack[0] > 0, mask_for(1)) and np.array_equal(stack[1] > 0, mask_for(3))
    assert set(np.unique(stack)) <= {0, 255}


def test_annotators_export_only_their_own_submissions(
    api, annotator, second_annotator, project, annotated
):
    rows = index_rows(download(api, second_annotator, project, "png"))
    assert [(r["annotator"], r["revision"]) for r in rows] == [
        ("bob", "1")
    ]  # bob's draft is not exported
    assert {r["annotator"] for r in index_rows(download(api, annotator, project, "png"))} == {
        "alice"
    }


def test_excluded_sections_are_left_out(api, reviewer, project, annotated):
    Section.objects.filter(pk=annotated[1].pk).update(status=SectionStatus.EXCLUDED)
    rows = index_rows(download(api, reviewer, project, "png"))
    assert {int(r["section_id"]) for r in rows} == {annotated[0].pk}


def test_an_empty_project_exports_just_the_header(api, reviewer, project, sections):
    rows = index_rows(download(api, reviewer, project, "tiff"))
    assert rows == []


def test_png_is_the_default_and_unknown_formats_are_400(api, reviewer, project, annotated):
    response = api(reviewer).get(f"/api/projects/{project.slug}/export/")
    assert response.status_code == 200 and "masks-png" in response["Content-Disposition"]
    bad = api(reviewer).get(f"/api/projects/{project.slug}/export/?format=jpeg")
    assert bad.status_code == 400


def test_outsiders_get_404(api, outsider, project, annotated):
    assert api(outsider).get(f"/api/projects/{project.slug}/export/?format=png").status_code == 404


def test_the_export_page_links_both_formats(reviewer, annotator, project):
    client = Client()
    client.force_login(reviewer)
    html = client.get(f"/projects/{project.slug}/export/").content.decode()
    assert f"/api/projects/{project.slug}/export/?format=png" in html
    assert f"/api/projects/{project.slug}/export/?format=tiff" in html
    assert "Every submitted annotation" in html
    client.force_login(annotator)
    assert (
        "Your submitted annotations"
        in client.get(f"/projects/{project.slug}/export/").content.decode()
    )


def test_the_export_downloads_through_a_logged_in_browser_session(reviewer, project, annotated):
    client = Client()
    client.force_login(reviewer)
    response = client.get(f"/api/projects/{project.slug}/export/?format=tiff")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "index.csv" in archive.namelist()
