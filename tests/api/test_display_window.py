"""The display window: "auto" (percentiles of the volume) beside the physical default, and each
person's choice per volume, saved by PUT and restored on every page that shows the volume."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from annotations.models import DisplayPreference, Section
from tests.conftest import signed_in as _browser
from tests.helpers_pages import page_config

pytestmark = pytest.mark.django_db

# A real HL60 tomogram spans RI 1.3295–1.3654: in the default 1.33–1.40 window the cell gets
# only the lower half of the greys.
HL60_LOW, HL60_HIGH = 1.3295, 1.3654


@pytest.fixture
def hl60(specimen, make_volume):
    data = np.linspace(HL60_LOW, HL60_HIGH, 3 * 40 * 40, dtype=np.float64).reshape(3, 40, 40)
    return make_volume(specimen, data=data.astype(np.float32))


def _greys(api_client, section: Section, window: dict | None) -> np.ndarray:
    query = f"?lo={window['lo']}&hi={window['hi']}" if window else ""
    response = api_client.get(f"/api/sections/{section.pk}/image.png{query}")
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return np.asarray(Image.open(io.BytesIO(body)).convert("L"))


def test_auto_is_the_volume_percentiles_in_ri_and_uses_the_full_grey_range(hl60, annotator, api):
    section = hl60.sections.get(z=1)
    window = page_config(_browser(annotator).get(f"/sections/{section.pk}/annotate/"))["window"]

    span = HL60_HIGH - HL60_LOW
    # Linear interpolation on evenly spaced values: the q-th percentile is low + q·span.
    assert window["auto"]["lo"] == pytest.approx(HL60_LOW + 0.005 * span, abs=1e-5)
    assert window["auto"]["hi"] == pytest.approx(HL60_LOW + 0.995 * span, abs=1e-5)
    assert (window["lo"], window["hi"], window["units"]) == (1.33, 1.40, "RI")
    assert window["min"] <= window["auto"]["lo"] and window["auto"]["hi"] <= window["max"]
    assert window["preference"] is None and window["volumeId"] == hl60.pk

    # The middle section covers a third of the volume's RI: look at the whole volume instead.
    client = api(annotator)
    default_greys = np.concatenate([_greys(client, s, None).ravel() for s in hl60.sections.all()])
    auto_greys = np.concatenate(
        [_greys(client, s, window["auto"]).ravel() for s in hl60.sections.all()]
    )
    assert default_greys.max() - default_greys.min() < 0.53 * 255
    assert auto_greys.min() <= 2 and auto_greys.max() >= 253


def test_a_saved_choice_comes_back_for_that_person_and_volume_only(
    hl60, specimen, make_volume, annotator, second_annotator, api
):
    other = make_volume(specimen, modality="ri", time_index=1)
    url = f"/api/volumes/{hl60.pk}/display/"
    saved = api(annotator).put(url, {"mode": "auto"}, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json() == {"mode": "auto", "lo": None, "hi": None}

    section = hl60.sections.get(z=0)
    mine = page_config(_browser(annotator).get(f"/sections/{section.pk}/annotate/"))["window"]
    assert mine["preference"] == {"mode": "auto", "lo": None, "hi": None}
    theirs = page_config(_browser(second_annotator).get(f"/sections/{section.pk}/annotate/"))
    assert theirs["window"]["preference"] is None
    elsewhere = api(annotator).get(f"/api/volumes/{other.pk}/display/").json()
    assert elsewhere["preference"] is None

    custom = api(annotator).put(url, {"mode": "custom", "lo": 1.331, "hi": 1.36}, format="json")
    assert custom.json() == {"mode": "custom", "lo": 1.331, "hi": 1.36}
    back = api(annotator).get(url).json()
    assert back["preference"] == {"mode": "custom", "lo": 1.331, "hi": 1.36}
    viewer = page_config(_browser(annotator).get(f"/specimens/{specimen.pk}/"))["window"]
    assert viewer["volumeId"] == hl60.pk and viewer["preference"]["mode"] == "custom"
    assert DisplayPreference.objects.filter(user=annotator).count() == 1


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"mode": "sideways"}, "mode"),
        ({"mode": "custom", "lo": 1.36}, "both lo and hi"),
        ({"mode": "custom", "lo": 1.36, "hi": 1.35}, "lo < hi"),
        ({"mode": "custom", "lo": "x", "hi": 1.35}, "lo"),
        # JSON's false and true are no numbers (DRF's FloatField took them as 0 and 1).
        ({"mode": "custom", "lo": False, "hi": True}, "lo: A valid number is required"),
        ({"mode": "auto", "lo": False}, "lo"),
        ({}, "mode"),
    ],
)
def test_a_bad_choice_is_refused_with_a_reason_and_nothing_saved(hl60, annotator, api, body, says):
    response = api(annotator).put(f"/api/volumes/{hl60.pk}/display/", body, format="json")
    assert response.status_code == 400
    assert says in response.json()["detail"]
    assert not DisplayPreference.objects.exists()


def test_auto_is_refused_for_a_volume_without_percentiles(hl60, annotator, api):
    type(hl60).objects.filter(pk=hl60.pk).update(stats={})
    response = api(annotator).put(
        f"/api/volumes/{hl60.pk}/display/", {"mode": "auto"}, format="json"
    )
    # The volume's state refuses a valid choice: a conflict with its code, nothing saved.
    assert response.status_code == 409 and "no auto window" in response.json()["detail"]
    assert response.json()["code"] == "no_auto_window"
    assert not DisplayPreference.objects.exists()
    assert "auto" not in api(annotator).get(f"/api/volumes/{hl60.pk}/display/").json()


def test_outsiders_and_visitors_cannot_read_or_save_a_window(hl60, outsider, api):
    url = f"/api/volumes/{hl60.pk}/display/"
    assert api(outsider).put(url, {"mode": "auto"}, format="json").status_code == 404
    assert api(outsider).get(url).status_code == 404
    assert api(None).put(url, {"mode": "auto"}, format="json").status_code in (401, 403)
    assert not DisplayPreference.objects.exists()


def test_reading_the_window_writes_nothing(hl60, annotator, api, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as queries:
        assert api(annotator).get(f"/api/volumes/{hl60.pk}/display/").status_code == 200
    assert not any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        for q in queries.captured_queries
    )
