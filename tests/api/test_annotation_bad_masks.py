"""Unusable masks are refused with 400 and a clear message, and nothing is stored."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from annotations.imaging.masks import encode_mask
from annotations.models import Annotation, AnnotationRevision, Section

SHAPE = (20, 30)  # height, width


def png_bytes(array: np.ndarray, **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", **save_args)
    return buffer.getvalue()


def good() -> np.ndarray:
    mask = np.zeros(SHAPE, dtype=np.uint8)
    mask[5:15, 5:20] = 255
    return mask


def grey_levels() -> np.ndarray:
    return np.tile(np.arange(30, dtype=np.uint8) * 8, (20, 1))


def transparent_rgba() -> np.ndarray:
    grey = good()
    return np.dstack([grey, grey, grey, grey])


def coloured() -> np.ndarray:
    grey = good()
    return np.dstack([grey, np.zeros_like(grey), grey])


BAD_PNGS = {
    "wrong size": (png_bytes(np.zeros((30, 20), dtype=np.uint8)), "section is 30×20"),
    "non-binary grey levels": (png_bytes(grey_levels()), "two values"),
    "two values but not 0/255": (
        png_bytes(np.where(good() > 0, 200, 0).astype(np.uint8)),
        "0 and 255",
    ),
    "colour": (png_bytes(coloured()), "colour"),
    "transparent": (png_bytes(transparent_rgba()), "transparent"),
    "corrupt bytes": (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 10, "PNG"),
    "truncated": (png_bytes(good())[:60], "PNG"),
    "not a png": (b"GIF89a" + b"\x00" * 40, "PNG"),
    "empty": (b"", "PNG"),
}

BAD_POLYGONS = {
    "outside the image": ([[[0, 0], [31, 0], [0, 10]]], "outside"),
    "negative coordinate": ([[[-2, 0], [10, 0], [0, 10]]], "outside"),
    "two vertices": ([[[0, 0], [10, 10]]], "at least 3"),
    "one vertex": ([[[3, 3]]], "at least 3"),
    "not points": ([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], "[x, y]"),
    "strings": ([[["1", "2"], ["3", "4"], ["5", "6"]]], "numeric"),
}


@pytest.fixture
def section(specimen, make_volume):
    volume = make_volume(specimen, shape=(1, *SHAPE))
    return Section.objects.get(volume=volume)


def url(section) -> str:
    return f"/api/sections/{section.pk}/annotations/mine/"


def assert_nothing_stored():
    assert not Annotation.objects.exists()
    assert not AnnotationRevision.objects.exists()


@pytest.mark.parametrize("case", list(BAD_PNGS), ids=list(BAD_PNGS))
def test_bad_png_in_json_is_400(api, annotator, section, case):
    data, message = BAD_PNGS[case]
    response = api(annotator).put(
        url(section),
        {"base_revision": None, "mask_png": base64.b64encode(data).decode(), "action": "save"},
        format="json",
    )
    assert response.status_code == 400, response.content
    if data:  # an empty string is refused by the input form itself
        assert message in response.json()["detail"]
    assert_nothing_stored()


@pytest.mark.parametrize("case", list(BAD_PNGS), ids=list(BAD_PNGS))
def test_bad_png_upload_is_400(api, annotator, section, case):
    data, message = BAD_PNGS[case]
    upload = io.BytesIO(data)
    upload.name = "mask.png"
    response = api(annotator).put(
        url(section), {"mask": upload, "base_revision": ""}, format="multipart"
    )
    assert response.status_code == 400, response.content
    detail = response.json().get("detail") or str(response.json())
    if data:  # an empty file is refused by the form itself
        assert message in detail
    assert_nothing_stored()


@pytest.mark.parametrize("case", list(BAD_POLYGONS), ids=list(BAD_POLYGONS))
def test_bad_polygons_are_400(api, annotator, section, case):
    polygons, message = BAD_POLYGONS[case]
    response = api(annotator).put(
        url(section), {"base_revision": None, "polygons": polygons}, format="json"
    )
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert_nothing_stored()


def test_both_payloads_at_once_are_400(api, annotator, section):
    body = {
        "base_revision": None,
        "mask_png": base64.b64encode(png_bytes(good())).decode(),
        "polygons": [[[1, 1], [5, 1], [5, 5]]],
    }
    response = api(annotator).put(url(section), body, format="json")
    assert response.status_code == 400 and "not both" in response.json()["detail"]
    assert_nothing_stored()


@pytest.mark.parametrize(
    "body", [{"base_revision": None}, {"base_revision": None, "mask_png": None, "polygons": None}]
)
def test_no_payload_is_400(api, annotator, section, body):
    response = api(annotator).put(url(section), body, format="json")
    assert response.status_code == 400 and "No mask" in response.json()["detail"]
    assert_nothing_stored()


def test_a_bad_mask_after_a_good_one_leaves_the_history_untouched(api, annotator, section):
    client = api(annotator)
    ok = client.put(
        url(section),
        {"base_revision": None, "mask_png": base64.b64encode(encode_mask(good() > 0)).decode()},
        format="json",
    )
    assert ok.status_code == 200
    bad = client.put(
        url(section),
        {"base_revision": 1, "mask_png": base64.b64encode(png_bytes(grey_levels())).decode()},
        format="json",
    )
    assert bad.status_code == 400
    assert AnnotationRevision.objects.count() == 1
    assert Annotation.objects.get().revision == 1


def test_accepted_variants_one_bit_and_opaque_rgba(api, annotator, section):
    grey = good()
    opaque = np.dstack([grey, grey, grey, np.full(SHAPE, 255, np.uint8)])
    client = api(annotator)
    base = None
    for data in (png_bytes(grey > 0), png_bytes(opaque), png_bytes(grey // 255)):
        response = client.put(
            url(section),
            {"base_revision": base, "mask_png": base64.b64encode(data).decode()},
            format="json",
        )
        assert response.status_code == 200, response.content
        base = response.json()["revision"]
    assert base == 3
