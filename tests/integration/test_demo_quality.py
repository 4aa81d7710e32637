"""On the demo data, a briefly trained OS-Net beats the edge-based method in the cross-modality set.

The demo (``annotations.demo.seed.seed_demo``) has ten KAIST cells with imported ground truth, a third
of them with a nucleus darker than its cytoplasm (as in HL60 cells), four Mannheim cells from
another lab's microscope with Hoechst, and a four-step time-lapse with DAPI. OS-Net is trained
on one CPU thread on six KAIST cells (64 px input, batches of 16, Adam lr 2e-3, BCE, flips on a
random 30 %; 8 epochs, about half a minute on an idle core; one thread stays fast on a busy
machine), and scored through the evaluation service against fluorescence ground truth on every
other cell: the four held-out KAIST cells (one with a dark nucleus), the Mannheim cells and the
time-lapse. The edge-based method, run on the same sections, is fooled by the dark nuclei and
by nucleoli and organelles; the network must beat it on mean Dice by at least 0.1.

Of the lengths tried (5, 8 and 12 epochs), 8 is the shortest that passes with room: with the
training seed at 0, 1, 2 or 3 the network led by 0.21 to 0.32 and its loss fell by more than
half; 5 epochs led by 0.07 (a fail) and 12 by 0.33 at seed 0.
"""

from __future__ import annotations

import math
import time

import pytest
import torch
from django.db.models import Avg, Count
from django.utils import timezone

from annotations.demo.seed import seed_demo
from annotations.models import GroundTruthSource, Project, Specimen
from annotations.services.snapshots import ground_truth_as_of
from inference.datasets import entries_for_ground_truths, training_tensors
from inference.ml import engine
from inference.ml.augment import AugmentConfig, epoch_indices
from inference.ml.data import iterate_batches
from inference.ml.fluorescence import FluorescenceGTParams
from inference.ml.nets import create_model
from inference.models import SectionResult
from inference.services.evaluation import evaluation_launch, evaluation_run
from inference.services.fluorescence_gt import fluorescence_gt_create
from inference.services.model_versions import model_version_create, weights_payload

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.django_db]

INPUT = 64
EPOCHS = 8
TRAIN = [f"KAIST-{i:02d}" for i in range(1, 7)]
MARGIN = 0.1


def _train(project: Project, specimens: list[Specimen]):
    gt_ids = ground_truth_as_of(
        project=project,
        source=GroundTruthSource.IMPORTED,
        as_of=timezone.now(),
        specimen_ids=[s.pk for s in specimens],
    )
    x, y = training_tensors(entries_for_ground_truths(gt_ids), input_size=INPUT)
    device = torch.device("cpu")
    generator = engine.seed_everything(0)
    model = engine.prepare_model(create_model("osnet"), device)
    optimizer = engine.make_optimizer(model, lr=2e-3)
    loss_fn = engine.make_loss("bce")
    augment = AugmentConfig(elastic=False, enlarge_crop=False, flips=True, fraction=0.3)
    losses = []
    for epoch in range(EPOCHS):
        indices, flags = epoch_indices(x.shape[0], augment, generator)
        stats = engine.train_one_epoch(
            model,
            iterate_batches(x, y, indices, flags, 16, augment, generator),
            optimizer,
            loss_fn,
            device=device,
            epoch=epoch + 1,
        )
        losses.append(stats.loss)
    assert losses[-1] < losses[0] / 2, losses
    return model, x.shape[0]


def test_trained_osnet_beats_the_edge_based_method_in_the_cross_modality_set(media_root):
    t0 = time.monotonic()
    seed_demo()
    project = Project.objects.get(slug="demo")
    fluorescence_gt_create(project=project, user=None, params=FluorescenceGTParams(scope="volume"))
    prepared_at = time.monotonic()
    train = list(Specimen.objects.filter(project=project, name__in=TRAIN))
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, n_train = _train(project, train)
        trained_at = time.monotonic()
        version = model_version_create(
            project=project,
            name=f"OS-Net {INPUT} px · {EPOCHS} epochs on {len(train)} KAIST cells",
            arch="osnet",
            weights=weights_payload(model, arch="osnet", input_size=INPUT),
            kind="final",
            config={"arch": "osnet", "input_size": INPUT, "epochs": EPOCHS},
            train_specimens=[{"id": s.pk, "name": s.name} for s in train],
        )
        launched = evaluation_launch(
            project=project,
            user=None,
            model_version_id=version.pk,
            set_kind="cross_modality",
            queue=False,
        )
        evaluation = evaluation_run(evaluation_id=launched.pk, device="cpu")
        evaluated_at = time.monotonic()
    finally:
        torch.set_num_threads(previous_threads)

    assert evaluation.status == "succeeded", evaluation.error
    scored = {s["name"] for s in evaluation.config["units"][0]["specimens"]}
    assert not scored & set(TRAIN)
    assert {"KAIST-09", "Mannheim-01", "KAIST-timelapse"} <= scored
    by_method = evaluation.summary["by_method"]
    model_dice = by_method["model"]["set"]["dice"]["mean"]
    edge_dice = by_method["edge"]["set"]["dice"]["mean"]
    otsu_dice = by_method["otsu"]["set"]["dice"]["mean"]
    print(
        f"\ncross-modality set: {evaluation.sections} sections of {len(scored)} specimens "
        f"({n_train} training sections, {INPUT} px, {EPOCHS} epochs)"
    )
    for method in ("model", "edge", "otsu"):
        block = by_method[method]
        line = ", ".join(
            f"{lab} {b['dice']['mean']:.3f}" for lab, b in sorted(block["labs"].items())
        )
        print(
            f"  {method:<6} Dice {block['set']['dice']['mean']:.3f} ± {block['set']['dice']['std']:.3f}"
            f"  AUC-PR {block['set']['auc_pr']['mean']:.3f}  per lab: {line}"
        )
    for method in ("model", "edge"):
        nucleus = SectionResult.objects.filter(
            evaluation=evaluation, method=method, gt_pixels__gt=0
        ).aggregate(d=Avg("dice"), n=Count("id"))
        print(
            f"  {method:<6} Dice over the {nucleus['n']} sections with a nucleus: {nucleus['d']:.3f}"
        )
    volumes = evaluation.summary["volumes"]
    print(
        f"  3D Dice model {volumes['model']['dice_3d']['mean']:.3f}, edge "
        f"{volumes['edge']['dice_3d']['mean']:.3f}; volume intersection ratio model "
        f"{volumes['model']['intersection_ratio']['mean']:.3f}"
    )
    print(
        f"  time: demo data and fluorescence GT {prepared_at - t0:.0f} s, training "
        f"{trained_at - prepared_at:.0f} s, evaluation {evaluated_at - trained_at:.0f} s"
    )
    assert not math.isnan(model_dice)
    assert model_dice >= edge_dice + MARGIN, (model_dice, edge_dice, otsu_dice)
    assert volumes["model"]["dice_3d"]["mean"] > volumes["edge"]["dice_3d"]["mean"]
