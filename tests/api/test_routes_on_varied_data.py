"""No page or endpoint fails on the kinds of data labs bring: every GET route of the site, read by
each member of a project whose sections are a two-channel bright-field + phase field, a
nucleus + cytoplasm section with touching nuclei stored as an instance map, an odd-sized
phase-contrast field with negative values, and a blank (constant) bright-field field, answers
without a server error.

The routes come from the URL configuration (as in ``test_gets_write_nothing``), so a route added
later takes part. The jobs' ids name nothing here (their pages are read over real jobs there); the
point is every reader of a specimen, volume, section or annotation.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client

from annotations.imaging.labels import encode_instance_map
from annotations.models import Membership, Project
from annotations.services.volumes import volume_create
from tests.api.test_gets_write_nothing import answers_get, concrete, routes
from tests.helpers_classes import LABELS, add_cells, touching_cell
from tests.helpers_training import numbered_specimens
from tests.review_support import save_revision
from tests.unit.test_multichannel_import import bf_phase_field

NOTHING = 987654  # an id of no object: the job pages answer 404


def _phase_field() -> np.ndarray:
    rng = np.random.default_rng(5)
    field = rng.normal(0.0, 0.05, (1, 37, 101)).astype(np.float32)
    field[0, 10:20, 40:60] += 0.6  # a nucleus, brighter in phase
    field[0, 30:, 90:] = -3.0  # a dark corner below zero, as phase maps have
    return field


def _fields_project(project) -> Project:
    """A second project with the same members (a project's label-free images share channels)."""
    fields = Project.objects.create(slug="fields", name="Fields", required_annotations=1)
    for member in project.memberships.all():
        Membership.objects.create(project=fields, user=member.user, role=member.role)
    return fields


@pytest.fixture
def places(project, make_volume, manager, annotator, reviewer, media_root) -> list[dict]:
    add_cells(project, make_volume, n=1, sections=2)
    classed = project.specimens.get().volumes.get().sections.order_by("z").first()
    instances, classes = touching_cell(np.random.default_rng(1))
    save_revision(
        classed,
        annotator,
        instances > 0,
        png=encode_instance_map(instances, classes, LABELS),
    )
    phase, blank = numbered_specimens(project, 2, prefix="field")
    (two_channel,) = numbered_specimens(_fields_project(project), 1, prefix="field")
    bf_phase = volume_create(
        specimen=two_channel,
        data=bf_phase_field()[None],
        modality="brightfield",
        channel_names=["bf", "phase"],
    )
    odd = volume_create(specimen=phase, data=_phase_field(), modality="phase")
    flat = volume_create(
        specimen=blank, data=np.full((1, 24, 24), 812.0, np.float32), modality="brightfield"
    )
    found = []
    for section in (classed, bf_phase.sections.get(), odd.sections.get(), flat.sections.get()):
        mask = np.zeros(section.shape, bool)
        mask[2:9, 3:12] = True
        annotation = section.annotations.first() or save_revision(section, annotator, mask)
        found.append(
            {
                "slug": section.volume.specimen.project.slug,
                "specimen_id": section.volume.specimen_id,
                "volume_id": section.volume_id,
                "section_id": section.pk,
                "fluorescence_section_id": section.pk,
                "annotation_id": annotation.pk,
            }
        )
    return found


def test_no_route_fails_on_multichannel_classed_or_odd_sections(
    places, manager, annotator, reviewer
):
    ids = {
        "layer": "model",
        "name": "dice",
        "value": 1,
        "number": 1,
        **dict.fromkeys(
            [
                "version_id",
                "other_version_id",
                "evaluation_id",
                "prediction_id",
                "curve_id",
                "import_job_id",
                "model_import_job_id",
                "training_job_id",
                "membership_id",
            ],
            NOTHING,
        ),
    }
    failures = []
    shown: set[str] = set()
    readers = [route for route, view in routes() if answers_get(view)]
    # A route that names no id of a place (the schema, the project's pages) is read once a
    # member, not once a place.
    urls: set[str] = set()
    for place in places:
        of_place = {concrete(route, ids | place) for route in readers}
        assert None not in of_place, "a route names an id this test does not know"
        urls |= of_place
    for user in (manager, annotator, reviewer):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for url in sorted(urls):
            if "/bioimageio/" in url:
                continue
            status = client.get(url).status_code
            if status == 200 and str(NOTHING) not in url:
                shown.add(url)
            if status >= 500:
                failures.append(f"{user.username} GET {url}: {status}")
    assert not failures, "\n".join(failures)
    # The walk reached the readers of each place, not only their refusals.
    for place in places:
        assert f"/api/sections/{place['section_id']}/" in shown
        assert f"/sections/{place['section_id']}/annotate/" in shown
    print(f"varied data: {len(shown)} pages and answers shown")
