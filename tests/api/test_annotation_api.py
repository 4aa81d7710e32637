"""The annotation REST API (the annotator module's contract); the pages: test_annotate_pages.py."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from annotations.imaging.masks import decode_mask, encode_mask, polygons_to_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    Section,
    SectionStatus,
)
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
    assert set(body) == STATE_KEYS | {"sent_back", "locked"}
    assert body | {"updated_at": None} == {
        "sent_back": None,
        "locked": None,
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
    assert set(body) == STATE_KEYS | {"sent_back"} and body["sent_back"] is None
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


def test_stored_masks_are_compact_one_bit_pngs(api, annotator, section):
    save_mask(api(annotator), section, rect_mask())
    stored = bytes(AnnotationRevision.objects.get().mask_png)
    assert stored == encode_mask(rect_mask())
    assert Image.open(io.BytesIO(stored)).mode == "1"
