"""The evaluation pages read what the evaluation stored and never write: the report page, its
figures and downloads, the gallery over either subset of sections, the comparison and the list."""

from __future__ import annotations

import re

import numpy as np
import pytest
from django.core.files.storage import default_storage

from inference.models import SectionResult
from inference.reports import figure_path
from inference.reports.labels import METRIC_LABELS
from tests.conftest import signed_in
from tests.helpers_evaluation import (
    cross_validation_job,
    finished_evaluation,  # noqa: F401 (the fixture ``finished``)
    launch_evaluation,
    make_specimens,
    run_evaluation,
    two_stained_specimens,  # noqa: F401 (the fixture ``data``)
)


def _stored(evaluation) -> set[str]:
    folder = f"evaluations/{evaluation.project_id}/{evaluation.pk}/figures"
    return set(default_storage.listdir(folder)[1]) | {evaluation.report.name}


def test_a_get_never_writes_a_missing_report_or_figure(manager, finished):
    client = signed_in(manager)
    default_storage.delete(finished.report.name)
    default_storage.delete(figure_path(finished, "pr_curves"))
    before = _stored(finished)

    assert client.get(f"/evaluations/{finished.pk}/report.html").status_code == 404
    assert client.get(f"/evaluations/{finished.pk}/figures/pr_curves.png").status_code == 404
    assert client.get(f"/evaluations/{finished.pk}/").status_code == 200
    assert client.get(f"/evaluations/{finished.pk}/figures/worst.png").status_code == 200

    assert not default_storage.exists(finished.report.name)
    assert not default_storage.exists(figure_path(finished, "pr_curves"))
    assert _stored(finished) == before


def test_the_report_page_shows_both_subsets_and_names_each_aggregation(manager, finished):
    page = signed_in(manager).get(f"/evaluations/{finished.pk}/")
    html = page.content.decode()
    rows = SectionResult.objects.filter(evaluation=finished, method="model")
    with_nucleus = [r.dice for r in rows if r.gt_pixels]

    assert 'id="summary-table"' in html and 'id="nucleus-table"' in html
    assert f"{np.mean(with_nucleus):.3f} over sections with a nucleus" in html
    assert 'data-subset="nucleus"' in html and "mean ± sample SD over sections" in html
    worst = page.context["worst_tables"]
    assert [t["subset"] for t in worst] == ["nucleus", "all"]
    assert all(r["gt_pixels"] > 0 for r in worst[0]["rows"])


def test_a_left_out_figure_shows_its_note_on_the_report_page(
    project, manager, make_volume, monkeypatch
):
    from inference.reports import figures

    spec = figures.SPECS["worst"]

    def broken(evaluation, summary):
        raise ValueError("cannot draw")

    monkeypatch.setitem(figures.SPECS, "worst", type(spec)(spec.title, broken))
    specimen = make_specimens(project, make_volume, 1, z=3, size=32)[0][0]
    done = run_evaluation(project, manager, specimens=[specimen])

    html = signed_in(manager).get(f"/evaluations/{done.pk}/").content.decode()
    assert re.search(r'data-figure="worst"[^>]*data-left-out="true"', html)
    assert "Left out: This figure could not be drawn (ValueError: cannot draw)" in html
    assert f"/evaluations/{done.pk}/figures/worst.png" not in html


def test_the_gallery_pages_through_either_subset_and_marks_empty_ground_truth(manager, finished):
    client = signed_in(manager)
    everything = client.get(f"/evaluations/{finished.pk}/gallery/").context["gallery"]
    nucleus = client.get(f"/evaluations/{finished.pk}/gallery/?sections=nucleus")
    gallery = nucleus.context["gallery"]

    assert everything["count"] == 8 and gallery["count"] == 4
    assert all(r["has_nucleus"] for r in gallery["rows"])
    assert (
        'data-role="no-nucleus"'
        in client.get(f"/evaluations/{finished.pk}/gallery/").content.decode()
    )
    dice = {s["key"]: s["dice"] for s in gallery["subsets"]}
    scored = SectionResult.objects.filter(evaluation=finished, method="model")
    assert dice["nucleus"] == pytest.approx(np.mean([r.dice for r in scored if r.gt_pixels]))
    assert dice["all"] == pytest.approx(np.mean([r.dice for r in scored]))
    assert b"?sections=nucleus" in nucleus.content


def test_the_comparison_gives_both_subsets(project, manager, finished, data):
    second = run_evaluation(project, manager, specimens=[s for s, _ in data])
    page = signed_in(manager).get(f"/evaluations/compare/?a={finished.pk}&b={second.pk}")
    rows = page.context["rows"]
    otsu = next(r for r in rows if r["method_a"] == "otsu" and r["key"] == "dice")
    scored = SectionResult.objects.filter(evaluation=finished, method="otsu", gt_pixels__gt=0)
    assert otsu["a_nucleus"]["mean"] == pytest.approx(np.mean([r.dice for r in scored]))
    assert otsu["metric_label"] == "Dice"
    assert "Sections with a nucleus" in page.content.decode()
    (nucleus,) = page.context["comparison"]["classes"]  # binary: its one class, named
    assert nucleus["name"] == "nucleus" and nucleus["paired"] == len(
        page.context["comparison"]["pairs"]
    )


def test_the_live_page_names_its_metrics_from_the_report_table(project, manager, data):
    evaluation = launch_evaluation(project, manager, specimens=[data[0][0]])
    config = signed_in(manager).get(f"/evaluations/{evaluation.pk}/").context["config"]
    assert config["module"] == "job"
    assert config["metricLabels"] == METRIC_LABELS
    assert config["metricLabels"]["auc_pr"] == "AUC-PR" and config["metricLabels"]["f05"] == "F0.5"


def test_the_list_and_report_label_a_cross_validation_by_its_job(project, manager, make_volume):
    made = make_specimens(project, make_volume, 4, z=3, size=32)
    job, versions = cross_validation_job(project, [s for s, _ in made], folds=2)
    done = run_evaluation(project, manager, version=versions[1], set_kind="cross_validation")
    client = signed_in(manager)
    label = f"Unet16 · job {job.pk} (2 folds)"

    listing = client.get(f"/projects/{project.slug}/evaluations/").content.decode()
    row = re.search(rf'<tr data-evaluation="{done.pk}">.*?</tr>', listing, re.S).group(0)
    assert label in row and "fold 2" not in row
    report = client.get(f"/evaluations/{done.pk}/")
    assert label in report.context["model_label"]
    head = re.search(
        r'<header class="cw-page-head" id="report-head".*?</header>', report.content.decode(), re.S
    )
    assert label in head.group(0)
