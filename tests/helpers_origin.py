"""Fixtures of the tests of an annotation's origin (a model proposal corrected, or drawn from
scratch): ``section``, a section of a two-section volume, and ``version``, a tiny model
version of input 32."""

from __future__ import annotations

import pytest

from annotations.models import Section
from tests.api.test_annotation_api import SHAPE


@pytest.fixture(name="section")
def origin_section(specimen, make_volume):
    volume = make_volume(specimen, shape=(2, *SHAPE))
    return Section.objects.filter(volume=volume).order_by("z").first()


@pytest.fixture(name="version")
def origin_version(project):
    from tests.helpers_evaluation import tiny_model_version

    return tiny_model_version(project, input_size=32)
