"""The section image of a multi-channel section shows one channel at a time (``?channel=k``), each
in its own default window; a channel the section does not have is a 400."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from annotations.models import Section
from annotations.services.volumes import volume_create
from tests.helpers_schema import assert_documented
from tests.unit.test_multichannel_import import bf_phase_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def bf_phase_section(specimen):
    field = bf_phase_field()
    volume = volume_create(
        specimen=specimen,
        data=field[None],
        modality="brightfield",
        channel_names=["bf", "phase"],
    )
    return Section.objects.get(volume=volume), field


def _greys(response) -> np.ndarray:
    assert response.status_code == 200, response.content[:200]
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("L")).astype(int)


def test_each_channel_is_its_own_picture(api, annotator, bf_phase_section):
    section, field = bf_phase_section
    client = api(annotator)
    url = f"/api/sections/{section.pk}/image.png"

    bf, phase = _greys(client.get(url)), _greys(client.get(url + "?channel=1"))
    same_as_default = _greys(client.get(url + "?channel=0"))

    np.testing.assert_array_equal(bf, same_as_default)
    nucleus = field[1] > 0.5
    # Bright-field: the nucleus is dark; phase: bright.
    assert bf[nucleus].mean() < bf[~nucleus].mean() - 100
    assert phase[nucleus].mean() > phase[~nucleus].mean() + 100
    assert client.get(url).headers["ETag"] != client.get(url + "?channel=1").headers["ETag"]


@pytest.mark.parametrize("channel", ["2", "-1", "phase"])
def test_a_channel_the_section_lacks_is_a_400(api, annotator, bf_phase_section, channel):
    section, _ = bf_phase_section
    response = api(annotator).get(f"/api/sections/{section.pk}/image.png?channel={channel}")
    assert response.status_code == 400
    assert "channel" in response.json()["detail"]


def test_a_single_channel_section_has_only_channel_0(api, annotator, specimen, make_volume):
    section = Section.objects.filter(volume=make_volume(specimen)).first()
    client = api(annotator)
    assert client.get(f"/api/sections/{section.pk}/image.png?channel=0").status_code == 200
    assert client.get(f"/api/sections/{section.pk}/image.png?channel=1").status_code == 400


def test_the_editor_and_viewer_configs_name_the_channels(bf_phase_section):
    from annotations.selectors.viewer import specimen_viewer

    section, _ = bf_phase_section
    assert specimen_viewer(specimen=section.specimen)["config"]["channels"] == ["bf", "phase"]


def test_a_multi_channel_section_volume_and_specimen_read_as_documented(
    api, annotator, bf_phase_section
):
    # Their stats hold a list per channel besides the numbers of the first channel.
    section, _ = bf_phase_section
    client = api(annotator)
    reads = {
        "/api/sections/{section_id}/": f"/api/sections/{section.pk}/",
        "/api/volumes/{volume_id}/": f"/api/volumes/{section.volume_id}/",
        "/api/specimens/{specimen_id}/": f"/api/specimens/{section.volume.specimen_id}/",
    }
    for documented, url in reads.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:200])
        assert_documented(client, "get", documented, response)
    stats = client.get(f"/api/sections/{section.pk}/").json()["stats"]
    assert len(stats["channels"]) == 2 and isinstance(stats["p99"], float)
