"""Submitting through the API stores the correction effort: Dice against the proposal the
editor loaded, pixels changed and active time; without a proposal, the active time alone."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from sklearn.metrics import f1_score

from annotations.imaging.labels import encode_instance_map
from annotations.models import Annotation, CorrectionEffort, ProposalLoad
from tests.api.test_annotation_api import b64, mine_url, rect_mask
from tests.helpers_origin import origin_section, origin_version  # noqa: F401 (fixtures)


def _put(client, section, mask, base, **extra):
    body = {"mask_png": b64(mask), "base_revision": base, **extra}
    return client.put(mine_url(section), body, format="json")


def _put_from_model(client, section, version, **extra):
    """A first save of a rectangle whose origin is ``version``'s proposal."""
    return _put(
        client, section, rect_mask(), None, origin="model", origin_model_version=version.pk, **extra
    )


def test_submission_from_a_proposal_is_measured_against_the_loaded_proposal(
    api, annotator, section, version
):
    client = api(annotator)
    proposal = rect_mask(4, 6, 20, 30)
    corrected = proposal.copy()
    corrected[20:26, 6:30] = True  # the annotator grows the nucleus downwards
    corrected[4:6, 6:12] = False
    loaded = {"origin": "model", "origin_model_version": version.pk, "proposal_png": b64(proposal)}
    # The editor sends the proposal with every save after loading it; the autosave comes first.
    assert _put(client, section, proposal, None, time_spent_s=4.0, **loaded).status_code == 200
    response = _put(client, section, corrected, 1, time_spent_s=31.5, action="submit", **loaded)
    assert response.status_code == 200, response.content

    effort = CorrectionEffort.objects.get(annotation__section=section)
    assert effort.origin == "model" and effort.origin_model_version == version.pk
    assert effort.revision == 2
    assert effort.proposal_dice == pytest.approx(f1_score(proposal.ravel(), corrected.ravel()))
    assert effort.changed_pixels == int(np.logical_xor(proposal, corrected).sum())
    assert effort.active_time_s == pytest.approx(35.5)
    assert ProposalLoad.objects.get(annotation=effort.annotation).model_version == version.pk


def test_an_unchanged_proposal_scores_one_and_no_pixel(api, annotator, section, version):
    proposal = rect_mask()
    response = _put(
        api(annotator),
        section,
        proposal,
        None,
        origin="model",
        origin_model_version=version.pk,
        proposal_png=b64(proposal),
        action="submit",
        time_spent_s=3.0,
    )
    assert response.status_code == 200
    effort = CorrectionEffort.objects.get(annotation__section=section)
    assert (effort.proposal_dice, effort.changed_pixels) == (1.0, 0)


def test_a_submission_without_a_proposal_records_its_active_time(api, annotator, section):
    client = api(annotator)
    assert _put(client, section, rect_mask(), None, time_spent_s=50.0).status_code == 200
    assert _put(client, section, rect_mask(), 1, time_spent_s=70.0, action="submit").status_code
    effort = CorrectionEffort.objects.get(annotation__section=section)
    assert effort.origin == "blank" and effort.origin_model_version is None
    assert effort.proposal_dice is None and effort.changed_pixels is None
    assert effort.active_time_s == pytest.approx(120.0)


def test_model_origin_without_the_proposal_mask_has_no_dice(api, annotator, section, version):
    """An API client that names the version but sends no proposal: the origin is kept, the
    correction cannot be measured."""
    response = _put_from_model(api(annotator), section, version, action="submit")
    assert response.status_code == 200
    effort = CorrectionEffort.objects.get(annotation__section=section)
    assert effort.origin_model_version == version.pk and effort.proposal_dice is None


def test_a_resubmission_replaces_the_measure(api, annotator, section, version):
    client = api(annotator)
    proposal = rect_mask()
    loaded = {"origin": "model", "origin_model_version": version.pk, "proposal_png": b64(proposal)}
    assert _put(client, section, proposal, None, action="submit", **loaded).status_code == 200
    assert client.post(f"{mine_url(section)}reopen/").status_code == 200
    edited = proposal.copy()
    edited[0:2, 0:10] = True
    assert _put(client, section, edited, 1, action="submit", time_spent_s=12.0).status_code == 200
    effort = CorrectionEffort.objects.get(annotation__section=section)
    assert effort.revision == 2 and effort.changed_pixels == 20
    assert effort.active_time_s == pytest.approx(12.0)


@pytest.mark.parametrize(
    "extra",
    [
        {"origin": "blank"},
        {"origin": "own_previous"},
        {},
    ],
)
def test_a_proposal_mask_without_the_model_origin_is_refused(api, annotator, section, extra):
    response = _put(
        api(annotator), section, rect_mask(), None, proposal_png=b64(rect_mask()), **extra
    )
    assert response.status_code == 400
    assert "proposal_png" in response.json()["detail"]
    assert not Annotation.objects.filter(section=section).exists()


def test_a_proposal_of_another_size_is_refused(api, annotator, section, version):
    response = _put_from_model(
        api(annotator), section, version, proposal_png=b64(np.ones((8, 8), dtype=bool))
    )
    assert response.status_code == 400
    assert not Annotation.objects.filter(section=section).exists()
    assert not ProposalLoad.objects.exists()


def test_an_instance_map_submission_is_measured_on_its_foreground(api, annotator, section, version):
    """The editor saves instance maps: the corrected nucleus cut in two still compares by
    foreground with the loaded proposal."""
    client = api(annotator)
    proposal = rect_mask(4, 6, 20, 30)
    corrected = proposal.copy()
    corrected[20:26, 6:30] = True
    ids = corrected.astype(np.uint16)
    ids[:, 18:][corrected[:, 18:]] = 2  # two touching nuclei after a cut
    body = {
        "mask_png": base64.b64encode(encode_instance_map(ids, {1: 1, 2: 1}, [1])).decode(),
        "base_revision": None,
        "action": "submit",
        "origin": "model",
        "origin_model_version": version.pk,
        "proposal_png": b64(proposal),
    }
    response = client.put(mine_url(section), body, format="json")
    assert response.status_code == 200, response.content
    effort = CorrectionEffort.objects.get(annotation__section=section)
    assert effort.proposal_dice == pytest.approx(f1_score(proposal.ravel(), corrected.ravel()))
    assert effort.changed_pixels == int(np.logical_xor(proposal, corrected).sum())
