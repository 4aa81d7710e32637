"""What annotating tells review: a section complete, an annotation changed.

The review service builds on this one (it reopens annotations through it), so it is looked up
when needed rather than imported: either can be loaded first.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging

from django.db import transaction
from django.db.models import OuterRef

from annotations.models import Annotation, GroundTruth, GroundTruthSource, Section

logger = logging.getLogger(__name__)


def _review_hook(name: str):
    """A function of the review service if it provides it (it is optional for this module)."""
    if importlib.util.find_spec("annotations.services.review") is None:
        return None
    module = importlib.import_module("annotations.services.review")
    return getattr(module, name, None)


def _run_in_savepoint(hook_name: str, argument, failure: str, *failure_args) -> None:
    """Review's ``hook_name`` on ``argument`` in a savepoint: a failure there is logged and
    rolled back, never passed on, so the annotator's save is kept."""
    hook = _review_hook(hook_name)
    if hook is None:
        return
    try:
        with transaction.atomic():
            hook(argument)
    except Exception:
        logger.exception(failure, *failure_args)


def on_annotations_complete(section: Section) -> None:
    """The section just reached its required submissions: compute the consensus proposal.

    Runs inside the submitting transaction but in a savepoint: a failing consensus must never
    cost the annotator their submission; the reviewer can recompute it later.
    """
    _run_in_savepoint(
        "consensus_compute_for_section",
        section,
        "Consensus for section %s failed; the submission is kept.",
        section.pk,
    )


def flaggable_ground_truth():
    """Current, not yet stale, confirmed ground truth of the annotation's section."""
    return GroundTruth.objects.filter(
        section_id=OuterRef("section_id"),
        source=GroundTruthSource.CONSENSUS,
        is_current=True,
        stale=False,
    )


def on_annotation_changed(annotation: Annotation) -> None:
    """Let review flag confirmed ground truth built from an older revision as stale."""
    # Only a section with current confirmed ground truth has anything to flag; the lock query
    # already found out (``has_ground_truth``), so the common draft save costs no extra query.
    if not getattr(annotation, "has_ground_truth", True):
        return
    _run_in_savepoint(
        "on_annotation_changed",
        annotation,
        "Review bookkeeping for annotation %s failed; the save is kept.",
        annotation.pk,
    )
