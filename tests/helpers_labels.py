"""Shared by the label set tests: a section two annotators drew nuclei on, and its stored masks."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from django.contrib.auth.models import Permission
from PIL import Image

from annotations.models import AnnotationRevision, Section


def b64_mask(mask: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray((mask * 255).astype(np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def annotated_section(api, specimen, make_volume, annotator, second_annotator):
    """Two annotators saved nucleus masks of one section."""
    volume = make_volume(specimen, shape=(1, 16, 20))
    section = Section.objects.get(volume=volume)
    for user, rows in ((annotator, slice(2, 8)), (second_annotator, slice(3, 9))):
        mask = np.zeros((16, 20), dtype=bool)
        mask[rows, 4:12] = True
        response = api(user).put(
            f"/api/sections/{section.pk}/annotations/mine/",
            {"base_revision": None, "mask_png": b64_mask(mask), "action": "submit"},
            format="json",
        )
        assert response.status_code == 200, response.content
    return section


def stored_masks(project) -> list[bytes]:
    return [
        bytes(blob)
        for blob in AnnotationRevision.objects.filter(annotation__section__project=project)
        .order_by("pk")
        .values_list("mask_png", flat=True)
    ]


@pytest.fixture
def creator(outsider):
    """A user with no project yet who may create projects."""
    outsider.user_permissions.add(Permission.objects.get(codename="add_project"))
    return outsider
