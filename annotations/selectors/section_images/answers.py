"""Answering an image request: from memory without I/O, or checked and rendered in a thread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest

from cellweb.errors import DomainError

from .grants import process_grants
from .pngs import png_memory, section_image_png
from .sources import may_see_section_images, section_source, section_source_in_memory
from .spec import SectionImage, etag_matches, section_image_params, section_image_spec


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


def forget_in_process() -> None:
    """Drop this process's grants, PNGs and section sources."""
    process_grants.clear()
    png_memory.clear()


def _spec(request: ImageRequest, source) -> SectionImage | None:
    try:
        params = section_image_params(request.query)
        return section_image_spec(source=source, **params)
    except DomainError:
        return None


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
    process_grants.check_epoch()
    source = section_source_in_memory(request.section_id)
    if source is None or not process_grants.allowed(request.session_key, source.project_id):
        return None
    return _answer_for(request, source, lambda spec: png_memory.get(spec.cache_key))


def session_may_see(session_key: str, project_id: int) -> datetime | None:
    """Django's own session and user checks, then membership of the project: when the session
    expires if it may see the project's images, else None."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    request = HttpRequest()
    request.session = store
    user = auth.get_user(request)
    if not may_see_section_images(user, project_id):
        return None
    return _session_expires(store)


def _session_expires(store) -> datetime:
    """When Django stops accepting the session: the stored row's date for the database-backed
    engines (the session's data alone would say "a full age from now"), else its own expiry."""
    if hasattr(store, "get_model_class"):
        rows = store.get_model_class().objects.filter(session_key=store.session_key)
        stored = rows.values_list("expire_date", flat=True).first()
        if stored is not None:
            return stored
    return store.get_expiry_date()


def session_granted(session_key: str, project_id: int, *, generation: int) -> bool:
    """Whether the session may see the project's images: a grant held, else the session checked
    (``session_may_see``) and, if it may, kept as a grant that ends with the session at the
    latest."""
    if process_grants.allowed(session_key, project_id):
        return True
    expires = session_may_see(session_key, project_id)
    if expires is None:
        return False
    process_grants.add(session_key, project_id, generation=generation, session_expires=expires)
    return True


def answer(request: ImageRequest) -> ImageAnswer | None:
    """Check the session, find the section and render it if needed (database and cache I/O)."""
    if not request.session_key:
        return None
    process_grants.check_epoch()
    generation = process_grants.generation
    source = section_source(request.section_id)
    if source is None:
        return None
    if not session_granted(request.session_key, source.project_id, generation=generation):
        return None
    return _answer_for(request, source, _png_or_none)


def _png_or_none(spec: SectionImage) -> bytes | None:
    try:
        return section_image_png(spec=spec)
    except (OSError, ValueError):
        return None  # a missing or unreadable file: the view explains it
