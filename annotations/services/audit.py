"""The audit trail of a section: every decision on it, who made it and what it changed."""

from __future__ import annotations

from datetime import datetime

from annotations.models import AuditEvent, Section


def audit(
    section_id: int, actor, action: str, detail: dict, *, at: datetime | None = None
) -> AuditEvent:
    """Record ``action`` on a section by ``actor`` (None: the system), now or ``at``."""
    event = AuditEvent(section_id=section_id, actor=actor, action=action, detail=detail)
    if at is not None:
        event.at = at
    event.save()
    return event


def section_change_audited(
    section: Section, actor, action: str, detail: dict, **changes
) -> AuditEvent:
    """Set and save the section's ``changes``, then record ``action`` with ``detail``."""
    for name, value in changes.items():
        setattr(section, name, value)
    section.save(update_fields=[*changes, "updated_at"])
    return audit(section.pk, actor, action, detail)
