"""A number over one value has no sample SD (``numpy.std(ddof=1)`` is NaN for one value): the
API gives its ``std`` as null and every page shows the mean alone, never "± 0.000" (a claim of
no spread). An evaluation of one single-section field, and a one-fold training summary."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from django.template.loader import render_to_string
from sklearn.metrics import f1_score

from annotations.models import Specimen
from annotations.services.volumes import volume_create
from inference.models import SectionResult, VolumeResult
from inference.reports import FigureSet, report_html
from inference.reports.class_figures import class_figure
from inference.reports.labels import mean_sd_text
from inference.reports.sections import nucleus_blocks
from inference.selectors.training_summary import training_summary_tables
from inference.services.training.summary import cross_validation_summary
from tests.helpers_evaluation import VOXEL, add_gt, disk_volume, run_evaluation

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")


def numpy_sd(values) -> float:
    with np.errstate(invalid="ignore", divide="ignore"), pytest.warns(RuntimeWarning):
        return float(np.std(values, ddof=1))


def sklearn_dice(evaluation, method: str, truth: np.ndarray) -> float:
    """scikit-learn's F1 (= Dice) of the stored prediction of the one section."""
    row = VolumeResult.objects.get(evaluation=evaluation, method=method)
    with row.pred_mask.open("rb") as fh:
        mask = tifffile.imread(io.BytesIO(fh.read())) > 0
    return float(f1_score(truth.ravel(), mask.ravel(), zero_division=1.0))


@pytest.fixture
def one_section(project, manager):
    """(evaluation, truth) of the baselines on one 2D field: one section per method."""
    rng = np.random.default_rng(3)
    specimen = Specimen.objects.create(project=project, name="field", lab="A")
    ri, nucleus = disk_volume(3, 32, rng, radius=8)
    volume = volume_create(specimen=specimen, data=ri[1:2], modality="ri", voxel_size=VOXEL)
    add_gt(volume, nucleus[1:2])
    done = run_evaluation(project, manager, specimens=[specimen])
    assert done.status == "succeeded", done.error
    return done, nucleus[1:2]


def test_one_sections_dice_has_no_sd_in_the_api(one_section, api, manager):
    done, truth = one_section
    primary = done.summary["primary"]
    dice = sklearn_dice(done, primary, truth)
    assert np.isnan(numpy_sd([dice]))
    detail = api(manager).get(f"/api/evaluations/{done.pk}/").json()
    assert detail["summary"]["metrics"]["dice"] == {"mean": pytest.approx(dice), "std": None}
    assert detail["summary"]["objects"][primary]["map"]["std"] is None  # over one volume
    block = done.summary["by_method"][primary]["set"]["dice"]  # the report's source
    assert block == {"mean": pytest.approx(dice), "std": None, "n": 1}
    nucleus = nucleus_blocks(done, [primary])[primary]["set"]["dice"]  # from SQL sums
    assert nucleus == {"mean": pytest.approx(dice), "std": None, "n": 1}


def test_the_report_shows_one_sections_mean_without_a_spread(one_section):
    done, truth = one_section
    html = report_html(done, FigureSet())
    table = html.split('id="summary-table"')[1].split("</table>")[0]
    for method in ("otsu", "edge"):
        row = SectionResult.objects.get(evaluation=done, method=method)
        line = table.split(f'data-method="{method}" data-scope="Whole set"')[1].split("</tr>")[0]
        assert f'<td class="cw-num">{row.dice:.3f}</td>' in line
        assert "±" not in line
    volume = html.split('id="volume-table"')[1].split("</table>")[0]
    assert "±" not in volume


def test_the_class_figure_draws_no_error_bar_over_one_section(one_section):
    """Each bar's label sits on its mean (scikit-learn's Dice of the stored section), with no
    error bar above it."""
    done, truth = one_section
    ax = class_figure(done, done.summary).axes[0]
    labels = {a.get_text(): a.xy[1] for a in ax.texts}
    for method in ("otsu", "edge"):
        dice = sklearn_dice(done, method, truth)
        assert labels[f"{dice:.2f}"] == pytest.approx(dice)
    # A drawn error bar is a segment of a line collection; none here.
    segments = [s for c in ax.collections for s in c.get_segments()]
    assert not any(s.size and np.isfinite(s).all() for s in segments)


def test_a_one_fold_training_summary_shows_its_mean_alone():
    summary = cross_validation_summary(
        [{"dice": 0.8, "section_mean": {"dice": 0.75}, "section_mean_nucleus": {"dice": 0.7}}]
    )
    dice = summary["metrics"]["dice"]
    assert dice["mean"] == 0.75 and dice["std"] is None and np.isnan(numpy_sd([0.75]))
    tables = training_summary_tables(summary)
    html = render_to_string(
        "inference/_summary_table.html",
        {"rows": tables["tables"][0]["rows"], "cv_folds": [{"index": 0}], "subset": "all"},
    )
    row = html.split('data-metric="dice">')[1].split("</tr>")[0]
    assert '<td class="cw-num">0.7500</td>' in row and "±" not in row


def test_a_summary_stored_with_a_zero_sd_over_one_fold_shows_no_spread():
    stored = {"metrics": {"dice": {"mean": 0.75, "std": 0.0, "per_fold": [0.75]}}}
    row = training_summary_tables(stored)["tables"][0]["rows"][0]
    assert row["std"] is None


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ({"mean": 0.5, "std": None}, "0.500"),
        ({"mean": 0.5, "std": 0.25}, "0.500 ± 0.250"),
        ({"mean": None, "std": None}, "—"),
        (None, "—"),
    ],
)
def test_the_commands_print_a_cell_as_the_report_does(cell, text):
    assert mean_sd_text(cell, 3) == text
