"""The inference columns added after the squashed initial migration, 0002-0005, in one
migration that replaces them: who cancelled a job of each kind, a prediction's track gap and an
evaluation's "separate touching nuclei" option. (0004 kept False for the evaluations stored
before the option and 0005 rewrote the final models' cross-validation numbers: both concern rows
of a database that ran them, so they have nothing to do here.)"""

from importlib import import_module

from django.conf import settings
from django.db import migrations, models

# The job columns are those of the annotations app's import jobs.
cancel_fields = import_module("annotations.migrations.0002_squashed_0006").cancel_fields

JOB_MODELS = (
    "disagreementjob",
    "evaluation",
    "foldrun",
    "learningcurve",
    "prediction",
    "proposalrun",
    "trainingjob",
)
TRACK_GAP = "Time points a nucleus may be missed and still keep its track id (0: none)."
SPLIT_TOUCHING = (
    "Touching predicted nuclei numbered by connected components (binary versions, baselines) "
    "are separated by the ground truth's watershed before objects are scored. Evaluations from "
    "before the option: False."
)


class Migration(migrations.Migration):
    replaces = [
        ("inference", "0002_job_cancelled_by_and_reason"),
        ("inference", "0003_prediction_track_gap"),
        ("inference", "0004_evaluation_split_touching"),
        ("inference", "0005_final_model_cv_pooled"),
    ]

    dependencies = [
        ("annotations", "0002_squashed_0006"),
        ("inference", "0001_squashed_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *(operation for model in JOB_MODELS for operation in cancel_fields(model)),
        migrations.AddField(
            model_name="prediction",
            name="track_gap",
            field=models.PositiveSmallIntegerField(default=2, help_text=TRACK_GAP),
        ),
        migrations.AddField(
            model_name="evaluation",
            name="split_touching",
            field=models.BooleanField(default=True, help_text=SPLIT_TOUCHING),
        ),
    ]
