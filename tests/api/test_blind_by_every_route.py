"""The blind rule by every route: while a section lacks its required submissions, an annotator
reads nothing of a co-annotator's mask of it through any GET of the site (pages, APIs,
downloads, the export in each format), and the co-annotator's annotation is 404 to them.

The routes come from the URL configuration (``tests/helpers_routes.py``), so a route added
later is held to the rule without editing this file; the section and annotation ids it fills in
are the blind section's and the co-annotator's.
"""

from __future__ import annotations

import base64
import io
import zipfile

import numpy as np
import pytest

from annotations.models import Annotation, AnnotationRevision, Section
from tests.conftest import signed_in
from tests.helpers_routes import concrete, routes
from tests.review_support import save_revision

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


def test_an_annotator_reads_nothing_of_a_co_annotators_mask_by_any_route(ids, blind, annotator):
    client = signed_in(annotator)
    ids = ids | {"annotation_id": blind["annotation"].pk}
    urls = [concrete(route, ids) for route, view in routes() if _answers_get(view)]
    urls += [f"/api/projects/{ids['slug']}/export/?format={fmt}" for fmt in EXPORTS]
    leaks, opened = [], 0
    for url in urls:
        if url is None or any(part in url for part in SLOW):
            continue
        response = client.get(url)
        opened += response.status_code == 200
        body = _unpacked(_body(response))
        if blind["png"] in body or blind["b64"] in body:
            leaks.append(f"{url}: {response.status_code}")
    assert not leaks, "\n".join(leaks)
    assert opened > 40  # the walk reached pages, not only refusals
    bobs = blind["annotation"].pk
    assert client.get(f"/api/annotations/{bobs}/").status_code == 404
    assert client.get(f"/api/annotations/{bobs}/revisions/?include_masks=true").status_code == 404
    listed = client.get(f"/api/sections/{ids['section_id']}/annotations/").json()
    assert {a["annotator"] for a in listed} == {annotator.username}
    assert Annotation.objects.filter(pk=bobs).exists()


def test_the_reviewer_does_read_it(ids, blind, reviewer):
    """The check above can see a leak: the reviewer's answer carries Bob's mask."""
    bobs = blind["annotation"].pk
    response = signed_in(reviewer).get(f"/api/annotations/{bobs}/revisions/?include_masks=true")
    assert response.status_code == 200
    assert blind["b64"] in response.content
