"""Rendered section images: what rendering needs, the PNGs, and who may see them.

A viewer scrolling through a volume asks for dozens of section PNGs a second. Through Django's
middleware, session and membership lookups each answer costs several milliseconds of CPU, far
more than sending bytes that are already rendered. So each process keeps in memory:

- **section sources**: what rendering needs to know about a section (file, z, modality, project);
- **rendered PNGs**: a byte-bounded LRU (``SECTION_IMAGE_MEMORY_MB``). Behind it, the shared
  cache holds the renders of each section's default window, which every viewer asks for first;
  a window of one's own, such as a slider being dragged, is not worth a round trip there;
- **grants**: which session may see the images of which project, learned through Django's own
  session store and ``django.contrib.auth.get_user`` (session hash, active user, backends) plus
  the membership query of the image API, and kept for ``SECTION_IMAGE_GRANT_TTL`` seconds.

Whatever can take access away (a logout, a membership change, a user deactivated or given a new
password, a deleted volume or project) calls :func:`revoke_image_access`. That forgets the grants
of this process at once and writes a new access epoch to the shared cache. Every other process
reads the epoch at most ``SECTION_IMAGE_GRANT_RECHECK_S`` seconds apart and forgets its grants
and section sources when it has changed. If the cache cannot be read, the grants are dropped
and every request is checked again.

:func:`answer_from_memory` never touches the database and never blocks on I/O except that
epoch read. :func:`answer` may do both and belongs in a worker thread. Either one returns
``None`` whenever the request is not a plain success (no session, not a member, a bad
parameter, a missing section). The caller then hands the request to the Django view, which
gives the proper 4xx answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import import_module

import numpy as np
from django.conf import settings
from django.contrib import auth
from django.core.cache import cache, caches
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpRequest

from annotations.imaging.render import TINTS, render_png
from annotations.models import Membership, Modality, Section
from cellweb.errors import DomainError, InvalidInput

# Bump when rendering changes, so browsers and the cache do not keep the old pictures.
RENDER_VERSION = 2
IMAGE_SIZE_RANGE = (16, 2048)

# --------------------------------------------------------------------------- sources

# What rendering needs about a section never changes after import (a volume's pixels, its file
# and its project are fixed), so it is kept in memory for a while. Deleting a volume or a project
# revokes image access, which forgets these too; the time limit is a second bound.
_SOURCE_TTL_S = 120.0
_SOURCE_MAX = 20_000
_sources: dict[int, tuple[float, SectionSource]] = {}


@dataclass(frozen=True)
class SectionSource:
    section_id: int
    project_id: int
    volume_id: int
    z: int
    modality: str
    size_y: int
    size_x: int
    data_name: str
    stats: dict


def section_source_in_memory(section_id: int) -> SectionSource | None:
    """The section's source if this process looked it up recently, without a query."""
    hit = _sources.get(section_id)
    if hit is not None and time.monotonic() - hit[0] < _SOURCE_TTL_S:
        return hit[1]
    return None


def forget_section_sources() -> None:
    _sources.clear()


def section_source(section_id: int) -> SectionSource | None:
    """What rendering needs to know about a section (from memory when recent); None if gone."""
    known = section_source_in_memory(section_id)
    if known is not None:
        return known
    row = (
        Section.objects.filter(pk=section_id)
        .values_list(
            "project_id",
            "volume_id",
            "z",
            "stats",
            "volume__modality",
            "volume__size_y",
            "volume__size_x",
            "volume__data",
        )
        .first()
    )
    if row is None:
        _sources.pop(section_id, None)
        return None
    project_id, volume_id, z, stats, modality, size_y, size_x, data_name = row
    source = SectionSource(
        section_id=section_id,
        project_id=project_id,
        volume_id=volume_id,
        z=z,
        modality=modality,
        size_y=size_y,
        size_x=size_x,
        data_name=data_name,
        stats=stats or {},
    )
    if len(_sources) >= _SOURCE_MAX:
        _sources.clear()
    _sources[section_id] = (time.monotonic(), source)
    return source


_MEMBER_SQL = (
    f"SELECT 1 FROM {Membership._meta.db_table} WHERE project_id = %s AND user_id = %s LIMIT 1"
)


def may_see_section_images(user, project_id: int) -> bool:
    """Any role in the project (what ``permissions.user_roles`` answers), in one plain query:
    building an ORM query costs more than the rest of a cached image request."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    with connection.cursor() as cursor:
        cursor.execute(_MEMBER_SQL, [project_id, user.pk])
        return cursor.fetchone() is not None


def section_image_source(*, user, section_id: int) -> SectionSource:
    """The section to render, for any member of its project; 404 otherwise (as get_section)."""
    source = section_source(section_id)
    if source is None or not may_see_section_images(user, source.project_id):
        raise Http404("No such section.")
    return source


@dataclass(frozen=True)
class SectionImage:
    """A fully resolved rendering request; equal requests give identical PNG bytes."""

    source: SectionSource
    window: tuple[float, float]
    size: int | None
    tint: str
    # The section's default window, which every viewer asks for first: worth the shared cache.
    # A window of one's own (a slider being dragged) stays in the process's memory only.
    shared: bool = True

    @cached_property
    def digest(self) -> str:
        s = self.source
        text = (
            f"{RENDER_VERSION}|{s.section_id}|{s.volume_id}|{s.z}|{s.data_name}|"
            f"{self.window[0]!r}|{self.window[1]!r}|{self.size}|{self.tint}|{s.modality}"
        )
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'

    @property
    def cache_key(self) -> str:
        return f"secpng:{self.source.section_id}:{self.digest}"


def _number(params, name: str) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"{name} must be a number (the display window bound); got “{raw[:40]}”."
        ) from None
    if not math.isfinite(value):
        raise InvalidInput(f"{name} must be a finite number.")
    return value


def section_image_params(params) -> dict:
    """lo, hi, size and tint from a query string, checked."""
    size_raw = params.get("size")
    size = None
    if size_raw not in (None, ""):
        try:
            size = int(size_raw)
        except (TypeError, ValueError):
            raise InvalidInput(
                f"size must be a whole number of pixels; got “{size_raw[:40]}”."
            ) from None
    return {
        "lo": _number(params, "lo"),
        "hi": _number(params, "hi"),
        "size": size,
        "tint": params.get("tint") or "gray",
    }


def section_image_spec(
    *,
    source: SectionSource,
    lo: float | None = None,
    hi: float | None = None,
    size: int | None = None,
    tint: str = "gray",
) -> SectionImage:
    """Resolve the display window (RI default, percentiles otherwise) and validate the request."""
    for name, value in (("lo", lo), ("hi", hi)):
        if value is not None and not math.isfinite(value):
            raise InvalidInput(f"The window bound {name} must be a finite number.")
    if source.modality == Modality.RI:
        default_lo, default_hi = settings.RI_WINDOW_DEFAULT
    else:
        stats = source.stats or {}
        default_lo = stats.get("p0_5", stats.get("min", 0.0))
        default_hi = stats.get("p99_5", stats.get("max", 1.0))
        if default_hi <= default_lo:
            default_lo, default_hi = stats.get("min", 0.0), stats.get("max", 1.0)
        if default_hi <= default_lo:
            default_hi = default_lo + 1.0
    window = (float(default_lo if lo is None else lo), float(default_hi if hi is None else hi))
    if not window[0] < window[1]:
        raise InvalidInput(
            f"The display window needs lo < hi; got lo={window[0]:g}, hi={window[1]:g}."
        )
    if size is not None:
        if not IMAGE_SIZE_RANGE[0] <= size <= IMAGE_SIZE_RANGE[1]:
            raise InvalidInput(
                f"size must be between {IMAGE_SIZE_RANGE[0]} and {IMAGE_SIZE_RANGE[1]} pixels."
            )
        if size >= max(source.size_y, source.size_x):
            size = None  # never enlarged, so this is the full-size picture
    if tint not in TINTS:
        raise InvalidInput(f"Unknown tint “{tint}”; choose one of {', '.join(TINTS)}.")
    shared = window == (float(default_lo), float(default_hi))
    return SectionImage(source=source, window=window, size=size, tint=tint, shared=shared)


@lru_cache(maxsize=64)
def _memmap(path: str, mtime: float) -> np.ndarray:
    return np.load(path, mmap_mode="r")


def _section_pixels(source: SectionSource) -> np.ndarray:
    path = default_storage.path(source.data_name)
    return _memmap(path, os.path.getmtime(path))[source.z]


class _PngMemory:
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


_pngs = _PngMemory()


def section_image_png(*, spec: SectionImage) -> bytes:
    """The PNG for ``spec``: from this process's memory, from the shared cache (default windows
    only), or rendered now and kept in both."""
    png = _pngs.get(spec.cache_key)
    if png is not None:
        return png
    if spec.shared:
        png = cache.get(spec.cache_key)
    if png is None:
        png = render_png(
            _section_pixels(spec.source),
            modality=spec.source.modality,
            window=spec.window,
            stats=spec.source.stats or None,
            tint=spec.tint,
            max_size=spec.size,
        )
        if spec.shared:
            cache.set(spec.cache_key, png, timeout=settings.SECTION_IMAGE_MAX_AGE or 3600)
    _pngs.put(spec.cache_key, png)
    return png


# --------------------------------------------------------------------------- grants and answers

EPOCH_CACHE_KEY = "section-image-access-epoch"
_GRANTS_MAX = 20_000


@dataclass(frozen=True)
class ImageRequest:
    """What an image request carries that matters for its answer."""

    section_id: int
    session_key: str | None
    query: Mapping[str, str]
    if_none_match: str = ""


@dataclass(frozen=True)
class ImageAnswer:
    """A successful answer: 200 with the PNG, or 304 when the client's copy is current."""

    status: int
    etag: str
    body: bytes = b""


class _Grants:
    """(session key, project id) -> monotonic expiry, plus the access epoch last seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[tuple[str, int], float] = {}
        self._generation = 0
        self._epoch: object = None
        self._checked_at = float("-inf")

    @property
    def generation(self) -> int:
        return self._generation

    def allowed(self, session_key: str, project_id: int) -> bool:
        expires = self._grants.get((session_key, project_id))
        return expires is not None and time.monotonic() < expires

    def add(self, session_key: str, project_id: int, *, generation: int) -> None:
        with self._lock:
            # Access may have been revoked while the grant was being checked.
            if generation != self._generation:
                return
            if len(self._grants) >= _GRANTS_MAX:
                self._grants.clear()
            self._grants[(session_key, project_id)] = (
                time.monotonic() + settings.SECTION_IMAGE_GRANT_TTL
            )

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._grants.clear()
            forget_section_sources()

    def check_epoch(self) -> None:
        """Forget everything when another process has revoked access since the last look."""
        now = time.monotonic()
        if now - self._checked_at < settings.SECTION_IMAGE_GRANT_RECHECK_S:
            return
        try:
            epoch = _epoch_cache().get(EPOCH_CACHE_KEY)
        except Exception:
            epoch = object()  # an unreadable cache must not keep old grants alive
        if epoch != self._epoch:
            self.forget()
            self._epoch = epoch
        self._checked_at = now

    def clear(self) -> None:
        """Forget grants and the last epoch seen (tests, and a process starting afresh)."""
        self.forget()
        self._epoch = None
        self._checked_at = float("-inf")


_grants = _Grants()


@lru_cache(maxsize=1)
def _epoch_cache():
    """One cache client for the epoch reads, which happen on the server's event loop: there,
    ``django.core.cache.cache`` would open a client (and a Redis connection) per request task."""
    return caches.create_connection("default")


def revoke_image_access() -> None:
    """Take back every grant, in this process at once and in the others at their next check.

    Revocations are rare (a logout, a membership removed) and learning a grant again costs one
    session check, so everything is forgotten rather than tracking who held what.
    """
    _grants.forget()
    # If the cache cannot be written, it cannot be read either: the others drop their grants.
    with contextlib.suppress(Exception):
        cache.set(EPOCH_CACHE_KEY, uuid.uuid4().hex, timeout=None)


def forget_in_process() -> None:
    """Drop this process's grants, PNGs and section sources."""
    _grants.clear()
    _pngs.clear()


def _spec(request: ImageRequest, source) -> SectionImage | None:
    try:
        params = section_image_params(request.query)
        return section_image_spec(source=source, **params)
    except DomainError:
        return None


def etag_matches(etag: str, header: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak or strong)."""
    if not header:
        return False
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part == etag:
            return True
    return False


def _answer_for(request: ImageRequest, source, png_for) -> ImageAnswer | None:
    """304 or 200 for a request whose access is settled; ``png_for(spec)`` may return None."""
    spec = _spec(request, source)
    if spec is None:
        return None
    if etag_matches(spec.etag, request.if_none_match):
        return ImageAnswer(304, spec.etag)
    png = png_for(spec)
    return None if png is None else ImageAnswer(200, spec.etag, png)


def answer_from_memory(request: ImageRequest) -> ImageAnswer | None:
    """The answer when everything it needs is already in this process's memory, else None."""
    if not request.session_key:
        return None
    _grants.check_epoch()
    source = section_source_in_memory(request.section_id)
    if source is None or not _grants.allowed(request.session_key, source.project_id):
        return None
    return _answer_for(request, source, lambda spec: _pngs.get(spec.cache_key))


def _session_may_see(session_key: str, project_id: int) -> bool:
    """Django's own session and user checks, then membership of the project."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    request = HttpRequest()
    request.session = store
    user = auth.get_user(request)
    return may_see_section_images(user, project_id)


def answer(request: ImageRequest) -> ImageAnswer | None:
    """Check the session, find the section and render it if needed (database and cache I/O)."""
    if not request.session_key:
        return None
    _grants.check_epoch()
    generation = _grants.generation
    source = section_source(request.section_id)
    if source is None:
        return None
    if not _grants.allowed(request.session_key, source.project_id):
        if not _session_may_see(request.session_key, source.project_id):
            return None
        _grants.add(request.session_key, source.project_id, generation=generation)
    return _answer_for(request, source, _png_or_none)


def _png_or_none(spec: SectionImage) -> bytes | None:
    try:
        return section_image_png(spec=spec)
    except (OSError, ValueError):
        return None  # a missing or unreadable file: the view explains it
