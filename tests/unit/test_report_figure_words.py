"""The report's figures say what they draw: the precision-recall legend gives the area under the
pooled curve it draws (scikit-learn's average precision of the pooled pixels), not the tables'
mean over sections; the box plot's caption says only outliers are points (as many as numpy's
quartiles put beyond 1.5 × IQR); the per-class Dice is over all sections."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from sklearn.metrics import average_precision_score

from annotations.models import Specimen
from annotations.services.volumes import volume_create
from inference.models import SectionResult, VolumeResult
from inference.reports import FigureSet, report_html
from inference.reports.class_figures import DICE_TITLE, class_figure
from inference.reports.labels import method_label
from inference.reports.score_figures import PR_CAPTION, dice_figure, pr_figure
from tests.helpers_evaluation import VOXEL, add_gt, disk_volume, run_evaluation

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")


@pytest.fixture
def evaluated(project, manager):
    """(evaluation, {volume id: truth}) of the baselines on three 3D volumes."""
    rng = np.random.default_rng(11)
    truths = {}
    for i in range(3):
        specimen = Specimen.objects.create(project=project, name=f"cell-{i}", lab="A")
        ri, nucleus = disk_volume(6, 32, rng)
        truth = nucleus.copy()
        truth[-1] = nucleus[2]  # a nucleus in the truth where the image shows none
        volume = volume_create(specimen=specimen, data=ri, modality="ri", voxel_size=VOXEL)
        add_gt(volume, truth)
        truths[volume.pk] = truth
    done = run_evaluation(project, manager, specimens=list(Specimen.objects.all()))
    assert done.status == "succeeded", done.error
    return done, truths


def pooled(done, truths, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(truth, stored prediction) of every section of every volume, pooled."""
    gts, preds = [], []
    for row in VolumeResult.objects.filter(evaluation=done, method=method):
        with row.pred_mask.open("rb") as fh:
            preds.append((tifffile.imread(io.BytesIO(fh.read())) > 0).ravel())
        gts.append(truths[row.volume_id].ravel())
    return np.concatenate(gts), np.concatenate(preds)


def test_the_pr_legend_gives_the_area_under_the_pooled_curve_it_draws(evaluated):
    done, truths = evaluated
    fig = pr_figure(done, done.summary)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert fig.get_suptitle() == PR_CAPTION and "pooled" in PR_CAPTION
    for method in ("edge", "otsu"):
        truth, mask = pooled(done, truths, method)
        area = average_precision_score(truth, mask)
        mean = done.summary["by_method"][method]["set"]["auc_pr"]["mean"]
        assert f"{area:.3f}" != f"{mean:.3f}"  # the tables' mean over sections differs
        assert f"{method_label(done, method)} · area {area:.3f}" in legend


def _outside(values) -> int:
    q1, q3 = np.percentile(values, [25, 75])
    low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    return int(np.count_nonzero((np.asarray(values) < low) | (np.asarray(values) > high)))


def test_the_box_plot_draws_only_outliers_as_points_and_says_so(evaluated):
    done, _ = evaluated
    ax = dice_figure(done, done.summary).axes[0]  # all sections
    points = [len(line.get_xdata()) for line in ax.lines if line.get_linestyle() == "None"]
    dice = {
        m: list(SectionResult.objects.filter(evaluation=done, method=m).values_list("dice"))
        for m in ("edge", "otsu")
    }
    expected = [_outside([d for (d,) in dice[m]]) for m in done.summary["methods"]]
    assert points == expected
    assert sum(points) < sum(len(v) for v in dice.values())  # not one point per section
    html = report_html(done, FigureSet())
    assert "points: only the sections beyond (outliers)" in html
    assert "one point per section" not in html


def test_the_class_figure_says_its_dice_is_over_all_sections(evaluated):
    done, _ = evaluated
    ax = class_figure(done, done.summary).axes[0]
    assert ax.get_title() == DICE_TITLE and "over all sections" in DICE_TITLE
    means = {m: done.summary["by_method"][m]["set"]["dice"]["mean"] for m in ("edge", "otsu")}
    all_sections = {
        m: np.mean(
            [
                d
                for (d,) in SectionResult.objects.filter(evaluation=done, method=m).values_list(
                    "dice"
                )
            ]
        )
        for m in means
    }
    assert means == pytest.approx(all_sections)
    assert {a.get_text() for a in ax.texts} == {f"{v:.2f}" for v in all_sections.values()}
