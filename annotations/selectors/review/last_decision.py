"""The latest decision on a section, in words: for a reviewer whose decision came too late
(``services/review/standing.py``) and for an annotator whose save or reopen found the section
changed (``services/annotation``): who did what, when, and why."""

from __future__ import annotations

from annotations.models import AuditEvent, ReviewAction, Section, SectionStatus
from cellweb.times import utc_minute
from cellweb.words import quoted

DECISIONS = (
    ReviewAction.SEND_BACK,
    ReviewAction.EXCLUDE,
    ReviewAction.REOPEN,
    ReviewAction.CONFIRM,
    ReviewAction.EDIT_CONFIRM,
)


def last_decision(section: Section) -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(section=section, action__in=DECISIONS)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )


def what_happened(section: Section, event: AuditEvent | None, *, to_you: bool = False) -> str:
    """What put ``section`` in its status, in one or two sentences (``event``: its latest
    decision, ``last_decision``); ``to_you``: a send-back told to one annotator it names, as
    "back to you" (the others it names are not theirs to know)."""
    who = event.actor.get_username() if event is not None and event.actor else "Someone"
    when = f" ({utc_minute(event.at)})" if event is not None else ""
    detail = event.detail if event is not None else {}
    if section.status == SectionStatus.EXCLUDED:
        reason, stop = quoted(detail.get("reason"))
        return f"{who} excluded this section{when}{reason}{stop}"
    if section.status == SectionStatus.SENT_BACK:
        names = "you" if to_you else ", ".join(detail.get("annotators", [])) or "its annotators"
        comment, stop = quoted(detail.get("comment"))
        return (
            f"{who} sent this section back to {names}{when}{comment}{stop} It returns to review "
            "when they submit again."
        )
    if section.status == SectionStatus.OPEN:
        return (
            "This section is waiting for annotations (fewer are submitted than it needs, e.g. "
            "an annotator reopened theirs); it returns to review when they submit."
        )
    if section.status == SectionStatus.CONFIRMED and event is not None:
        version = f" version {detail['version']}" if detail.get("version") else ""
        return f"{who} confirmed this section's ground truth{version}{when}."
    return f"The section is {section.get_status_display().lower()}."


# What a confirmed or excluded section means for its annotations: the 409 code, and the words.
_LOCKED = {
    SectionStatus.EXCLUDED: ("section_excluded", "It no longer takes annotations"),
    SectionStatus.CONFIRMED: ("section_confirmed", "Its annotations are locked"),
}


def section_locked(section: Section) -> dict | None:
    """Why nobody may save on ``section`` any more, or None while it takes annotations:
    ``code`` (``section_confirmed``, ``section_excluded``), ``said`` (who did it, when and why)
    and ``then`` (what that means for its annotations)."""
    if section.status not in _LOCKED:
        return None
    code, then = _LOCKED[section.status]
    return {"code": code, "said": what_happened(section, last_decision(section)), "then": then}


def section_locked_said(section: Section) -> dict | None:
    """``section_locked`` as the annotation API answers it: ``code`` and ``detail`` (one line),
    or None while the section takes annotations."""
    locked = section_locked(section)
    if locked is None:
        return None
    return {"code": locked["code"], "detail": f"{locked['said']} {locked['then']}."}
