"""Tell the pages open on a section what a reviewer decided (``annotations/consumers.py``).

A notice is ``{"type": "review_decision", "section", "action", "by", "status", "annotators",
"said"}``: ``said`` is the line a page shows ("rita sent this section back to alice (…): “…”"),
the same words as the 409 a stale save gets (an annotator a send-back names hears it told to them
alone: "rita sent this section back to you (…)"). It is sent once the decision commits; the audit
trail stays the record, so a page that missed it learns the same at its next save.
"""

from __future__ import annotations

from annotations.consumers import NOTICE_HANDLER, section_group
from annotations.models import AuditEvent, ReviewAction, Section
from annotations.selectors.review.last_decision import what_happened
from cellweb.events import emit_after_commit


def announce_decision(section: Section, event: AuditEvent) -> AuditEvent:
    """Publish ``event`` (a confirmation, send-back or exclusion of ``section``) to the
    section's open pages after the commit; returns ``event``."""
    notice = {
        "type": "review_decision",
        "section": section.pk,
        "action": event.action,
        "by": event.actor.get_username() if event.actor else None,
        "status": section.status,
        "annotators": list((event.detail or {}).get("annotators", [])),
        "said": what_happened(section, event),
    }
    if event.action == ReviewAction.SEND_BACK:
        # What each annotator it names hears instead (``annotations.consumers.told``).
        notice["said_to_you"] = what_happened(section, event, to_you=True)
    emit_after_commit(section_group(section.pk), notice, handler=NOTICE_HANDLER)
    return event
