"""The canceller's username on every job row of the app, filled for rows cancelled by a user who
still exists (as the annotations app's import jobs)."""

from importlib import import_module

from django.conf import settings
from django.db import migrations

from cellweb.jobs.backfill import cancelled_by_names

cancelled_by_name = import_module("annotations.migrations.0003_job_cancelled_by_name").cancelled_by_name

JOB_MODELS = (
    "DisagreementJob",
    "Evaluation",
    "FoldRun",
    "LearningCurve",
    "Prediction",
    "ProposalRun",
    "TrainingJob",
)


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("annotations", "0003_job_cancelled_by_name"),
        ("inference", "0002_squashed_0005"),
    ]

    operations = [
        *(cancelled_by_name(model.lower()) for model in JOB_MODELS),
        cancelled_by_names("inference", *JOB_MODELS),
    ]
