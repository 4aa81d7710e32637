"""Rendered PNGs: this process's byte-bounded memory, the shared cache behind it, and rendering."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage

from annotations.imaging.render import render_png

from .sources import SectionSource
from .spec import SectionImage


@lru_cache(maxsize=64)
def _memmap(path: str, mtime: float) -> np.ndarray:
    return np.load(path, mmap_mode="r")


def _section_pixels(source: SectionSource, channel: int) -> np.ndarray:
    path = default_storage.path(source.data_name)
    pixels = _memmap(path, os.path.getmtime(path))[source.z]
    return pixels[channel] if source.channel_names else pixels


class PngMemory:
    """An LRU of rendered PNGs bounded by their total size in bytes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            png = self._items.get(key)
            if png is not None:
                self._items.move_to_end(key)
            return png

    def put(self, key: str, png: bytes) -> None:
        budget = settings.SECTION_IMAGE_MEMORY_MB * 1024 * 1024
        if len(png) > budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = png
            self._bytes += len(png)
            while self._bytes > budget:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


png_memory = PngMemory()


def section_image_png(*, spec: SectionImage) -> bytes:
    """The PNG for ``spec``: from this process's memory, from the shared cache (default windows
    only), or rendered now and kept in both."""
    png = png_memory.get(spec.cache_key)
    if png is not None:
        return png
    if spec.shared:
        png = cache.get(spec.cache_key)
    if png is None:
        png = render_png(
            _section_pixels(spec.source, spec.channel),
            modality=spec.source.modality,
            window=spec.window,
            stats=spec.stats or None,
            tint=spec.tint,
            max_size=spec.size,
        )
        if spec.shared:
            cache.set(spec.cache_key, png, timeout=settings.SECTION_IMAGE_MAX_AGE or 3600)
    png_memory.put(spec.cache_key, png)
    return png
