"""What the review page's Decision card offers (``actions``) and says first (``decisionNote``).

A section whose ground truth is an imported mask (an expert's, docs/handoffs.md) and that has no
consensus offers no Confirm: nothing of the annotators' is there to confirm, and the API refuses
it as well (409 ``imported_ground_truth``, ``services/review/standing.py``). Send back is offered
only when someone annotated the section; Exclude and Include stay.

An annotator who has left the project (``permissions.no_longer_annotators``) keeps their
submitted annotation in the consensus, and the page says they left (``left_said``); the
send-back API refuses them, so the page offers no send-back to them, and none at all when every
annotator has left (``sendBackNote`` says why).
"""

from __future__ import annotations

from collections.abc import Collection

from django.urls import reverse

from annotations.models import Section
from cellweb.words import counted

_ACTIONS = {
    "confirm": "api-review-confirm",
    "sendBack": "api-review-send-back",
    "exclude": "api-review-exclude",
    "include": "api-review-include",
}


def no_consensus_said(section: Section) -> str:
    """Why the section has no consensus, in one sentence."""
    submitted = section.submitted_count
    if submitted == 0:
        return "There is no consensus to confirm: no annotation of this section is submitted."
    return (
        f"There is no consensus to confirm yet: {counted(submitted, 'annotation')} submitted, "
        f"the project asks for "
        f"{section.project.required_annotations}."
    )


def left_said(name: str) -> str:
    """What the review page says of an annotator who has left the project (or holds another
    role in it only)."""
    return (
        f"{name} is no longer an annotator of this project: their submitted annotation still "
        "counts in the consensus, but it cannot be sent back to them."
    )


def _nobody_to_send_back(left: list[str]) -> str:
    who = ", ".join(left)
    return (
        f"Nobody to send this section back to: {who} "
        f"{'is no longer an annotator' if len(left) == 1 else 'are no longer annotators'} of "
        "this project."
    )


def decision_card(
    *,
    section: Section,
    has_consensus: bool,
    imported: dict | None,
    annotators,
    can_act: bool,
    left: Collection[str] = (),
) -> dict:
    """``actions``: the URLs of the decisions offered (none without the right to decide: the
    page then shows them disabled); ``decisionNote``: for a section scored against an imported
    mask with no consensus, which mask and why there is nothing to confirm (else None);
    ``sendBackNote``: why there is no send-back when every one of the ``annotators`` has
    ``left`` the project (else None)."""
    imported_only = imported is not None and not has_consensus
    offered = set(_ACTIONS) if can_act else set()
    if imported_only:
        offered.discard("confirm")
        if not annotators:
            offered.discard("sendBack")
    everyone_left = bool(annotators) and set(annotators) <= set(left)
    if everyone_left:
        offered.discard("sendBack")
    return {
        "actions": {
            key: reverse(name, args=[section.pk])
            for key, name in _ACTIONS.items()
            if key in offered
        },
        "decisionNote": f"{imported['said']} {no_consensus_said(section)}"
        if imported_only
        else None,
        "sendBackNote": _nobody_to_send_back(sorted(left)) if everyone_left else None,
    }
