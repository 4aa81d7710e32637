"""An annotation saved through the service as the editor saves it, from a model's proposal or
from scratch: what the tests of correction effort build on."""

from __future__ import annotations

from annotations.services.annotation import annotation_save


def effort_save(user, section, mask, seconds, version=None, proposal=None, submit=True):
    """Save (and by default submit) ``mask`` after ``seconds`` of work; with a ``version`` its
    origin is that model's ``proposal``, else a blank canvas."""
    annotation_save(
        section=section,
        user=user,
        mask=mask,
        base_revision=None,
        time_spent_s=seconds,
        submit=submit,
        origin="model" if version else "blank",
        origin_model_version=version.pk if version else None,
        proposal_mask=proposal,
    )
