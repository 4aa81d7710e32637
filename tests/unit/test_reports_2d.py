"""A 2D project end to end: phase-contrast fields (one section each) with their Hoechst image,
fluorescence ground truth, k-fold training, a cross-validation evaluation and its report. 2D
images have no orthogonal views and no nucleus volume: those figures are left out with a note,
and the evaluation keeps every number."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import Specimen
from annotations.services.volumes import volume_create
from inference.ml.fluorescence import FluorescenceGTParams
from inference.models import ModelVersion, SectionResult, VolumeResult
from inference.reports import report_html, stored_figures
from inference.services.fluorescence_gt import fluorescence_gt_create
from inference.services.training import training_job_launch, training_job_run_foreground
from tests.helpers_evaluation import run_evaluation
from tests.helpers_training import tiny_config

pytestmark = pytest.mark.slow

SIZE = 48


def phase_fields(project, n: int, *, empty: int = 1) -> list[Specimen]:
    """``n`` fields of one dish: a phase image and its Hoechst image each; the last ``empty``
    fields hold no nucleus."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    fields = []
    for i in range(n):
        specimen = Specimen.objects.create(project=project, name=f"dish-1-field-{i:02d}", lab="A")
        cy, cx = rng.integers(SIZE // 3, 2 * SIZE // 3, 2)
        nucleus = (yy - cy) ** 2 + (xx - cx) ** 2 < (SIZE / 5) ** 2
        nucleus &= i < n - empty
        phase = 100 + 30 * nucleus + rng.normal(0, 4, nucleus.shape)
        stain = 100 + 900 * nucleus + rng.normal(0, 20, nucleus.shape)
        volume_create(specimen=specimen, data=phase.astype(np.float32), modality="phase")
        volume_create(
            specimen=specimen,
            data=stain.astype(np.float32),
            modality="fluorescence",
            channel="Hoechst",
        )
        fields.append(specimen)
    return fields


def test_a_2d_phase_project_trains_evaluates_and_reports(
    project,
    manager,
    reviewer,
    single_thread_torch,
):
    phase_fields(project, 6)
    # A fixed threshold: Otsu on a stain image without nucleus would split its noise.
    params = FluorescenceGTParams(method="fixed", value=500.0, min_size=5, remove_border=False)
    assert fluorescence_gt_create(project=project, user=reviewer, params=params) == 6
    config = tiny_config(gt_source="fluorescence", modalities=["phase"], folds=2, epochs=1)
    job = training_job_launch(project=project, user=manager, config=config, queue=False)
    job = training_job_run_foreground(job=job, device="cpu")
    assert job.status == "succeeded", job.error
    first_fold = ModelVersion.objects.filter(job=job, kind="fold").order_by("fold__index")[0]

    done = run_evaluation(
        project, manager, version=first_fold, set_kind="cross_validation", gt_source="fluorescence"
    )

    assert done.status == "succeeded", done.error
    assert SectionResult.objects.filter(evaluation=done, method="model").count() == 6
    assert done.summary["metrics"]["dice"]["mean"] is not None
    notes = {f["name"]: f["note"] for f in stored_figures(done)}
    assert "no xz or yz views" in notes["orthogonal"]
    assert "2D images" in notes["volume_agreement"]
    assert notes["pr_curves"] is None and notes["dice_boxplot"] is None
    assert notes["worst"] is None
    html = report_html(done)
    tables = html[html.index('id="summary-table"') :]
    assert f"Unet16 · job {job.pk} (2 folds)" in tables and "fold 1/2" not in tables
    assert "sections with a nucleus (5)" in html
    # A field's area is no volume: its table gives the area's numbers and no µm³.
    fields = html[html.index('id="volume-table"') : html.index('id="object-table"')]
    assert "Area difference (%)" in fields and "µm³" not in fields
    volumes = VolumeResult.objects.filter(evaluation=done)
    assert volumes.exists() and not volumes.filter(gt_volume_um3__isnull=False).exists()
