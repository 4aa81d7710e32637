"""What rendering needs about a section, kept in memory, and who may see a project's images."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection
from django.http import Http404

from annotations.models import Membership, Section

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
    # The channel names of a multi-channel section (bright-field + phase); () for one channel.
    channel_names: tuple[str, ...] = ()


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
        .values_list(  # in SectionSource's field order
            "project_id",
            "volume_id",
            "z",
            "volume__modality",
            "volume__size_y",
            "volume__size_x",
            "volume__data",
            "stats",
            "volume__channel_names",
        )
        .first()
    )
    if row is None:
        _sources.pop(section_id, None)
        return None
    *fields, stats, names = row
    source = SectionSource(section_id, *fields, stats or {}, tuple(names or ()))
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
