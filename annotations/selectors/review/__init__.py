"""Reads for cross-confirmation: consensus inputs, the review queue, agreement, the dashboard
(its annotators against the stain in ``stain``), ground truth, the audit trail and the review
page's config, one module each."""

from annotations.selectors.encoding import b64

from .agreement import (
    AGREEMENT_BINS,
    agreement_distribution,
    annotator_agreement_table,
    consensus_proposal,
    section_agreement,
    specimen_agreement_distributions,
)
from .audit import audit_rows, audit_trail
from .dashboard import STATUS_KEYS, dashboard, dashboard_counts
from .ground_truth import (
    ground_truth_current,
    ground_truth_detail,
    ground_truth_public,
    ground_truth_version_detail,
    ground_truth_versions,
    section_ground_truth,
    snapshot_masks,
)
from .inputs import consensus_inputs, current_consensus, latest_submitted_revisions
from .page import ANNOTATOR_COLOURS, review_page_config, review_send_back, self_review_blocked
from .queue import (
    QueueFilter,
    review_queue,
    review_queue_next,
    review_queue_page,
    review_queue_queryset,
)

__all__ = [
    "QueueFilter",
    "AGREEMENT_BINS",
    "ANNOTATOR_COLOURS",
    "STATUS_KEYS",
    "agreement_distribution",
    "annotator_agreement_table",
    "audit_rows",
    "audit_trail",
    "b64",
    "consensus_inputs",
    "consensus_proposal",
    "current_consensus",
    "dashboard",
    "dashboard_counts",
    "ground_truth_current",
    "ground_truth_detail",
    "ground_truth_public",
    "ground_truth_version_detail",
    "ground_truth_versions",
    "latest_submitted_revisions",
    "review_page_config",
    "review_queue",
    "review_send_back",
    "review_queue_next",
    "review_queue_page",
    "review_queue_queryset",
    "section_agreement",
    "section_ground_truth",
    "self_review_blocked",
    "snapshot_masks",
    "specimen_agreement_distributions",
]
