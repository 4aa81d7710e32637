"""Migration 0005 rewrites the cross-validation metrics stored on final models before the fix
with the folds' pooled means their job's summary keeps."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from inference.models import ModelVersion, TrainingJob

migration = importlib.import_module("inference.migrations.0005_final_model_cv_pooled")

pytestmark = pytest.mark.django_db


def test_stored_final_models_get_their_jobs_pooled_means(project):
    summary = {
        "metrics": {"dice": {"mean": 0.304}},  # all sections: what was stored before
        "pooled": {"dice": {"mean": 0.0017}, "recall": {"mean": 0.001}},
    }
    job = TrainingJob.objects.create(project=project, config={}, summary=summary)
    final = ModelVersion.objects.create(
        project=project,
        name="final",
        arch="unet16",
        kind="final",
        job=job,
        metrics={"cross_validation": {"dice": 0.304}},
    )
    fold = ModelVersion.objects.create(
        project=project, name="fold", arch="unet16", kind="fold", job=job, metrics={"dice": 0.0}
    )

    migration.final_models_pooled(apps, None)

    final.refresh_from_db()
    fold.refresh_from_db()
    assert final.metrics["cross_validation"] == {"dice": 0.0017, "recall": 0.001}
    assert fold.metrics == {"dice": 0.0}
