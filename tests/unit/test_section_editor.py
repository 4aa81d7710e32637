"""section_editor_config: the one editor configuration annotate, review and correction pages share."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import override_settings

from annotations.selectors.display import RI_SLIDER_RANGE, display_window
from annotations.selectors.editor import section_editor_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections(specimen, make_volume):
    volume = make_volume(specimen, shape=(3, 24, 40))
    return list(volume.sections.order_by("z"))


def test_the_editor_gets_the_section_its_neighbours_and_window(sections):
    middle = sections[1]
    config = section_editor_config(
        section=middle,
        module="annotator",
        csrf_token="t0ken",
        read_only=False,
        neighbour_urls={"ownMaskUrl": "api-annotation-mine"},
        extra={"nextUrl": "/next/"},
    )
    assert config["module"] == "annotator" and config["csrfToken"] == "t0ken"
    assert config["section"]["id"] == middle.pk
    assert (config["section"]["width"], config["section"]["height"]) == (40, 24)
    assert config["section"]["label"] == "cell-01 · t0 · z1 of z0–z2"
    assert config["section"]["imageUrl"] == f"/api/sections/{middle.pk}/image.png"
    assert config["neighbours"]["prev"] == {
        "id": sections[0].pk,
        "imageUrl": f"/api/sections/{sections[0].pk}/image.png",
        "ownMaskUrl": f"/api/sections/{sections[0].pk}/annotations/mine/",
    }
    assert config["neighbours"]["next"]["id"] == sections[2].pk
    assert config["window"]["units"] == "RI"
    assert config["nextUrl"] == "/next/" and config["readOnly"] is False


def test_a_page_about_one_section_can_leave_out_neighbours_and_name_itself(sections):
    config = section_editor_config(
        section=sections[0],
        module="review",
        csrf_token="t",
        read_only=True,
        label_prefix="fluorescence ground truth",
        neighbours=False,
    )
    assert config["neighbours"] == {"prev": None, "next": None}
    assert config["section"]["label"] == "fluorescence ground truth · cell-01 · t0 · z0 of z0–z2"
    assert config["fluorescence"] is None and config["readOnly"] is True


def test_the_paired_fluorescence_is_offered_only_when_asked(specimen, make_volume, sections):
    stain = make_volume(specimen, modality="fluorescence", channel="DAPI", shape=(3, 24, 40))
    section = sections[0]
    section.fluorescence = stain.sections.get(z=0)
    section.save(update_fields=["fluorescence"])
    shown = section_editor_config(section=section, module="review", csrf_token="t", read_only=True)
    hidden = section_editor_config(
        section=section, module="annotator", csrf_token="t", read_only=True, fluorescence=False
    )
    url = shown["fluorescence"]["imageUrl"]
    # The stain's window is its volume's, not the section's own (see test_review_stain_window).
    stats = stain.stats
    assert url == (
        f"/api/sections/{section.fluorescence_id}/image.png"
        f"?lo={stats['p0_5']:.6g}&hi={stats['p99_5']:.6g}"
    )
    assert hidden["fluorescence"] is None


@override_settings(RI_WINDOW_DEFAULT=(1.33, 1.40))
def test_the_ri_window_spans_the_data_and_at_least_the_range_asked_for():
    editor = display_window(modality="ri", stats={"min": 1.3312, "max": 1.4234})
    assert (editor["lo"], editor["hi"]) == (1.33, 1.40)
    assert (editor["min"], editor["max"]) == (1.33, 1.43)
    viewer = display_window(
        modality="ri", stats={"min": 1.3312, "max": 1.4234}, ri_range=RI_SLIDER_RANGE
    )
    assert (viewer["min"], viewer["max"]) == RI_SLIDER_RANGE
    assert display_window(modality="ri", stats=None, ri_range=RI_SLIDER_RANGE)["max"] == 1.46


def test_an_intensity_window_opens_on_the_percentiles_and_survives_flat_data():
    window = display_window(
        modality="fluorescence", stats={"min": 0.0, "max": 1000.0, "p0_5": 10.0, "p99_5": 900.0}
    )
    assert (window["lo"], window["hi"], window["min"], window["max"]) == (10.0, 900.0, 0.0, 1000.0)
    assert window["step"] == 1.0 and window["units"] == "intensity"
    flat = display_window(modality="dic", stats={"min": 5.0, "max": 5.0, "p0_5": 5.0, "p99_5": 5.0})
    assert flat["lo"] < flat["hi"] and np.isclose(flat["max"], 6.0)
