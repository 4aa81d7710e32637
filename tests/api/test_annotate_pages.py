"""The annotation pages: the annotate page's config, neighbours, windows, read-only states, and
the "annotate next" page that hands out nothing on a GET."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client

from annotations.models import (
    Annotation,
    Project,
    Section,
    SectionOffer,
    SectionStatus,
)
from tests.api.test_annotation_api import SHAPE
from tests.conftest import signed_in
from tests.helpers_pages import page_config
from tests.review_support import sections_of


@pytest.fixture
def sections(specimen, make_volume):
    return sections_of(specimen, make_volume, shape=(3, *SHAPE))


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
