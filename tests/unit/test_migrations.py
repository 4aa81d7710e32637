from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

# Each app's squashed migrations in order: the initial one, then the later columns.
SQUASHED = {
    "annotations": ["0001_squashed_initial", "0002_squashed_0006"],
    "inference": ["0001_squashed_initial", "0002_squashed_0005"],
}


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"Models changed without a migration (exit {exc.code}):\n{out.getvalue()}")


def _plan_with_applied(applied: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What ``migrate`` would run on a database whose recorder holds ``applied`` (and nothing
    else of the two apps)."""
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    recorder.migration_qs.filter(app__in=SQUASHED).delete()
    for app, name in applied:
        recorder.record_applied(app, name)
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [(migration.app_label, migration.name) for migration, _ in plan]


def _replaced(app: str, name: str) -> list[tuple[str, str]]:
    replaces = (
        MigrationLoader(None, ignore_no_migrations=True).disk_migrations[(app, name)].replaces
    )
    assert replaces and all(replaced_app == app for replaced_app, _ in replaces)
    return list(replaces)


@pytest.mark.django_db
def test_a_database_at_the_end_of_the_old_chain_has_nothing_to_run():
    old_chain = [
        key for app, names in SQUASHED.items() for name in names for key in _replaced(app, name)
    ]
    later = [
        key
        for key in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
        if key[0] in SQUASHED and key[1] not in SQUASHED[key[0]]
    ]
    # Only migrations written after the last squash are left to run (none, right after one).
    assert sorted(_plan_with_applied(old_chain)) == sorted(later)
    executor = MigrationExecutor(connection)
    for app, names in SQUASHED.items():
        for name in names:
            assert (app, name) in executor.loader.applied_migrations


@pytest.mark.django_db
def test_a_database_at_the_end_of_the_first_squash_runs_the_second():
    first = [key for app, names in SQUASHED.items() for key in _replaced(app, names[0])]
    planned = _plan_with_applied(first)
    assert ("annotations", "0002_squashed_0006") in planned
    assert ("inference", "0002_squashed_0005") in planned
    assert not any(
        key in planned for app, names in SQUASHED.items() for key in _replaced(app, names[1])
    )
