"""Data migrations of the job fields every app's job models share (``JobFields``)."""

from __future__ import annotations

from django.conf import settings
from django.db import migrations
from django.db.models import OuterRef, Subquery


def cancelled_by_names(app_label: str, *model_names: str) -> migrations.RunPython:
    """Fill ``cancelled_by_name`` of the rows of ``model_names`` cancelled by a user who still
    exists; a row whose user was deleted before the field existed stays blank (not knowable)."""

    def forwards(apps, schema_editor):
        users = apps.get_model(settings.AUTH_USER_MODEL).objects
        name = Subquery(users.filter(pk=OuterRef("cancelled_by_id")).values("username")[:1])
        for model_name in model_names:
            model = apps.get_model(app_label, model_name)
            model.objects.filter(cancelled_by__isnull=False).update(cancelled_by_name=name)

    return migrations.RunPython(forwards, migrations.RunPython.noop)
