"""The report's volume table over a set where not every volume has every number: a 3D volume
with a voxel size (µm³ and %), one without (neither), and a single-section field (a % of its
area, no µm³). Each cell says over how many of the row's volumes it is taken, and has no SD of
a single volume; its numbers are scikit-learn's and numpy's on the stored masks."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from sklearn.metrics import f1_score

from annotations.models import Specimen
from annotations.services.volumes import volume_create
from inference.models import VolumeResult
from inference.reports import FigureSet, report_html
from inference.reports.class_figures import class_figure
from inference.reports.csv_rows import results_csv_rows
from inference.reports.set_figures import volume_figure
from tests.helpers_evaluation import VOXEL, add_gt, disk_volume, run_evaluation

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")


@pytest.fixture
def evaluated(project, manager):
    """(evaluation, {volume id: (truth, voxel size or None)}) of the baselines."""
    rng = np.random.default_rng(5)
    fields = {}
    for name, z, voxel in (("sized", 5, VOXEL), ("unsized", 4, None), ("flat", 1, VOXEL)):
        specimen = Specimen.objects.create(project=project, name=name, lab="A")
        ri, nucleus = disk_volume(max(z, 3), 32, rng, radius=8)
        if z == 1:
            ri, nucleus = ri[1:2], nucleus[1:2]
        truth = nucleus.copy()
        truth[-1] = nucleus[z // 2]  # a nucleus in the truth where the image shows none
        volume = volume_create(specimen=specimen, data=ri, modality="ri", voxel_size=voxel)
        add_gt(volume, truth)
        fields[volume.pk] = (truth, voxel)
    specimens = list(Specimen.objects.filter(project=project))
    done = run_evaluation(project, manager, specimens=specimens)
    assert done.status == "succeeded", done.error
    return done, fields


def predicted(row: VolumeResult) -> np.ndarray:
    with row.pred_mask.open("rb") as fh:
        return tifffile.imread(io.BytesIO(fh.read())) > 0


def test_each_volume_cell_says_over_how_many_volumes(evaluated):
    """µm³ only from the 3D volume with a voxel size; the difference in % from voxel counts of
    every 3D volume, with a voxel size or without; the 2D field's % (its area's) in a column of
    its own, never averaged with a volume's."""
    done, fields = evaluated
    dice, um3, volume_pct, area_pct = [], [], [], []
    for row in VolumeResult.objects.filter(evaluation=done, method="otsu"):
        truth, voxel = fields[row.volume_id]
        mask = predicted(row)
        dice.append(f1_score(truth.ravel(), mask.ravel()))
        pct = 100 * (int(mask.sum()) - int(truth.sum())) / int(truth.sum())
        assert row.volume_difference_pct == pytest.approx(pct)
        (volume_pct if len(truth) > 1 else area_pct).append(pct)
        if voxel is not None and len(truth) > 1:
            um3.append(abs(int(mask.sum()) - int(truth.sum())) * np.prod(voxel))
    assert len(dice) == 3 and len(volume_pct) == 2 and len(area_pct) == 1 and len(um3) == 1

    html = report_html(done, FigureSet())
    table = html.split('id="volume-table"')[1].split("</table>")[0]
    assert '<th class="cw-num">Volume difference (%), 3D volumes</th>' in table
    assert '<th class="cw-num">Area difference (%), 2D fields</th>' in table
    row = table.split('data-method="otsu">')[1].split("</tr>")[0]
    assert f"{np.mean(dice):.3f} ± {np.std(dice, ddof=1):.3f}</td>" in row
    assert f"{um3[0]:.3f} <small>(1 of 3 images)</small>" in row  # no SD of one volume
    spread = f"{np.mean(volume_pct):.3f} ± {np.std(volume_pct, ddof=1):.3f}"
    assert f"{spread} <small>(2 of 3 images)</small>" in row
    assert f">{area_pct[0]:.3f} <small>(1 of 3 images)</small>" in row
    assert "never averaged together" in html.split('id="volume-table"')[1].split("</section>")[0]

    block = done.summary["volumes"]["otsu"]  # the report's source
    assert block["volume_difference_pct"]["mean"] == pytest.approx(np.mean(volume_pct))
    assert block["volume_difference_pct"]["std"] == pytest.approx(np.std(volume_pct, ddof=1))
    assert block["area_difference_pct"] == {"mean": pytest.approx(area_pct[0]), "std": None, "n": 1}


def test_the_csv_keeps_a_fields_area_difference_apart(evaluated):
    done, fields = evaluated
    rows = list(results_csv_rows(done))
    head = rows[0]
    volume, area = head.index("volume_difference_pct"), head.index("area_difference_pct")
    seen = {}
    for line in rows[1:]:
        if line[0] == "volume" and line[head.index("method")] == "otsu":
            seen[int(line[head.index("volume_id")])] = (line[volume], line[area])
    stored = {
        r.volume_id: r.volume_difference_pct
        for r in VolumeResult.objects.filter(evaluation=done, method="otsu")
    }
    for volume_id, (of_volume, of_area) in seen.items():
        deep = len(fields[volume_id][0]) > 1
        assert float(of_volume if deep else of_area) == pytest.approx(stored[volume_id])
        assert (of_area if deep else of_volume) == ""
    assert len(seen) == 3


def test_every_bar_of_the_class_figure_shows_its_mean_dice(evaluated):
    """Dice over all sections (a section empty on both sides scores 1.0): with a spread
    reaching past 1, the mean's label is drawn above the error bar still inside the axis."""
    done, fields = evaluated
    dice = {}
    for row in VolumeResult.objects.filter(evaluation=done):
        truth, mask = fields[row.volume_id][0], predicted(row)
        dice.setdefault(row.method, []).extend(
            f1_score(t.ravel(), m.ravel(), zero_division=1.0) for t, m in zip(truth, mask)
        )
    tops = {m: np.mean(d) + np.std(d, ddof=1) for m, d in dice.items()}
    assert max(tops.values()) > 1.05  # beyond the Dice axis's usual top

    ax = class_figure(done, done.summary).axes[0]
    labels = {a.get_text(): a.xy[1] for a in ax.texts}  # text: the top of its error bar
    assert len(labels) == len(dice) == 2
    for method, values in dice.items():
        assert labels[f"{np.mean(values):.2f}"] == pytest.approx(tops[method])
    assert max(labels.values()) < ax.get_ylim()[1]


def test_a_single_section_field_measures_no_nucleus_volume(evaluated):
    """A 2D field's nuclei have areas: no µm³, surface or concentration, as its volume row has
    no µm³; the 3D volume with a voxel size measures its nuclei as 3D voxel counts."""
    done, fields = evaluated
    rows = VolumeResult.objects.filter(evaluation=done, method="otsu")
    flat = rows.get(volume__size_z=1)
    assert flat.gt_volume_um3 is None and flat.nuclei == [] and flat.gt_nuclei == []
    sized = next(r for r in rows if fields[r.volume_id][1] is not None and r.volume.size_z > 1)
    truth = fields[sized.volume_id][0]
    assert [n["voxel_count"] for n in sized.gt_nuclei] == [int(truth.sum())]  # one 3D nucleus
    assert sized.gt_nuclei[0]["volume_um3"] == pytest.approx(truth.sum() * np.prod(VOXEL))


def test_the_bland_altman_of_one_volume_draws_its_bias_without_limits(evaluated):
    """One 3D volume with a voxel size per method: its difference in µm³ (numpy on the stored
    masks) is the bias line, and no ±1.96 SD limits are drawn on it (no SD of one value)."""
    done, fields = evaluated
    bias = {}
    for row in VolumeResult.objects.filter(evaluation=done, volume__size_z__gt=1):
        truth, voxel = fields[row.volume_id]
        if voxel is not None:
            bias[row.method] = (int(predicted(row).sum()) - int(truth.sum())) * np.prod(voxel)
    assert len(bias) == 2

    bland = volume_figure(done, done.summary).axes[1]
    lines = sorted(line.get_ydata()[0] for line in bland.get_lines())
    assert lines == pytest.approx(sorted([0.0, *bias.values()]))  # the zero line and each bias
    assert "bias alone of one volume" in bland.get_title()
