from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

SQUASHED = {"annotations": "0001_squashed_initial", "inference": "0001_squashed_initial"}


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"Models changed without a migration (exit {exc.code}):\n{out.getvalue()}")


@pytest.mark.django_db
def test_a_database_at_the_end_of_the_replaced_migrations_needs_only_the_later_ones():
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    for app, name in SQUASHED.items():
        replaces = disk[(app, name)].replaces
        assert replaces and all(replaced_app == app for replaced_app, _ in replaces)
        recorder.migration_qs.filter(app=app).delete()
        for replaced_app, replaced_name in replaces:
            recorder.record_applied(replaced_app, replaced_name)

    executor = MigrationExecutor(connection)
    planned = [
        (m.app_label, m.name)
        for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())
    ]
    # Only what came after the squash is left to apply, e.g. annotations 0002, inference 0003.
    replaced = {key for app, name in SQUASHED.items() for key in disk[(app, name)].replaces}
    later = sorted(
        key
        for key in disk
        if key[0] in SQUASHED and key not in replaced and key[1] != SQUASHED[key[0]]
    )
    assert sorted(planned) == later
    for app, name in SQUASHED.items():
        assert (app, name) in executor.loader.applied_migrations
