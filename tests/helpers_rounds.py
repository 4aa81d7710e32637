"""A project ready for a retrain round: specimens, an active tiny model to fine-tune, settings."""

from __future__ import annotations

from inference.models import ModelVersion, RoundSettings
from inference.services.model_versions import model_version_activate
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_training import TINY, add_specimens


def round_ready(project, manager, make_volume, *, specimens: int = 4) -> ModelVersion:
    """``specimens`` one-section specimens, a tiny active version (returned) and one-epoch rounds."""
    add_specimens(project, make_volume, specimens, sections=1)
    parent = tiny_model_version(project, name="parent")
    parent.config = dict(TINY)
    parent.save(update_fields=["config"])
    model_version_activate(version=parent, user=manager)
    RoundSettings.objects.create(project=project, epochs=1)
    return parent
