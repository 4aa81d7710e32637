"""The canceller's username on a job row (``cellweb.jobs.fields.JobFields``), filled for rows
cancelled by a user who still exists. ``cancelled_by_name`` is used by the inference app's
matching migration too."""

from django.conf import settings
from django.db import migrations, models

from cellweb.jobs.backfill import cancelled_by_names

HELP = (
    "The canceller's username when they cancelled; blank for the system. It outlives the "
    "account, so a deleted user's cancel is not read as the system's."
)


def cancelled_by_name(model_name):
    return migrations.AddField(
        model_name=model_name,
        name="cancelled_by_name",
        field=models.CharField(blank=True, default="", help_text=HELP, max_length=150),
    )


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("annotations", "0002_squashed_0006"),
    ]

    operations = [
        cancelled_by_name("importjob"),
        cancelled_by_names("annotations", "ImportJob"),
    ]
