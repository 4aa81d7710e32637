"""Reports are built from the stored evaluation only: self-contained HTML, reproducible, a CSV of
every number, and overlay layers drawn from the stored masks."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from scipy import ndimage as ndi

from annotations.imaging.masks import decode_mask
from annotations.models import GroundTruth, Membership, Project, Role
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.reports import (
    CSV_COLUMNS,
    FIGURES,
    LAYER_COLOURS,
    layer_png,
    report_figures,
    report_html,
    results_csv_lines,
    score_figures,
    set_figures,
    stored_figures,
    volume_result_mask,
)
from inference.reports import figures as figure_registry
from inference.reports.labels import METRIC_LABELS, method_label
from inference.reports.sections import nucleus_blocks
from tests.helpers_evaluation import (
    cross_validation_job,
    make_specimens,
    run_evaluation,
    tiny_model_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shared_evaluation(django_db_setup, django_db_blocker):
    """One evaluation (a tiny model and the baselines on two specimens, two time points each),
    run once for the tests here that only read it; running it takes seconds. Its rows are
    committed, so it has its own project and manager, deleted with everything under them at
    the end of the module."""
    with django_db_blocker.unblock():
        project = Project.objects.create(slug="reports-shared", name="Shared report project")
        manager = get_user_model().objects.create_user(username="reports-manager")
        Membership.objects.create(project=project, user=manager, role=Role.MANAGER)
        made = make_specimens(project, None, 2, z=4, size=48, time_points=2)
        version = tiny_model_version(project, input_size=48)
        done = run_evaluation(project, manager, specimens=[s for s, _ in made], version=version)
    try:
        assert done.status == "succeeded", done.error
        yield done
    finally:
        with django_db_blocker.unblock():
            project.delete()
            manager.delete()


@pytest.fixture
def evaluation(shared_evaluation):
    """The shared evaluation, freshly loaded, so no test sees another's in-memory changes."""
    return Evaluation.objects.get(pk=shared_evaluation.pk)


@pytest.fixture(scope="module")
def shared_report(shared_evaluation, django_db_blocker) -> str:
    """The shared evaluation's HTML report, rendered once (each rendering draws every figure)
    for the tests that read it."""
    with django_db_blocker.unblock():
        return report_html(Evaluation.objects.get(pk=shared_evaluation.pk))


def test_the_html_report_embeds_every_figure_and_loads_nothing_from_outside(
    evaluation, shared_report
):
    html = shared_report

    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == len(FIGURES)
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "<script" not in html
    mean = evaluation.summary["by_method"]["model"]["set"]["dice"]["mean"]
    assert f"{mean:.3f}" in html
    assert "Edge-based" in html and "Otsu" in html and "tiny model" in html


def test_rendering_again_gives_the_same_report(evaluation, shared_report):
    evaluation.refresh_from_db()
    assert report_html(evaluation) == shared_report


def test_every_figure_is_a_png_with_content(evaluation):
    figures = report_figures(evaluation)
    assert set(figures) == set(FIGURES)
    for name, data in figures.items():
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.width > 200, name
        pixels = np.asarray(image.convert("L"))
        assert pixels.std() > 5, f"{name} looks blank"


def test_the_stored_report_is_written_when_the_job_ends(evaluation, shared_report):
    with evaluation.report.open("rb") as fh:
        stored = fh.read().decode("utf-8")
    assert stored == shared_report
    assert evaluation.result["figures"] == list(FIGURES)


def test_the_csv_holds_every_section_and_volume_number(evaluation):
    rows = list(csv.DictReader(io.StringIO("".join(results_csv_lines(evaluation)))))

    assert list(rows[0]) == list(CSV_COLUMNS)
    sections = [r for r in rows if r["level"] == "section"]
    volumes = [r for r in rows if r["level"] == "volume"]
    assert len(sections) == SectionResult.objects.filter(evaluation=evaluation).count() == 3 * 16
    assert len(volumes) == VolumeResult.objects.filter(evaluation=evaluation).count() == 3 * 4
    for row in sections:
        result = SectionResult.objects.get(
            evaluation=evaluation, method=row["method"], section_id=int(row["section_id"])
        )
        assert float(row["dice"]) == pytest.approx(result.dice, abs=1e-9)
        assert int(row["gt_pixels"]) == result.gt_pixels
        assert row["dice_3d"] == ""
    for row in volumes:
        result = VolumeResult.objects.get(
            evaluation=evaluation, method=row["method"], volume_id=int(row["volume_id"])
        )
        assert float(row["dice_3d"]) == pytest.approx(result.dice_3d, abs=1e-9)
        assert row["dice"] == "" and row["time_index"] in ("0", "1")


def _opaque(png: bytes) -> np.ndarray:
    rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    return rgba


def test_layers_are_transparent_contours_of_the_stored_masks(evaluation):
    result = (
        SectionResult.objects.filter(evaluation=evaluation, method="model", gt_pixels__gt=0)
        .select_related("section__volume")
        .first()
    )
    section = result.section
    shape = section.shape

    gt_layer = _opaque(layer_png(evaluation=evaluation, section=section, layer="gt"))
    assert gt_layer.shape == (*shape, 4)
    drawn = gt_layer[..., 3] == 255
    assert drawn.any() and (gt_layer[..., 3][~drawn] == 0).all()
    assert (gt_layer[drawn][:, :3] == LAYER_COLOURS["gt"]).all()
    truth = decode_mask(bytes(GroundTruth.objects.get(pk=result.ground_truth_id).mask_png), shape)
    assert np.array_equal(drawn, truth & ~ndi.binary_erosion(truth, border_value=0))

    vr = VolumeResult.objects.select_related("volume").get(
        evaluation=evaluation, volume=section.volume, method="edge"
    )
    edge = volume_result_mask(vr, section.z)
    edge_layer = _opaque(layer_png(evaluation=evaluation, section=section, layer="edge"))
    assert np.array_equal(
        edge_layer[..., 3] == 255, edge & ~ndi.binary_erosion(edge, border_value=0)
    )


def test_a_baselines_only_report_draws_otsu_as_the_prediction(project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, z=4, size=48)
    evaluation = run_evaluation(project, manager, specimens=[made[0][0]])
    section = made[0][1][0][0].sections.get(z=2)

    pred = _opaque(layer_png(evaluation=evaluation, section=section, layer="pred"))
    vr = VolumeResult.objects.select_related("volume").get(
        evaluation=evaluation, volume=section.volume, method="otsu"
    )
    otsu_mask = volume_result_mask(vr, 2)
    assert np.array_equal(
        pred[..., 3] == 255, otsu_mask & ~ndi.binary_erosion(otsu_mask, border_value=0)
    )
    assert "baselines only" in report_html(evaluation)


# ---------------------------------------------------------------------------------------------
# A figure never fails the evaluation


def test_a_figure_that_raises_is_left_out_with_a_note_and_the_evaluation_succeeds(
    project, manager, make_volume, monkeypatch
):
    def broken(evaluation, summary):
        raise TypeError("Input z must be at least a (2, 2) shaped array")

    spec = figure_registry.SPECS["pr_curves"]
    monkeypatch.setitem(figure_registry.SPECS, "pr_curves", type(spec)(spec.title, broken))
    made = make_specimens(project, make_volume, 1, z=4, size=32)

    done = run_evaluation(project, manager, specimens=[made[0][0]])

    assert done.status == "succeeded", done.error
    assert done.summary["by_method"]["edge"]["set"]["dice"]["mean"] is not None
    assert SectionResult.objects.filter(evaluation=done).count() == 2 * 4
    assert "pr_curves" not in done.result["figures"] and "dice_boxplot" in done.result["figures"]
    with done.report.open("rb") as fh:
        stored = fh.read().decode("utf-8")
    assert 'data-figure="pr_curves" data-left-out="true"' in stored
    assert "could not be drawn (TypeError: Input z must be" in stored
    notes = {f["name"]: f["note"] for f in stored_figures(done)}
    assert "TypeError" in notes["pr_curves"] and notes["dice_boxplot"] is None


# ---------------------------------------------------------------------------------------------
# Names and aggregations


def _visible_text(html: str) -> str:
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_report_names_every_metric_and_never_shows_a_raw_key(shared_report):
    text = _visible_text(shared_report)

    for label in METRIC_LABELS.values():
        assert label in text
    for raw in ("auc_pr", "f05", "dice_3d", "intersection_ratio", "fn_rate", "n_gt"):
        assert raw not in text, raw


def test_every_table_says_how_it_is_aggregated_and_the_objects_table_names_both_criteria(
    shared_report,
):
    text = _visible_text(shared_report)

    assert "mean ± sample SD over sections" in text
    assert "mean ± sample SD over volumes" in text
    assert "counts summed over sections and volumes" in text
    assert "matched section by section on real instances" in text
    assert "Per class at threshold" in text  # the per-class table names the class
    assert "pixels pooled over the set" in text
    assert "IoU ≥ 0.7" in text and "covered &lt; 70 %" in text


def test_the_report_gives_dice_over_all_sections_and_over_sections_with_a_nucleus(
    evaluation, shared_report
):
    rows = SectionResult.objects.filter(evaluation=evaluation, method="model")
    everything = [r.dice for r in rows]
    with_nucleus = [r.dice for r in rows if r.gt_pixels > 0]
    assert 0 < len(with_nucleus) < len(everything), "the fixture has empty end sections"

    blocks = nucleus_blocks(evaluation, ["model", "edge"])
    assert blocks["model"]["set"]["sections"] == len(with_nucleus)
    assert blocks["model"]["set"]["dice"]["mean"] == pytest.approx(np.mean(with_nucleus))
    assert blocks["model"]["set"]["dice"]["std"] == pytest.approx(np.std(with_nucleus, ddof=1))
    html = shared_report
    headline = re.search(r'data-role="headline">([^<]*)<', html).group(1)
    assert f"{np.mean(everything):.3f} over all sections ({len(everything)})" in headline
    assert f"{np.mean(with_nucleus):.3f} over sections with a nucleus ({len(with_nucleus)})" in (
        headline
    )
    tp, fp, fn = (sum(getattr(r, k) for r in rows) for k in ("tp", "fp", "fn"))
    assert f"Pixels pooled over the set: {2 * tp / (2 * tp + fp + fn):.3f}" in html
    nucleus_table = html[html.index('id="nucleus-table"') :]
    assert f"{np.mean(with_nucleus):.3f} ± {np.std(with_nucleus, ddof=1):.3f}" in nucleus_table


def test_a_cross_validation_evaluation_is_labelled_by_its_job_not_its_first_fold(
    project, manager, make_volume
):
    made = make_specimens(project, make_volume, 4, z=3, size=32)
    job, versions = cross_validation_job(project, [s for s, _ in made], folds=2)
    done = run_evaluation(project, manager, version=versions[0], set_kind="cross_validation")

    label = f"Unet16 · job {job.pk} (2 folds)"
    assert method_label(done, "model") == label
    html = report_html(done)
    assert label in html
    assert versions[0].name not in re.search(r"<figure.*</figure>", html, re.S).group(0)
    # The folds' means of section means are the training job page's numbers, and say so; the
    # pooled Dice per fold sits beside them, named as pooled.
    assert "over the folds&#x27; means (as the training job page)" in html
    assert "pooled per fold, mean over 2 folds" in html


# ---------------------------------------------------------------------------------------------
# Layout: nothing covers anything else at the size the report uses


def _boxes(fig, artists):
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


def _draw(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    return fig


def test_the_pr_legend_sits_outside_the_curves(evaluation):
    fig = _draw(score_figures.pr_figure(evaluation, evaluation.summary))
    (ax,) = fig.axes  # a binary version: one class, one panel, named
    assert ax.get_title() == "Class nucleus"
    legend = ax.get_legend()
    assert not legend.get_window_extent().overlaps(ax.get_window_extent())
    renderer = fig.canvas.get_renderer()
    assert fig.bbox.contains(*legend.get_window_extent(renderer).p0)  # and inside the figure


def test_time_lapse_tick_labels_stay_inside_their_own_panel(evaluation):
    fig = _draw(set_figures.timelapse_figure(evaluation, evaluation.summary))
    renderer = fig.canvas.get_renderer()
    axes = fig.axes
    assert len(axes) == 3
    for left, right in zip(axes, axes[1:]):
        assert left.get_tightbbox(renderer).x1 < right.get_tightbbox(renderer).x0
    labels = [t.get_text() for t in axes[2].get_yticklabels()]
    assert all(re.fullmatch(r"1\.3\d{3}", t) for t in labels), labels


def test_box_plot_tick_labels_do_not_overlap_with_long_method_names(project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, z=4, size=32)
    made += make_specimens(project, make_volume, 1, z=4, size=32, lab="Another lab", seed=2)
    version = tiny_model_version(project, name="OS-Net · job 12 · fold 1/4 · a long name")
    done = run_evaluation(project, manager, specimens=[s for s, _ in made], version=version)

    fig = _draw(score_figures.dice_figure(done, done.summary))
    for ax in fig.axes:
        boxes = _boxes(fig, [t for t in ax.get_xticklabels() if t.get_text()])
        assert len(boxes) == 2
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert fig.legends, "methods are named in a legend when boxes are grouped by lab"
