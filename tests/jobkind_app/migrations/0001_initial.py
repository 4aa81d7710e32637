"""The test kind's one table, read from its model rather than written out here.

A test database is always made afresh, so the table may simply follow ``Chore`` and the job
fields it inherits (cellweb/jobs): a change to those needs no migration of this app. The app
cannot do without a migration altogether: Django makes an unmigrated app's tables before it
migrates ``auth``, and a job's ``cancelled_by`` points at the user table."""

from django.conf import settings
from django.db import migrations

from tests.jobkind_app.models import Chore


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="Chore",
            fields=[(field.name, field.clone()) for field in Chore._meta.local_fields],
        )
    ]
