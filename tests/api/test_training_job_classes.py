"""The job page of a job that learned several classes: a table of each class's held-out scores
(mean ± sample SD over the folds, each fold's Dice beside it), and each epoch's per-class
validation Dice in the page's JSON. A one-class job has no such table."""

from __future__ import annotations

import statistics

import pytest

from annotations.services.snapshots import ground_truth_snapshot_create
from inference.models import EpochLog, FoldRun, TrainingJob
from inference.selectors.training import training_job_snapshot

FOLDS = [  # per fold: (nucleus, cytoplasm) Dice
    (0.8, 0.5),
    (0.6, 0.7),
    (0.7, 0.9),
]


def _job(project, *, per_class: bool) -> TrainingJob:
    job = TrainingJob.objects.create(
        project=project,
        config={"arch": "unet16", "folds": 3, "epochs": 1, "classes": "all" if per_class else ""},
        snapshot=ground_truth_snapshot_create(project=project, source="consensus"),
        status="succeeded",
    )
    for index, (nucleus, cytoplasm) in enumerate(FOLDS):
        metrics = {"dice": (nucleus + cytoplasm) / 2}
        if per_class:
            metrics["per_class"] = {
                "nucleus": {"dice": nucleus, "jaccard": nucleus / (2 - nucleus), "recall": 1.0},
                "cytoplasm": {"dice": cytoplasm, "jaccard": cytoplasm / (2 - cytoplasm)},
            }
        fold = FoldRun.objects.create(
            job=job, index=index, kind="cv", status="succeeded", metrics=metrics
        )
        EpochLog.objects.create(
            fold=fold,
            epoch=1,
            val_dice=metrics["dice"],
            val_metrics={"per_class_dice": [nucleus, cytoplasm]} if per_class else {},
        )
    return job


@pytest.mark.django_db
def test_a_job_with_several_classes_shows_each_class_held_out_scores(client, project, manager):
    job = _job(project, per_class=True)
    client.force_login(manager)
    page = client.get(f"/training-jobs/{job.pk}/")
    assert page.status_code == 200
    table = page.context["class_table"]
    assert [row["name"] for row in table["rows"]] == ["nucleus", "cytoplasm"]
    for row, column in zip(table["rows"], zip(*FOLDS, strict=True), strict=True):
        assert row["dice"]["per_fold"] == list(column)
        assert row["dice"]["mean"] == pytest.approx(statistics.mean(column))
        assert row["dice"]["std"] == pytest.approx(statistics.stdev(column))  # sample SD
    nucleus = table["rows"][0]
    assert nucleus["recall"]["mean"] == pytest.approx(1.0)
    assert table["rows"][1]["precision"]["mean"] is None  # not stored: not made up
    assert "pooled over its held-out sections" in table["aggregation"]
    html = page.content.decode()
    assert 'id="class-table"' in html and 'data-class="cytoplasm"' in html
    assert "0.7000 ± 0.2000" in html  # cytoplasm: mean and sample SD of 0.5, 0.7, 0.9
    history = training_job_snapshot(job)["folds"][1]["history"]
    assert history[0]["val_per_class_dice"] == [0.6, 0.7]
    # The page's live part reloads its snapshot from the API, which keeps the per-class Dice.
    answer = client.get(f"/api/training-jobs/{job.pk}/").json()
    assert answer["folds"][1]["history"][0]["val_per_class_dice"] == [0.6, 0.7]


@pytest.mark.django_db
def test_a_one_class_job_has_no_class_table(client, project, manager):
    job = _job(project, per_class=False)
    client.force_login(manager)
    page = client.get(f"/training-jobs/{job.pk}/")
    assert page.status_code == 200 and page.context["class_table"] is None
    assert 'id="class-table"' not in page.content.decode()


@pytest.mark.django_db
def test_the_class_table_follows_the_class_order_not_the_stored_keys(client, project, manager):
    """Postgres gives a stored JSON object's keys back shortest first; the table keeps the
    classes in the order the job learned them (value order)."""
    job = _job(project, per_class=True)
    order = ["nucleus", "membrane", "nucleolus", "lipid droplet", "Mito"]
    for fold in job.folds.all():
        fold.metrics = {
            "dice": 0.5,
            "per_class": {name: {"dice": 0.1 * k} for k, name in enumerate(order)},
            "class_order": order,
        }
        fold.save(update_fields=["metrics"])
    client.force_login(manager)

    table = client.get(f"/training-jobs/{job.pk}/").context["class_table"]

    assert [row["name"] for row in table["rows"]] == order
    assert [row["dice"]["mean"] for row in table["rows"]] == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])
