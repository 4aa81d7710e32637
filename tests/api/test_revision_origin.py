"""Every saved revision records where its mask started: blank, the annotator's own previous
section, or a model version's proposal."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import AnnotationRevision, Project
from tests.api.test_annotation_api import b64, mine_url, rect_mask
from tests.helpers_origin import origin_section, origin_version  # noqa: F401 (fixtures)


def _save(client, section, base, **extra):
    body = {"mask_png": b64(rect_mask()), "base_revision": base, **extra}
    return client.put(mine_url(section), body, format="json")


def _origins(section):
    return list(
        AnnotationRevision.objects.filter(annotation__section=section)
        .order_by("number")
        .values_list("origin", "origin_model_version")
    )


def test_default_is_blank_and_later_saves_keep_the_origin(api, annotator, section, version):
    client = api(annotator)
    assert _save(client, section, None).status_code == 200
    assert (
        _save(client, section, 1, origin="model", origin_model_version=version.pk).status_code
        == 200
    )
    # A save that names no origin keeps the latest one: the draft still started from the model.
    assert _save(client, section, 2, action="submit").status_code == 200
    assert _origins(section) == [("blank", None), ("model", version.pk), ("model", version.pk)]
    history = client.get(
        f"/api/annotations/{AnnotationRevision.objects.filter(annotation__section=section).first().annotation_id}/revisions/"
    ).json()
    assert [(h["origin"], h["origin_model_version"]) for h in history] == _origins(section)


def test_own_previous(api, annotator, section):
    assert _save(api(annotator), section, None, origin="own_previous").status_code == 200
    assert _origins(section) == [("own_previous", None)]


def test_stale_version_is_still_recorded(api, annotator, manager, section, version, project):
    """The active model changed since the proposal was loaded: its version is kept."""
    from inference.services.model_versions import model_version_activate
    from tests.helpers_evaluation import tiny_model_version

    model_version_activate(version=version, user=manager)
    newer = tiny_model_version(project, input_size=32, name="newer", seed=1)
    model_version_activate(version=newer, user=manager)
    response = _save(api(annotator), section, None, origin="model", origin_model_version=version.pk)
    assert response.status_code == 200
    assert _origins(section) == [("model", version.pk)]


@pytest.mark.parametrize(
    "extra, words",
    [
        ({"origin": "guess"}, "origin"),
        ({"origin": "model"}, "origin_model_version"),
        ({"origin": "blank", "origin_model_version": "VERSION"}, "origin_model_version"),
        ({"origin": "model", "origin_model_version": 999_999}, "not a model of this project"),
        ({"origin": "model", "origin_model_version": "OTHER"}, "not a model of this project"),
    ],
)
def test_bad_origin_is_refused_and_nothing_is_written(
    api, annotator, section, version, extra, words
):
    other = Project.objects.create(name="Other", slug="other")
    from tests.helpers_evaluation import tiny_model_version

    foreign = tiny_model_version(other, input_size=32)
    swap = {"VERSION": version.pk, "OTHER": foreign.pk}
    extra = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in extra.items()}
    response = _save(api(annotator), section, None, **extra)
    assert response.status_code == 400, response.content
    assert words in response.content.decode()
    assert not AnnotationRevision.objects.filter(annotation__section=section).exists()
    assert np.asarray(_origins(section)).size == 0
