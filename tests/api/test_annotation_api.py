"""The annotation REST API (the annotator module's contract) and the annotation pages."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from annotations.imaging.masks import decode_mask, encode_mask, polygons_to_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    Project,
    Section,
    SectionOffer,
    SectionStatus,
)
from tests.conftest import signed_in
from tests.helpers_pages import page_config
from tests.review_support import sections_of

SHAPE = (32, 48)  # height, width: not square, so a swapped axis shows


def rect_mask(top=4, left=6, bottom=20, right=30) -> np.ndarray:
    mask = np.zeros(SHAPE, dtype=bool)
    mask[top:bottom, left:right] = True
    return mask


def grey_png(mask: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray((mask * 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def b64(mask: np.ndarray) -> str:
    return base64.b64encode(grey_png(mask)).decode()


def unb64(text: str) -> np.ndarray:
    return decode_mask(base64.b64decode(text), SHAPE)


@pytest.fixture
def sections(specimen, make_volume):
    return sections_of(specimen, make_volume, shape=(3, *SHAPE))


@pytest.fixture
def section(sections):
    return sections[1]


def mine_url(section) -> str:
    return f"/api/sections/{section.pk}/annotations/mine/"


def put(client, section, **body):
    return client.put(mine_url(section), body, format="json")


def save_mask(client, section, mask: np.ndarray, *, base_revision=None, action="save", **body):
    """PUT ``mask`` as a grey PNG, as the editor does: a draft unless ``action`` says otherwise,
    over ``base_revision`` (none: the first)."""
    body |= {"base_revision": base_revision, "mask_png": b64(mask), "action": action}
    return put(client, section, **body)


STATE_KEYS = {
    "revision",
    "status",
    "mask_png",
    "polygons",
    "width",
    "height",
    "time_spent_s",
    "can_edit",
    "can_reopen",
    "updated_at",
}


# ---------------------------------------------------------------------------------- mine


def test_get_mine_before_any_save_is_an_empty_editable_state(api, annotator, section):
    response = api(annotator).get(mine_url(section))
    assert response.status_code == 200
    body = response.json()
    # A GET also says whether a reviewer sent the section back (test_send_back_feedback).
    assert set(body) == STATE_KEYS | {"sent_back"}
    assert body | {"updated_at": None} == {
        "sent_back": None,
        "revision": None,
        "status": None,
        "mask_png": None,
        "polygons": [],
        "width": 48,
        "height": 32,
        "time_spent_s": 0.0,
        "can_edit": True,
        "can_reopen": False,
        "updated_at": None,
    }


def test_put_a_png_draft_then_get_it_back_with_polygons(api, annotator, section):
    client = api(annotator)
    response = save_mask(client, section, rect_mask(), time_spent_s=7.5)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == STATE_KEYS
    assert body["revision"] == 1 and body["status"] == "draft" and body["can_edit"] is True
    assert body["time_spent_s"] == 7.5
    assert np.array_equal(unb64(body["mask_png"]), rect_mask())

    again = client.get(mine_url(section)).json()
    assert again["revision"] == 1
    assert np.array_equal(unb64(again["mask_png"]), rect_mask())
    assert len(again["polygons"]) == 1
    assert np.array_equal(polygons_to_mask(again["polygons"], SHAPE), rect_mask())


def test_a_data_url_prefix_is_accepted(api, annotator, section):
    response = put(
        api(annotator),
        section,
        base_revision=None,
        mask_png="data:image/png;base64," + b64(rect_mask()),
        action="save",
    )
    assert response.status_code == 200


def test_polygons_are_accepted_and_returned_as_a_mask(api, annotator, section):
    square = [[6, 4], [30, 4], [30, 20], [6, 20]]
    triangle = [[36, 24], [46, 24], [41, 30]]
    response = put(
        api(annotator), section, base_revision=None, polygons=[square, triangle], action="save"
    )
    assert response.status_code == 200, response.content
    mask = unb64(response.json()["mask_png"])
    assert mask[10, 10] and mask[25, 41] and not mask[28, 10]
    assert np.array_equal(mask[:22, :32], rect_mask()[:22, :32])
    assert AnnotationRevision.objects.get().source == "polygons"
    assert len(response.json()["polygons"]) == 2


def test_a_png_upload_in_a_multipart_form_is_accepted(api, annotator, section):
    upload = io.BytesIO(grey_png(rect_mask()))
    upload.name = "mask.png"
    response = api(annotator).put(
        mine_url(section),
        {"mask": upload, "base_revision": "", "action": "save", "time_spent_s": "3"},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    revision = AnnotationRevision.objects.get()
    assert revision.source == "png" and revision.time_spent_s == 3
    assert np.array_equal(decode_mask(bytes(revision.mask_png), SHAPE), rect_mask())


def test_a_stale_save_gets_409_with_the_newer_version_and_stores_nothing(api, annotator, section):
    client = api(annotator)
    save_mask(client, section, rect_mask())
    newer = rect_mask(top=0, bottom=10)
    put(client, section, base_revision=1, mask_png=b64(newer), action="save")

    response = save_mask(client, section, rect_mask(left=0), base_revision=1)

    assert response.status_code == 409
    body = response.json()
    assert "revision 2" in body["detail"]
    assert set(body["current"]) == STATE_KEYS
    assert body["current"]["revision"] == 2
    assert np.array_equal(unb64(body["current"]["mask_png"]), newer)
    assert AnnotationRevision.objects.count() == 2


def test_submit_then_reopen_then_edit(api, annotator, section):
    client = api(annotator)
    save_mask(client, section, rect_mask())
    submitted = save_mask(client, section, rect_mask(), base_revision=1, action="submit").json()
    assert submitted["status"] == "submitted"
    assert submitted["can_edit"] is False and submitted["can_reopen"] is True

    refused = save_mask(client, section, rect_mask(), base_revision=2)
    assert refused.status_code == 409 and "reopen" in refused.json()["detail"]

    reopened = client.post(f"{mine_url(section)}reopen/")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "draft" and reopened.json()["can_edit"] is True

    assert save_mask(client, section, rect_mask(), base_revision=2).json()["revision"] == 3


def test_reopening_a_draft_is_a_conflict(api, annotator, section):
    client = api(annotator)
    save_mask(client, section, rect_mask())
    response = client.post(f"{mine_url(section)}reopen/")
    assert response.status_code == 409
    assert response.json()["current"]["status"] == "draft"


def test_saving_on_an_excluded_section_is_a_conflict(api, annotator, section):
    Section.objects.filter(pk=section.pk).update(status=SectionStatus.EXCLUDED)
    response = save_mask(api(annotator), section, rect_mask())
    assert response.status_code == 409
    assert response.json()["current"]["can_edit"] is False
    assert not Annotation.objects.exists()


def test_reviewers_cannot_save_and_outsiders_do_not_see_the_section(
    api, reviewer, outsider, section
):
    body = {"base_revision": None, "mask_png": b64(rect_mask()), "action": "save"}
    assert api(reviewer).put(mine_url(section), body, format="json").status_code == 403
    assert api(outsider).put(mine_url(section), body, format="json").status_code == 404
    assert api(outsider).get(mine_url(section)).status_code == 404
    assert api(None).get(mine_url(section)).status_code in (401, 403)
    assert not Annotation.objects.exists()


def test_a_reviewer_reading_mine_gets_a_read_only_empty_state(api, reviewer, section):
    body = api(reviewer).get(mine_url(section)).json()
    assert body["revision"] is None and body["can_edit"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"mask_png": "AAAA", "action": "save"},  # base_revision missing
        {"base_revision": "one", "mask_png": "AAAA"},
        {"base_revision": -1, "mask_png": "AAAA"},
        {"base_revision": None, "mask_png": "AAAA", "action": "publish"},
        {"base_revision": None, "mask_png": "AAAA", "time_spent_s": -3},
        {"base_revision": None, "mask_png": "AAAA", "time_spent_s": "NaN"},
        {"base_revision": None, "mask_png": "not base64 at all!"},
        {"base_revision": None, "mask_png": 12},
        {"base_revision": None, "polygons": {"a": 1}},
        {"base_revision": None, "polygons": 7},
        {"base_revision": None, "polygons": [7]},
        {"base_revision": None, "polygons": [[[1, 2], [3]]]},
        {"base_revision": None, "polygons": [[[True, 2], [3, 4], [5, 6]]]},
    ],
)
def test_malformed_bodies_are_400_never_500(api, annotator, section, body):
    response = api(annotator).put(mine_url(section), body, format="json")
    assert response.status_code == 400, response.content
    assert isinstance(response.json()["detail"], str)
    assert not AnnotationRevision.objects.exists()


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b'"text"', b"\xff\xfe"])
def test_unparseable_json_is_400(api, annotator, section, raw):
    response = api(annotator).generic(
        "PUT", mine_url(section), raw, content_type="application/json"
    )
    assert response.status_code == 400


def test_a_multipart_form_without_a_file_is_400(api, annotator, section):
    response = api(annotator).put(mine_url(section), {"base_revision": ""}, format="multipart")
    assert response.status_code == 400


# ---------------------------------------------------------------------------------- history


def test_revisions_list_the_history_with_masks_on_request(api, annotator, section):
    client = api(annotator)
    save_mask(client, section, rect_mask(), time_spent_s=2)
    save_mask(
        client, section, rect_mask(bottom=8), base_revision=1, action="submit", time_spent_s=3
    )
    annotation = Annotation.objects.get()

    history = client.get(f"/api/annotations/{annotation.pk}/revisions/").json()
    assert [(r["number"], r["status"], r["author"], r["time_spent_s"]) for r in history] == [
        (1, "draft", "alice", 2.0),
        (2, "submitted", "alice", 3.0),
    ]
    assert history[0]["foreground_pixels"] == int(rect_mask().sum())
    assert "mask_png" not in history[0]

    with_masks = client.get(f"/api/annotations/{annotation.pk}/revisions/?include_masks=1").json()
    assert np.array_equal(unb64(with_masks[0]["mask_png"]), rect_mask())
    assert np.array_equal(unb64(with_masks[1]["mask_png"]), rect_mask(bottom=8))
    assert (
        client.get(f"/api/annotations/{annotation.pk}/revisions/?include_masks=maybe").status_code
        == 400
    )


def test_annotation_detail_returns_mask_and_polygons(api, annotator, section):
    client = api(annotator)
    save_mask(client, section, rect_mask())
    annotation = Annotation.objects.get()
    body = client.get(f"/api/annotations/{annotation.pk}/").json()
    assert body["id"] == annotation.pk and body["annotator"] == "alice" and body["revision"] == 1
    assert np.array_equal(unb64(body["mask_png"]), rect_mask())
    assert len(body["polygons"]) == 1


def test_unknown_and_absurd_ids_are_404(api, annotator):
    client = api(annotator)
    assert client.get("/api/annotations/999999/").status_code == 404
    assert client.get("/api/annotations/99999999999999999999999/").status_code == 404
    assert client.get("/api/sections/99999999999999999999999/annotations/mine/").status_code == 404


# ---------------------------------------------------------------------------------- queue


def test_progress_endpoint(api, annotator, project, sections):
    put(api(annotator), sections[0], base_revision=None, mask_png=b64(rect_mask()), action="submit")
    body = api(annotator).get(f"/api/projects/{project.slug}/annotation-progress/").json()
    assert body == {
        "sections_total": 3,
        "sections_complete": 0,
        "required_per_section": 3,
        "mine_submitted": 1,
        "mine_drafts": 0,
    }


def test_a_bad_skip_is_400(api, annotator, project, sections):
    response = api(annotator).post(f"/api/projects/{project.slug}/annotate/next/?skip=x")
    assert response.status_code == 400 and "skip" in response.json()["detail"]


def test_next_with_skip_hands_out_every_section_then_the_skipped_ones_again(
    api, annotator, project, sections
):
    client = api(annotator)
    url = f"/api/projects/{project.slug}/annotate/next/"
    seen = [client.post(url).json()["section_id"]]
    # "Annotate" again without saving: the same section (the menu never skips silently).
    assert client.post(url).json()["section_id"] == seen[0]
    for _ in sections[1:]:
        response = client.post(f"{url}?skip={seen[-1]}")
        assert response.status_code == 200
        seen.append(response.json()["section_id"])
        assert response.json()["url"] == f"/sections/{seen[-1]}/annotate/"
    assert sorted(seen) == sorted(s.pk for s in sections)
    # Skipped sections come back, first skipped first.
    assert client.post(f"{url}?skip={seen[-1]}").json()["section_id"] == seen[0]
    Section.objects.filter(project=project).update(status=SectionStatus.REVIEW)
    assert client.post(url).status_code == 204


def test_skipping_a_section_of_another_project_is_400(api, annotator, project, sections):
    response = api(annotator).post(f"/api/projects/{project.slug}/annotate/next/?skip=999999")
    assert response.status_code == 400 and "not a label-free section" in response.json()["detail"]


def test_next_is_for_annotators_and_members_only(api, reviewer, outsider, project, sections):
    assert api(reviewer).post(f"/api/projects/{project.slug}/annotate/next/").status_code == 403
    assert api(outsider).post(f"/api/projects/{project.slug}/annotate/next/").status_code == 404
    assert (
        api(outsider).post(f"/api/projects/{project.slug}/annotate/next/?skip=x").status_code == 404
    )


def test_the_schema_documents_every_annotation_endpoint(api, annotator):
    response = api(annotator).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in [
        "/api/sections/{section_id}/annotations/mine/",
        "/api/sections/{section_id}/annotations/mine/reopen/",
        "/api/sections/{section_id}/annotations/",
        "/api/annotations/{annotation_id}/",
        "/api/annotations/{annotation_id}/revisions/",
        "/api/projects/{slug}/annotation-progress/",
        "/api/projects/{slug}/annotate/next/",
        "/api/projects/{slug}/export/",
    ]:
        assert path in paths
    put_body = paths["/api/sections/{section_id}/annotations/mine/"]["put"]["requestBody"][
        "content"
    ]
    assert {"application/json", "multipart/form-data"} <= set(put_body)


# ---------------------------------------------------------------------------------- pages


def test_annotate_page_passes_the_annotator_config(annotator, project, sections):
    section = sections[1]
    response = signed_in(annotator).get(f"/sections/{section.pk}/annotate/")
    assert response.status_code == 200
    config = page_config(response)
    assert config["module"] == "annotator"
    assert config["csrfToken"]
    assert config["section"] == {
        "id": section.pk,
        "width": 48,
        "height": 32,
        "z": 1,
        "nZ": 3,
        "modality": "ri",
        "imageUrl": f"/api/sections/{section.pk}/image.png",
        "label": "cell-01 · t0 · z1 of z0–z2",
    }
    assert config["window"]["units"] == "RI"
    assert (config["window"]["lo"], config["window"]["hi"]) == (1.33, 1.40)
    assert config["window"]["min"] <= 1.33 and config["window"]["max"] >= 1.40
    assert config["neighbours"]["prev"] == {
        "id": sections[0].pk,
        "imageUrl": f"/api/sections/{sections[0].pk}/image.png",
        "ownMaskUrl": f"/api/sections/{sections[0].pk}/annotations/mine/",
    }
    assert config["neighbours"]["next"]["id"] == sections[2].pk
    assert config["fluorescence"] is None
    assert config["annotationUrl"] == f"/api/sections/{section.pk}/annotations/mine/"
    assert config["nextUrl"] == f"/projects/{project.slug}/annotate/next/"
    assert config["progressUrl"] == f"/api/projects/{project.slug}/annotation-progress/"
    assert config["readOnly"] is False
    html = response.content.decode()
    assert 'id="cw-root"' in html and "Keyboard shortcuts" in html
    for key in ("Ctrl+Z", "Ctrl+Enter", "Shift+Delete"):
        assert key in html


def test_the_first_and_last_sections_have_one_neighbour(annotator, sections):
    first = page_config(signed_in(annotator).get(f"/sections/{sections[0].pk}/annotate/"))
    last = page_config(signed_in(annotator).get(f"/sections/{sections[2].pk}/annotate/"))
    assert first["neighbours"]["prev"] is None and first["neighbours"]["next"] is not None
    assert last["neighbours"]["next"] is None


def test_fluorescence_reference_only_when_the_project_allows_it(
    annotator, project, specimen, make_volume, sections
):
    make_volume(specimen, modality="fluorescence", channel="DAPI", shape=(3, *SHAPE))
    section = Section.objects.get(pk=sections[1].pk)
    assert section.fluorescence_id is not None
    assert (
        page_config(signed_in(annotator).get(f"/sections/{section.pk}/annotate/"))["fluorescence"]
        is None
    )

    Project.objects.filter(pk=project.pk).update(allow_fluorescence_reference=True)
    config = page_config(signed_in(annotator).get(f"/sections/{section.pk}/annotate/"))
    # In the stain volume's window (test_review_stain_window).
    assert config["fluorescence"]["imageUrl"].startswith(
        f"/api/sections/{section.fluorescence_id}/image.png?lo="
    )


def test_non_ri_sections_get_an_intensity_window_from_their_statistics(
    annotator, project, make_volume
):
    from annotations.models import Specimen

    other = Specimen.objects.create(project=project, name="bf-01")
    data = np.linspace(100, 900, 2 * 16 * 16, dtype=np.float32).reshape(2, 16, 16)
    volume = make_volume(other, data=data, modality="brightfield")
    section = Section.objects.filter(volume=volume).first()
    window = page_config(signed_in(annotator).get(f"/sections/{section.pk}/annotate/"))["window"]
    assert window["units"] == "intensity"
    assert window["min"] <= window["lo"] < window["hi"] <= window["max"]
    assert window["lo"] == pytest.approx(section.stats["p0_5"]) and window["hi"] == pytest.approx(
        section.stats["p99_5"]
    )


def test_the_page_is_read_only_for_reviewers_and_locked_sections(annotator, reviewer, sections):
    assert (
        page_config(signed_in(reviewer).get(f"/sections/{sections[0].pk}/annotate/"))["readOnly"]
        is True
    )
    Section.objects.filter(pk=sections[0].pk).update(status=SectionStatus.CONFIRMED)
    response = signed_in(annotator).get(f"/sections/{sections[0].pk}/annotate/")
    assert page_config(response)["readOnly"] is True
    assert "confirmed" in response.content.decode()


def test_outsiders_get_404_from_the_pages(outsider, project, sections):
    client = signed_in(outsider)
    assert client.get(f"/sections/{sections[0].pk}/annotate/").status_code == 404
    assert client.get(f"/projects/{project.slug}/annotate/next/").status_code == 404
    assert client.get(f"/projects/{project.slug}/export/").status_code == 404


def test_annotate_next_shows_the_unsaved_section_again_then_thanks(annotator, project, sections):
    client = signed_in(annotator)
    url = f"/projects/{project.slug}/annotate/next/"
    first = client.post(url)
    assert first.status_code == 302 and first["Location"].endswith("/annotate/")
    # The menu's "Annotate" again, nothing saved: the same section, not the next one.
    assert client.post(url)["Location"] == first["Location"]
    Section.objects.filter(project=project).update(status=SectionStatus.REVIEW)
    # Nothing left: the hand-out goes back to the queue page, which says thank you.
    assert client.post(url)["Location"] == url
    done = client.get(url)
    assert done.status_code == 200
    assert "thank you" in done.content.decode()
    assert "cw-progress-bar" in done.content.decode()
    assert 'data-action="next"' not in done.content.decode()


def test_the_annotate_next_page_hands_out_nothing_on_get(annotator, project, sections):
    client = signed_in(annotator)
    url = f"/projects/{project.slug}/annotate/next/"
    before = {model: model.objects.count() for model in (SectionOffer, Annotation, Section)}
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    # The hand-out is the page's button: a form that POSTs, with its CSRF token.
    assert f'<form method="post" action="{url}"' in html
    assert "csrfmiddlewaretoken" in html and 'data-action="next"' in html
    assert {model: model.objects.count() for model in before} == before
    assert not SectionOffer.objects.exists()
    assert client.post(url).status_code == 302
    assert SectionOffer.objects.filter(annotator=annotator).count() == 1


def test_annotate_next_refuses_other_methods(annotator, project, sections):
    assert signed_in(annotator).put(f"/projects/{project.slug}/annotate/next/").status_code == 405


def test_annotate_next_refuses_reviewers_with_a_message(reviewer, project, sections):
    response = signed_in(reviewer).get(f"/projects/{project.slug}/annotate/next/")
    assert response.status_code == 403
    assert "annotator" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(project, sections):
    response = Client().get(f"/sections/{sections[0].pk}/annotate/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_stored_masks_are_compact_one_bit_pngs(api, annotator, section):
    save_mask(api(annotator), section, rect_mask())
    stored = bytes(AnnotationRevision.objects.get().mask_png)
    assert stored == encode_mask(rect_mask())
    assert Image.open(io.BytesIO(stored)).mode == "1"
