"""Row locks the annotation and review services share.

Lock order: the section row first (only where a change touches the section: its counters or
status), then annotation rows. Every service takes them in this order, so two requests touching
the same section wait for each other instead of deadlocking.
"""

from __future__ import annotations

from annotations.models import Section


def lock_section(section: Section) -> Section:
    """``section`` again, locked for this transaction, with its volume, project and specimen."""
    return (
        Section.objects.select_for_update(of=("self",))
        .select_related("volume", "project", "specimen")
        .get(pk=section.pk)
    )
