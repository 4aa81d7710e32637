"""Reads for annotating: the work queue (``queue``, its "most informative first" order and
reason in ``informative``), the blind rule (``visibility``), what the
editor and the API get of an annotation (``state``), what review said back (``feedback``) and the
annotate page's config (``page``)."""

from annotations.imaging.outlines import mask_outlines

from .feedback import (
    section_send_back,
    send_back_responses,
    sent_back_said,
    sent_back_to,
    sent_back_to_draft,
)
from .informative import queue_reason
from .page import annotate_page_config
from .queue import DRAFTABLE_SECTION_STATUSES, annotation_progress, next_section_peek
from .state import (
    LOCKED_SECTION_STATUSES,
    annotation_mine_state,
    annotation_public,
    annotation_revisions,
    annotation_used_in_confirmed_ground_truth,
    latest_revision,
)
from .visibility import (
    BLIND_TRUTH_SOURCES,
    annotates,
    annotation_get_visible,
    blind_sections,
    can_see_all_annotations,
    hidden_from,
    is_blind_on,
    require_truth_unblinded,
    require_unblinded,
    review_section,
    section_is_unblinded,
    truth_hidden_from,
    visible_annotations,
)

__all__ = [
    "BLIND_TRUTH_SOURCES",
    "DRAFTABLE_SECTION_STATUSES",
    "LOCKED_SECTION_STATUSES",
    "annotate_page_config",
    "annotates",
    "annotation_get_visible",
    "annotation_mine_state",
    "annotation_progress",
    "annotation_public",
    "annotation_revisions",
    "annotation_used_in_confirmed_ground_truth",
    "blind_sections",
    "can_see_all_annotations",
    "hidden_from",
    "is_blind_on",
    "latest_revision",
    "mask_outlines",
    "next_section_peek",
    "queue_reason",
    "require_truth_unblinded",
    "require_unblinded",
    "review_section",
    "section_is_unblinded",
    "section_send_back",
    "send_back_responses",
    "sent_back_said",
    "sent_back_to",
    "sent_back_to_draft",
    "truth_hidden_from",
    "visible_annotations",
]
