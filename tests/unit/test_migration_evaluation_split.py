"""Evaluations scored before the option "Separate touching predicted nuclei" counted touching
predicted nuclei as one object: the migration that adds the option says so on their rows, while
a new evaluation separates them unless told not to."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from annotations.models import Project
from inference.models import Evaluation


def _migration_adding_the_option(executor) -> tuple[str, str]:
    return next(
        key
        for key in executor.loader.disk_migrations
        if key[0] == "inference" and key[1].endswith("_evaluation_split_touching")
    )


@pytest.mark.django_db(transaction=True)
def test_old_evaluations_keep_their_components_and_new_ones_split():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    node = executor.loader.graph.node_map[_migration_adding_the_option(executor)]
    before = [parent.key for parent in node.parents]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    # Only the inference app went back; the annotations tables are at their latest, so their
    # rows are made with today's model.
    project = Project.objects.create(slug="old", name="Old")
    old = old_apps.get_model("inference", "Evaluation").objects.create(
        project_id=project.pk, set_kind="specimens"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    assert Evaluation.objects.get(pk=old.pk).split_touching is False
    new = Evaluation.objects.create(project_id=project.pk, set_kind="specimens")
    assert Evaluation.objects.get(pk=new.pk).split_touching is True
