# Who cancelled a job, when and why (cellweb.jobs.fields.JobFields), on every job model of the app.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

JOB_MODELS = (
    "disagreementjob",
    "evaluation",
    "foldrun",
    "learningcurve",
    "prediction",
    "proposalrun",
    "trainingjob",
)


def cancel_fields(model_name):
    return [
        migrations.AddField(
            model_name=model_name,
            name="cancel_reason",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Why it was cancelled, as the canceller wrote it (or the system's reason).",
                max_length=500,
            ),
        ),
        migrations.AddField(
            model_name=model_name,
            name="cancel_requested_at",
            field=models.DateTimeField(blank=True, help_text="When the cancel was asked.", null=True),
        ),
        migrations.AddField(
            model_name=model_name,
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                help_text="Who asked to cancel it; null for the system (or a deleted user).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("inference", "0001_squashed_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [operation for model in JOB_MODELS for operation in cancel_fields(model)]
