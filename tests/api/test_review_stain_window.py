"""The fluorescence reference is shown in its volume's window: a section without stained nucleus
stays dark instead of its noise being contrast-stretched over the whole grey range."""

from __future__ import annotations

import io

import numpy as np
from django.test import Client
from PIL import Image

from annotations.models import Section
from tests.helpers_pages import page_config
from tests.review_support import disk

SHAPE = (48, 48)


def test_an_empty_stain_section_stays_dark_while_a_stained_one_is_bright(
    specimen, make_volume, reviewer, api
):
    rng = np.random.default_rng(3)
    stain = (100 + 5 * rng.standard_normal((3, *SHAPE))).astype(np.float32)
    stain[2][disk(SHAPE, 24, 24, 10)] += 900  # only z2 shows a nucleus
    label_free = make_volume(specimen, shape=(3, *SHAPE))
    fluorescence = make_volume(specimen, stain, modality="fluorescence", channel="DAPI")
    for z in range(3):
        Section.objects.filter(volume=label_free, z=z).update(
            fluorescence=Section.objects.get(volume=fluorescence, z=z)
        )

    client = Client()
    client.force_login(reviewer)

    def reference(z: int) -> np.ndarray:
        section = Section.objects.get(volume=label_free, z=z)
        html = client.get(f"/sections/{section.pk}/review/").content.decode()
        config = page_config(html)
        png = api(reviewer).get(config["fluorescence"]["imageUrl"])
        assert png.status_code == 200
        return np.asarray(Image.open(io.BytesIO(png.content)).convert("L"), dtype=float)

    empty, stained = reference(0), reference(2)
    # Its own 0.5-99.5 % window would spread the noise over 0..255 (std ~ 60); the volume's
    # window keeps it within a few grey levels.
    assert empty.std() < 8 and empty.max() < 60
    assert stained[24, 24] > 200
    own_window = api(reviewer).get(
        f"/api/sections/{Section.objects.get(volume=fluorescence, z=0).pk}/image.png"
    )
    own = np.asarray(Image.open(io.BytesIO(own_window.content)).convert("L"), dtype=float)
    assert own.std() > 30
