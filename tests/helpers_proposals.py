"""What the tests of a section's proposal share: an empty cache around each test, the
proposal's URL and its PNG decoded independently."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.cache import cache
from PIL import Image


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def url(section) -> str:
    return f"/api/sections/{section.pk}/proposal.png"


def png_mask(content: bytes) -> np.ndarray:
    """Decoded with Pillow, not the project's mask decoder."""
    return np.asarray(Image.open(io.BytesIO(content)).convert("L")) > 127
