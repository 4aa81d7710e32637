"""The annotations columns added after the squashed initial migration, 0002-0006, in one
migration that replaces them: who cancelled an import, the reviewer's "include again" and
"stain shift set" actions, the editor session of a revision, a stain volume's shift and the
queue's "also imported ground truth" setting.

``cancel_fields`` is used by the inference app's matching migration too."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def cancel_fields(model_name):
    """Who asked to cancel a job, when and why (``cellweb.jobs.fields.JobFields``)."""
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


AUDIT_ACTIONS = [
    ("consensus", "Consensus computed"),
    ("confirm", "Confirmed"),
    ("edit_confirm", "Edited and confirmed"),
    ("send_back", "Sent back"),
    ("exclude", "Excluded"),
    ("include", "Included again"),
    ("reopen", "Reopened"),
    ("stale", "Ground truth marked stale"),
    ("fluorescence_gt", "Fluorescence ground truth derived"),
    ("stain_shift", "Stain shift set"),
]
EDITOR_SESSION = (
    "The editor page that saved it (a random id per page, kept with the page's local backup): a "
    "save from the same page on top of it is not a conflict."
)
QUEUE_INCLUDES_IMPORTED = (
    "The work queue also offers sections whose current ground truth is imported (expert masks), "
    "e.g. to measure annotators against the expert."
)


class Migration(migrations.Migration):
    replaces = [
        ("annotations", "0002_job_cancelled_by_and_reason"),
        ("annotations", "0003_review_include_action"),
        ("annotations", "0004_revision_editor_session"),
        ("annotations", "0005_volume_stain_shift"),
        ("annotations", "0006_project_queue_includes_imported"),
    ]

    dependencies = [
        ("annotations", "0001_squashed_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *cancel_fields("importjob"),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(choices=AUDIT_ACTIONS, max_length=32),
        ),
        migrations.AddField(
            model_name="annotationrevision",
            name="editor_session",
            field=models.CharField(
                blank=True, default="", help_text=EDITOR_SESSION, max_length=64
            ),
        ),
        migrations.AddField(
            model_name="volume",
            name="stain_shift_version",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="volume",
            name="stain_shift_x",
            field=models.IntegerField(default=0, help_text="Columns (right is positive)."),
        ),
        migrations.AddField(
            model_name="volume",
            name="stain_shift_y",
            field=models.IntegerField(default=0, help_text="Rows (down is positive)."),
        ),
        migrations.AddField(
            model_name="project",
            name="queue_includes_imported",
            field=models.BooleanField(default=False, help_text=QUEUE_INCLUDES_IMPORTED),
        ),
    ]
