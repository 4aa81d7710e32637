"""Training loop, cancellation, evaluation metrics, checkpoints and run-time estimates."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from annotations.imaging import overlap
from inference.ml.augment import AugmentConfig, epoch_indices
from inference.ml.data import iterate_batches
from inference.ml.device import autocast_context, device_description, pick_device
from inference.ml.engine import (
    EvalStats,
    TrainingCancelled,
    estimate_seconds,
    evaluate,
    load_checkpoint,
    make_loss,
    make_optimizer,
    predict_probabilities,
    prepare_model,
    save_checkpoint,
    seed_everything,
    train_one_epoch,
)
from inference.ml.nets import create_model

CPU = torch.device("cpu")


def _disks(n: int, size: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy bright and dark disks: the network must learn shape, not just brightness."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    centre = torch.randint(10, size - 10, (n, 2), generator=g)
    radius = torch.randint(4, 8, (n,), generator=g)
    r2 = (yy - centre[:, 0, None, None]) ** 2 + (xx - centre[:, 1, None, None]) ** 2
    masks = (r2 < radius[:, None, None] ** 2).float().unsqueeze(1)
    sign = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)[:, None, None, None]
    images = sign * masks + 0.3 * torch.randn(masks.shape, generator=g)
    return images, masks


def test_tiny_training_run_lowers_the_loss() -> None:
    gen = seed_everything(0)
    images, masks = _disks(64)
    model = prepare_model(create_model("osnet"), CPU)
    optimizer = make_optimizer(model, lr=2e-3)  # higher than the paper's 5e-4: only 32 steps
    loss_fn = make_loss("bce")
    before = evaluate(model, [(images, masks)], loss_fn, device=CPU)
    losses = []
    for epoch in range(4):  # 4 epochs x 8 batches = 32 steps
        order = torch.randperm(64, generator=gen)
        batches = list(iterate_batches(images, masks, order, None, 8))
        stats = train_one_epoch(model, batches, optimizer, loss_fn, device=CPU, epoch=epoch)
        assert stats.sections == 64 and stats.sections_per_s > 0
        losses.append(stats.loss)
    after = evaluate(model, [(images, masks)], loss_fn, device=CPU)
    assert losses[-1] < 0.6 * losses[0], losses
    assert after.loss < 0.5 * before.loss, (before, after)
    assert after.dice > 0.85, after


def test_training_with_augmentation_and_dice_bce_runs() -> None:
    gen = seed_everything(1)
    images, masks = _disks(16)
    model = prepare_model(create_model("osnet"), CPU)
    optimizer = make_optimizer(model)
    indices, flags = epoch_indices(16, AugmentConfig(), gen)
    batches = iterate_batches(images, masks, indices, flags, 8, AugmentConfig(), gen)
    stats = train_one_epoch(
        model, batches, optimizer, make_loss("dice_bce"), device=CPU, epoch=0, n_batches=3
    )
    assert stats.sections == 16 + 5 and math.isfinite(stats.loss)


def test_should_stop_cancels_before_a_batch_and_on_batch_counts() -> None:
    images, masks = _disks(10)
    batches = [(images[i : i + 2], masks[i : i + 2]) for i in range(0, 10, 2)]
    model = create_model("unet16")
    optimizer = make_optimizer(model)
    calls: list[tuple[int, int, float]] = []
    checks = {"n": 0}

    def stop_at_third() -> bool:
        checks["n"] += 1
        return checks["n"] >= 3

    with pytest.raises(TrainingCancelled):
        train_one_epoch(
            model,
            batches,
            optimizer,
            make_loss("bce"),
            device=CPU,
            epoch=0,
            on_batch=lambda done, total, loss: calls.append((done, total, loss)),
            should_stop=stop_at_third,
        )
    assert [(d, t) for d, t, _ in calls] == [(1, 5), (2, 5)]
    assert all(math.isfinite(loss) for _, _, loss in calls)

    calls.clear()
    stats = train_one_epoch(
        model,
        iter(batches),  # no len(): the total comes from n_batches
        optimizer,
        make_loss("bce"),
        device=CPU,
        epoch=1,
        n_batches=5,
        on_batch=lambda done, total, loss: calls.append((done, total, loss)),
        should_stop=lambda: False,
    )
    assert [(d, t) for d, t, _ in calls] == [(i, 5) for i in range(1, 6)]
    assert stats.sections == 10 and stats.epoch == 1


class _Oracle(nn.Module):
    """Returns the input as logits: lets a test choose predictions exactly."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.dummy


def test_evaluate_pooled_metrics_match_the_paper_formulas() -> None:
    rng = np.random.default_rng(0)
    truth = (rng.random((6, 1, 16, 16)) < 0.4).astype(np.float32)
    pred = truth.copy()
    flip = rng.random(truth.shape) < 0.2
    pred[flip] = 1 - pred[flip]
    logits = torch.from_numpy(np.where(pred > 0, 4.0, -4.0).astype(np.float32))
    batches = [(logits[:4], torch.from_numpy(truth[:4])), (logits[4:], torch.from_numpy(truth[4:]))]
    stats = evaluate(_Oracle(), batches, make_loss("bce"), device=CPU)
    tp = float(((pred == 1) & (truth == 1)).sum())
    fp = float(((pred == 1) & (truth == 0)).sum())
    fn = float(((pred == 0) & (truth == 1)).sum())
    assert isinstance(stats, EvalStats)
    assert stats.dice == pytest.approx(2 * tp / (2 * tp + fp + fn))
    assert stats.jaccard == pytest.approx(tp / (tp + fp + fn))
    assert stats.f05 == pytest.approx(1.25 * tp / (1.25 * tp + fp + 0.25 * fn))
    assert stats.precision == pytest.approx(tp / (tp + fp))
    assert stats.recall == pytest.approx(tp / (tp + fn))
    bce = nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(truth))
    assert stats.loss == pytest.approx(float(bce), rel=1e-5)


@pytest.mark.parametrize(
    ("predicted", "expected"),
    [
        (False, {"dice": 1.0, "jaccard": 1.0, "f05": 1.0, "precision": 1.0, "recall": 1.0}),
        (True, {"dice": 0.0, "jaccard": 0.0, "f05": 0.0, "precision": 0.0, "recall": 0.0}),
    ],
)
def test_evaluate_on_sections_without_nuclei_scores_as_the_reports_do(predicted, expected) -> None:
    """Nothing to find: an empty prediction is perfect, a prediction is wrong on every score,
    recall included (validation and the evaluation report must not disagree on a held-out set
    or a class with no nucleus)."""
    truth = torch.zeros((2, 1, 8, 8))
    logits = torch.full((2, 1, 8, 8), 4.0 if predicted else -4.0)
    stats = evaluate(_Oracle(), [(logits, truth)], make_loss("bce"), device=CPU)
    got = {k: getattr(stats, k) for k in expected}
    report = overlap.scores_from_counts(0, int((logits > 0).sum()), 0)
    assert got == expected
    assert got["recall"] == report["recall"] and got["precision"] == report["precision"]


def test_predict_probabilities_shape_and_range() -> None:
    model = create_model("unet16")
    probs = predict_probabilities(model, torch.randn(5, 1, 32, 32), device=CPU, batch_size=2)
    assert probs.shape == (5, 1, 32, 32) and probs.dtype == torch.float32
    assert float(probs.min()) >= 0.0 and float(probs.max()) <= 1.0


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    seed_everything(0)
    images, masks = _disks(4)
    model = create_model("unet16")
    optimizer = make_optimizer(model)
    train_one_epoch(model, [(images, masks)], optimizer, make_loss("bce"), device=CPU, epoch=0)
    history = [{"epoch": 0, "loss": np.float32(0.5), "dice": 0.7}]
    path = tmp_path / "ckpt" / "model.pt"
    save_checkpoint(
        path, model=model, optimizer=optimizer, epoch=3, history=history, extra={"arch": "unet16"}
    )
    assert path.exists()
    assert [p.name for p in path.parent.iterdir()] == ["model.pt"]  # no temporary left over

    fresh = create_model("unet16")
    fresh_opt = make_optimizer(fresh)
    meta = load_checkpoint(path, model=fresh, optimizer=fresh_opt)
    assert meta["epoch"] == 3
    assert meta["history"] == [{"epoch": 0, "loss": 0.5, "dice": 0.7}]
    assert meta["extra"] == {"arch": "unet16"}
    for (name, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        assert torch.equal(a, b), name
    old_state, new_state = optimizer.state_dict()["state"], fresh_opt.state_dict()["state"]
    assert old_state.keys() == new_state.keys() and old_state
    for key in old_state:
        assert torch.equal(old_state[key]["exp_avg"], new_state[key]["exp_avg"])
        assert torch.equal(old_state[key]["exp_avg_sq"], new_state[key]["exp_avg_sq"])

    # Overwriting is atomic and the newest wins.
    save_checkpoint(path, model=model, optimizer=None, epoch=4, history=[], extra={})
    assert load_checkpoint(path, model=fresh)["epoch"] == 4
    with pytest.raises(ValueError, match="no optimiser state"):
        load_checkpoint(path, model=fresh, optimizer=fresh_opt)


def test_make_loss_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="bce"):
        make_loss("focal")  # type: ignore[arg-type]


def test_estimate_seconds_scales_sensibly() -> None:
    base = estimate_seconds("osnet", 700, 10, 4, 448, "cpu")
    assert base > 0
    assert estimate_seconds("osnet", 700, 20, 4, 448, "cpu") == pytest.approx(2 * base)
    assert estimate_seconds("osnet", 700, 10, 4, 224, "cpu") == pytest.approx(base / 4)
    assert estimate_seconds("unet16_gcn_ssc", 700, 10, 4, 448, "cpu") == pytest.approx(base)
    assert estimate_seconds("unet64", 700, 10, 4, 448, "cpu") > 5 * base
    gpu = estimate_seconds("osnet", 700, 300, 4, 448, "cuda")
    # docs/performance.md: the paper's full regime is ~17 min on an H100 in eager mode.
    assert 10 * 60 < gpu < 30 * 60
    with pytest.raises(ValueError):
        estimate_seconds("resnet", 700, 10, 4, 448, "cpu")
    with pytest.raises(ValueError):
        estimate_seconds("osnet", 700, 10, 4, 448, "tpu")


def test_device_helpers() -> None:
    assert pick_device("cpu") == CPU
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device().type == expected and pick_device("auto").type == expected
    assert pick_device("cuda").type == expected  # falls back to the CPU without CUDA
    with pytest.raises(ValueError):
        pick_device("bogus")
    assert device_description(CPU) == f"cpu ({torch.get_num_threads()} threads)"
    with autocast_context(CPU):
        assert torch.ones(2, 2).matmul(torch.ones(2, 2)).dtype == torch.float32
