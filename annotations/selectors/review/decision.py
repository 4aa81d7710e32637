"""What the review page's Decision card offers (``actions``) and says first (``decisionNote``).

A section whose ground truth is an imported mask (an expert's, docs/handoffs.md) and that has no
consensus offers no Confirm: nothing of the annotators' is there to confirm, and the API refuses
it as well (409 ``imported_ground_truth``, ``services/review/standing.py``). Send back is offered
only when someone annotated the section; Exclude and Include stay.
"""

from __future__ import annotations

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


def decision_card(
    *, section: Section, has_consensus: bool, imported: dict | None, annotators, can_act: bool
) -> dict:
    """``actions``: the URLs of the decisions offered (none without the right to decide: the
    page then shows them disabled); ``decisionNote``: for a section scored against an imported
    mask with no consensus, which mask and why there is nothing to confirm (else None)."""
    imported_only = imported is not None and not has_consensus
    offered = set(_ACTIONS) if can_act else set()
    if imported_only:
        offered.discard("confirm")
        if not annotators:
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
    }
