"""The blind rule by every route: while a section lacks its required submissions, an annotator
reads nothing of a co-annotator's mask of it through any GET of the site (pages, APIs,
downloads, the export in each format), and the co-annotator's annotation is 404 to them; nor
does any figure (the dashboard's counts, scores, agreement and correction effort, the review
queue, the rounds) tell them whose it is, how it is drawn or how long it took.

The routes come from the URL configuration (``tests/helpers_routes.py``), so a route added
later is held to the rule without editing this file; the section and annotation ids it fills in
are the blind section's and the co-annotator's.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile

import numpy as np
import pytest
from django.urls import reverse

from annotations.imaging.masks import encode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    CorrectionEffort,
    Membership,
    Role,
    Section,
)
from tests.conftest import signed_in
from tests.helpers_routes import concrete, routes
from tests.review_support import fluorescence_truth, save_revision

pytestmark = pytest.mark.usefixtures("known_nuclei")

# Built for each download (seconds each) and holding model weights only.
SLOW = ("/bioimageio/",)
EXPORTS = ("png", "tiff", "labels")


def _answers_get(view) -> bool:
    view_class = getattr(view, "view_class", None)
    return view_class is None or hasattr(view_class, "get")


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _unpacked(body: bytes) -> bytes:
    """A zip's member names and contents, else the body itself."""
    if not body.startswith(b"PK"):
        return body
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return b"".join(name.encode() + archive.read(name) for name in archive.namelist())


@pytest.fixture
def blind(ids, project, second_annotator) -> dict:
    """Bob's submitted mask on the section of ``ids`` that Alice annotated too, which still
    lacks the project's third submission."""
    section = Section.objects.get(pk=ids["section_id"])
    mask = np.zeros(section.shape, dtype=bool)
    mask[3:29:2, 5:27:3] = True  # a pattern no other mask of the fixture draws
    bobs = save_revision(section, second_annotator, mask)
    section.refresh_from_db()
    assert section.submitted_count < project.required_annotations
    png = bytes(AnnotationRevision.objects.get(annotation=bobs).mask_png)
    return {"annotation": bobs, "png": png, "b64": base64.b64encode(png)}


def _urls(ids: dict) -> list[str]:
    """Every route that answers a GET (and the export in each format), the slow ones aside."""
    urls = [concrete(route, ids) for route, view in routes() if _answers_get(view)]
    urls += [f"/api/projects/{ids['slug']}/export/?format={fmt}" for fmt in EXPORTS]
    return [url for url in urls if url is not None and not any(part in url for part in SLOW)]


def _walk(client, ids: dict, blind: dict) -> tuple[list[str], int]:
    """GET every route (and the export in each format) as ``client``: the answers that carry
    Bob's mask, and how many answered 200."""
    leaks, opened = [], 0
    for url in _urls(ids):
        response = client.get(url)
        opened += response.status_code == 200
        body = _unpacked(_body(response))
        if blind["png"] in body or blind["b64"] in body:
            leaks.append(f"{url}: {response.status_code}")
    return leaks, opened


def _assert_blind(client, ids: dict, blind: dict, annotator) -> None:
    leaks, opened = _walk(client, ids, blind)
    assert not leaks, "\n".join(leaks)
    assert opened > 40  # the walk reached pages, not only refusals
    bobs = blind["annotation"].pk
    assert client.get(f"/api/annotations/{bobs}/").status_code == 404
    assert client.get(f"/api/annotations/{bobs}/revisions/?include_masks=true").status_code == 404
    listed = client.get(f"/api/sections/{ids['section_id']}/annotations/").json()
    assert {a["annotator"] for a in listed} == {annotator.username}
    assert Annotation.objects.filter(pk=bobs).exists()


def test_an_annotator_reads_nothing_of_a_co_annotators_mask_by_any_route(ids, blind, annotator):
    _assert_blind(
        signed_in(annotator), ids | {"annotation_id": blind["annotation"].pk}, blind, annotator
    )


def test_a_manager_who_annotates_reads_nothing_of_it_either(ids, blind, annotator, project):
    """Alice holds the manager role as well: while the section is still open she is as blind on
    it as any annotator, and its review, agreement and consensus are refused to her."""
    Membership.objects.create(project=project, user=annotator, role=Role.MANAGER)
    client = signed_in(annotator)
    _assert_blind(client, ids | {"annotation_id": blind["annotation"].pk}, blind, annotator)
    section = {"section_id": ids["section_id"]}
    assert client.get(reverse("review", kwargs=section)).status_code == 403
    assert client.get(reverse("api-section-agreement", kwargs=section)).status_code == 403
    assert client.post(reverse("api-section-consensus", kwargs=section)).status_code == 403
    export = client.get(f"/api/projects/{ids['slug']}/export/?format=png")
    with zipfile.ZipFile(io.BytesIO(_body(export))) as archive:
        withheld = archive.read("withheld.csv").decode().splitlines()
    assert withheld[1].split(",")[0] == str(ids["section_id"])
    page = client.get(reverse("project-export", kwargs={"slug": ids["slug"]})).content.decode()
    assert "withheld.csv" in page


def test_a_manager_who_does_not_annotate_reads_it(ids, blind, manager):
    """The walk can see a leak: a pure manager's export carries Bob's mask."""
    response = signed_in(manager).get(f"/api/projects/{ids['slug']}/export/?format=png")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(_body(response))) as archive:
        assert blind["png"] in archive.read(next(n for n in archive.namelist() if "_bob_" in n))
        assert "withheld.csv" not in archive.namelist()


def test_the_reviewer_does_read_it(ids, blind, reviewer):
    """The check above can see a leak: the reviewer's answer carries Bob's mask."""
    bobs = blind["annotation"].pk
    response = signed_in(reviewer).get(f"/api/annotations/{bobs}/revisions/?include_masks=true")
    assert response.status_code == 200
    assert blind["b64"] in response.content


# A page's CSRF token (a form's, the page config's, the API docs' request header) is new on
# every answer.
_TOKENS = re.compile(
    rb'(csrfmiddlewaretoken" value="|csrfToken": "|CSRFToken"\] = ")[^"]+', re.IGNORECASE
)


def _answers(client, ids: dict) -> dict[str, tuple[int, bytes]]:
    answers = {}
    for url in _urls(ids):
        response = client.get(url)
        answers[url] = (response.status_code, _TOKENS.sub(rb"\1", _unpacked(_body(response))))
    return answers


def _redrawn_by_carol(blind: dict, carol) -> None:
    """Bob's submission of the blind section becomes Carol's, drawn otherwise and after other
    work: the section's own counts (its submissions) stay as they were."""
    annotation = blind["annotation"]
    Annotation.objects.filter(pk=annotation.pk).update(annotator=carol)
    mask = np.zeros(annotation.section.shape, dtype=bool)
    mask[10:22, 6:30] = True
    AnnotationRevision.objects.filter(annotation=annotation).update(
        mask_png=encode_mask(mask), foreground_pixels=int(mask.sum()), author=carol
    )
    CorrectionEffort.objects.filter(annotation=annotation).update(active_time_s=1234.0)


def test_no_figure_tells_a_manager_who_annotates_anything_of_a_co_annotators_work(
    ids, blind, annotator, project, third_annotator
):
    """Alice, a manager who annotates, walks every route; then Bob's submission of the blind
    section becomes Carol's, with another outline, another Dice with the stain and more work
    behind it, and she walks again: no answer may change (the dashboard, the review queue, the
    rounds' correction effort and every other figure leave it out for her)."""
    section = Section.objects.get(pk=ids["section_id"])
    fluorescence_truth(section, np.ones(section.shape, dtype=bool))
    CorrectionEffort.objects.create(
        annotation=blind["annotation"], revision=1, origin="blank", active_time_s=90.0
    )
    Membership.objects.create(project=project, user=annotator, role=Role.MANAGER)
    client = signed_in(annotator)
    before = _answers(client, ids)
    _redrawn_by_carol(blind, third_annotator)
    after = _answers(client, ids)
    changed = [url for url in before if before[url] != after[url]]
    assert not changed, "\n".join(changed)
    assert sum(status == 200 for status, _ in before.values()) > 40


def test_the_figure_walk_can_see_a_change(ids, blind, reviewer, third_annotator):
    """The walk above can see a leak: to a reviewer who does not annotate, the dashboard shows
    whose the submission is and how it scores."""
    section = Section.objects.get(pk=ids["section_id"])
    fluorescence_truth(section, np.ones(section.shape, dtype=bool))
    url = f"/api/projects/{ids['slug']}/dashboard/"
    client = signed_in(reviewer)
    before = client.get(url).json()
    _redrawn_by_carol(blind, third_annotator)
    assert client.get(url).json()["annotators"] != before["annotators"]
