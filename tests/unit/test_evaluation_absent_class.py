"""An evaluation's per-class pixel scores: a class that no scored section holds, in the ground
truth or in the prediction, is not scored (null with a reason, "—", "not scored") in the
summary the API gives, the job page, the HTML and CSV report and the figures, where each
section empty on both sides made it a perfect 1.0. A class held by one section keeps the
per-section rule on every section; the numbers are checked against scikit-learn."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from sklearn.metrics import f1_score, jaccard_score

from annotations.services.labels import label_class_add
from inference.ml.heads import HeadLayout
from inference.reports.class_figures import class_figure
from inference.reports.csv_rows import results_csv_lines
from inference.reports.score_figures import dice_figure
from inference.services.evaluation.absent import unscored_classes
from tests.helpers_evaluation import run_evaluation
from tests.unit.test_evaluation_multiclass import imported_volume, multiclass_version

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")

CLASSES = [
    {"value": 1, "name": "nucleus", "kind": "instances"},
    {"value": 2, "name": "cytoplasm", "kind": "region"},
    {"value": 3, "name": "nucleolus", "kind": "instances"},
]
SIZE = 32


def truth_maps() -> np.ndarray:
    """A nucleus disk in every section; cytoplasm around it in section 0 only; no nucleolus."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    distance = np.hypot(yy - SIZE / 2, xx - SIZE / 2)
    nucleus = np.where(distance < 6, 1, 0).astype(np.uint8)
    first = np.where(distance < 6, 1, np.where(distance < 12, 2, 0)).astype(np.uint8)
    return np.stack([first, nucleus, nucleus])


def nucleus_everywhere_version(project):
    """A version with four outputs (background, nucleus, cytoplasm, nucleolus) whose class
    convolution answers nucleus for every pixel, whatever the image."""
    return multiclass_version(
        project, HeadLayout(n_classes=4), CLASSES, "nucleus everywhere", [0.0, 10.0, 0.0, 0.0]
    )


@pytest.fixture
def evaluated(project, manager, specimen):
    label_class_add(project=project, name="cytoplasm", colour="#ffb000", kind="region")
    label_class_add(project=project, name="nucleolus", colour="#ff3d7f", kind="instances")
    maps = truth_maps()
    imported_volume(specimen, maps)
    done = run_evaluation(
        project,
        manager,
        specimens=[specimen],
        version=nucleus_everywhere_version(project),
        gt_source="imported",
    )
    assert done.status == "succeeded", (done.error, done.log[-1:])
    return done, maps


def _per_section(score, maps: np.ndarray, value: int) -> list[float]:
    predicted = np.ones_like(maps)  # the version's answer: nucleus everywhere
    return [
        score((t == value).ravel(), (p == value).ravel(), zero_division=1.0)
        for t, p in zip(maps, predicted)
    ]


def _model_block(summary: dict, value: int) -> dict:
    cls = next(c for c in summary["classes"] if c["value"] == value)
    return cls["by_method"]["model"]


def test_a_class_nobody_holds_is_not_scored_and_the_others_score_as_scikit_learn(
    evaluated, api, manager
):
    evaluation, maps = evaluated
    body = api(manager).get(f"/api/evaluations/{evaluation.pk}/").json()
    listed = {c["value"]: c for c in body["summary"]["classes"]}
    assert listed[3]["metrics"]["dice"]["mean"] is None
    assert listed[3]["not_scored"].startswith("not scored: no scored section holds this class")
    assert listed[2]["not_scored"] is None
    assert listed[2]["metrics"]["dice"]["mean"] == pytest.approx(2 / 3)
    summary = evaluation.summary

    absent = _model_block(summary, 3)
    assert absent["set"]["sections"] == 3
    for key in ("dice", "jaccard", "f05", "precision", "recall"):
        assert absent["set"][key]["mean"] is None, key
    assert "no scored section holds this class" in absent["not_scored"]
    volumes = next(c for c in summary["classes"] if c["value"] == 3)["volumes"]["model"]
    assert volumes["dice_3d"]["mean"] is None and volumes["jaccard_3d"]["mean"] is None

    # Cytoplasm is held by section 0 only: the per-section rule stands (0, then 1.0 twice).
    cytoplasm = _model_block(summary, 2)
    assert "not_scored" not in cytoplasm
    dice = _per_section(f1_score, maps, 2)
    assert dice == [0.0, 1.0, 1.0]
    assert cytoplasm["set"]["dice"]["mean"] == pytest.approx(np.mean(dice))
    jaccard = _per_section(jaccard_score, maps, 2)
    assert cytoplasm["set"]["jaccard"]["mean"] == pytest.approx(np.mean(jaccard))
    nucleus = _model_block(summary, 1)
    assert nucleus["set"]["dice"]["mean"] == pytest.approx(np.mean(_per_section(f1_score, maps, 1)))
    assert summary["metrics"]["dice"]["mean"] == nucleus["set"]["dice"]["mean"]


def test_the_job_page_and_report_say_not_scored(evaluated, manager):
    evaluation, _ = evaluated
    client = Client()
    client.force_login(manager)
    for url in (f"/evaluations/{evaluation.pk}/", f"/evaluations/{evaluation.pk}/report.html"):
        page = client.get(url)
        assert page.status_code == 200, url
        html = (b"".join(page.streaming_content) if page.streaming else page.content).decode()
        row = html[html.index('<tr data-class="3" data-method="model"') :]
        row = row[: row.index("</tr>")]
        assert "data-not-scored" in row and "(not scored)" in row
        assert "1.000" not in row and "—" in row
        held = html[html.index('<tr data-class="2" data-method="model"') :]
        assert "data-not-scored" not in held[: held.index("</tr>")]


def test_the_csv_leaves_the_pixel_scores_of_a_class_nobody_holds_empty(evaluated):
    evaluation, _ = evaluated
    rows = list(csv.DictReader(io.StringIO("".join(results_csv_lines(evaluation)))))
    absent = [
        r
        for r in rows
        if r["class_value"] == "3" and r["method"] == "model" and r["level"] != "cell"
    ]
    assert {r["level"] for r in absent} == {"section", "volume"}
    assert all(r["not_scored"].startswith("not scored") for r in absent)
    assert all(
        r["dice"] == r["jaccard"] == r["recall"] == "" for r in absent if r["level"] == "section"
    )
    assert all(r["dice_3d"] == "" for r in absent if r["level"] == "volume")
    held = [r for r in rows if r["class_value"] == "2" and r["level"] == "section"]
    assert [float(r["dice"]) for r in held] == [0.0, 1.0, 1.0]
    assert all(r["not_scored"] == "" for r in held)


def test_the_figures_draw_no_score_for_a_class_nobody_holds(evaluated):
    evaluation, _ = evaluated
    summary = evaluation.summary
    bars = class_figure(evaluation, summary)
    dice_ax = bars.axes[0]
    assert "not scored" in [t.get_text() for t in dice_ax.texts]
    scored = [
        block["set"]["dice"]["mean"]
        for cls in summary["classes"]
        for block in cls["by_method"].values()
        if block["set"]["dice"]["mean"] is not None
    ]
    assert len(scored) == 4  # nucleus by the model and two baselines, cytoplasm by the model
    heights = [p.get_height() for p in dice_ax.patches]
    assert sorted(heights) == pytest.approx(sorted(scored))
    boxes = dice_figure(evaluation, summary)
    titles = {ax.get_title(): ax for ax in boxes.axes if ax.axison}
    [nucleolus] = [ax for title, ax in titles.items() if title.startswith("Class nucleolus")]
    assert [t.get_text() for t in nucleolus.texts][0].startswith("not scored")
    assert not nucleolus.artists and not nucleolus.lines
    out = Path("test-artifacts")
    out.mkdir(exist_ok=True)
    bars.savefig(out / "evaluation_per_class_not_scored.png")
    boxes.savefig(out / "evaluation_dice_boxplot_not_scored.png")


def test_a_method_that_holds_no_class_keeps_the_one_class_rule():
    row = {"method": "model", "gt_pixels": 0, "pred_pixels": 0}
    empty = [row | {"class_value": 1}, row | {"class_value": 2}]
    assert unscored_classes(empty) == {"model": set()}
    held = [*empty, row | {"class_value": 1, "gt_pixels": 5}]
    assert unscored_classes(held) == {"model": {2}}


def test_the_command_prints_each_class_and_says_which_is_not_scored(project, specimen):
    """``manage.py evaluate`` printed the target class's tables only: a multi-class evaluation's
    other classes, and the one nobody holds, never showed in the terminal."""
    label_class_add(project=project, name="cytoplasm", colour="#ffb000", kind="region")
    label_class_add(project=project, name="nucleolus", colour="#ff3d7f", kind="instances")
    maps = truth_maps()
    imported_volume(specimen, maps)
    version = nucleus_everywhere_version(project)
    out = io.StringIO()
    options = (
        f"--model-version {version.pk} --set specimens --specimen {specimen.pk} "
        "--gt-source imported --wait --device cpu"
    )
    call_command("evaluate", "--project", project.slug, *options.split(), stdout=out)
    printed = out.getvalue()
    for name in ("nucleus", "cytoplasm", "nucleolus"):
        assert f"Class {name}, every section, mean ± SD over sections:" in printed
    nucleolus = printed.split("Class nucleolus, every section")[1].split("Objects (nuclei")[0]
    row = next(line for line in nucleolus.splitlines() if line.startswith(version.name))
    assert "1.000" not in row and row.split()[len(version.name.split())] == "—"
    assert f"  {version.name}: not scored: no scored section holds this class" in nucleolus
    cytoplasm = printed.split("Class cytoplasm, every section")[1].split("Class nucleolus")[0]
    row = next(line for line in cytoplasm.splitlines() if line.startswith(version.name))
    dice = np.mean(_per_section(f1_score, maps, 2))  # 1.0 on the two sections without it
    assert row.split()[len(version.name.split())] == f"{dice:.3f}"
