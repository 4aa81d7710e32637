"""The review queue reads sections lowest agreement first, sections without one first of all.

PostgreSQL can serve that order straight from an index declared NULLS FIRST; SQLite (the demo
database) cannot declare one, and its queues are small, so the index exists on PostgreSQL only.
"""

from django.db import migrations

INDEX = "section_review_order"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON annotations_section "
            "(project_id, status, agreement ASC NULLS FIRST, id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
