"""Multi-class and instance losses: formulas, class weights, and a training run that learns."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from inference.ml.engine import make_optimizer, prepare_model, seed_everything, train_one_epoch
from inference.ml.heads import HeadLayout, create_model_with_heads
from inference.ml.losses import HeadLoss, combined_instance_loss, multiclass_loss, pack_targets

CPU = torch.device("cpu")


def test_uniform_logits_cost_log_c_in_cross_entropy():
    target = torch.tensor([[[0, 1], [2, 1]]])
    loss = multiclass_loss(torch.zeros(1, 3, 2, 2), target, dice_weight=0.0)
    assert float(loss) == pytest.approx(math.log(3))


def test_confident_right_logits_cost_almost_nothing():
    target = torch.tensor([[[0, 1], [2, 1]]])
    logits = 30.0 * F.one_hot(target, 3).permute(0, 3, 1, 2).float()
    assert float(multiclass_loss(logits, target)) < 1e-3


def test_the_dice_term_is_one_minus_the_mean_soft_dice_per_class():
    torch.manual_seed(0)
    logits, target = torch.randn(2, 3, 4, 4), torch.randint(0, 3, (2, 4, 4))
    p = torch.softmax(logits, 1)
    t = F.one_hot(target, 3).permute(0, 3, 1, 2).float()
    dice = [
        (2 * (p[:, c] * t[:, c]).sum() + 1) / (p[:, c].sum() + t[:, c].sum() + 1) for c in range(3)
    ]
    expected = F.cross_entropy(logits, target) + 0.5 * (1 - torch.stack(dice).mean())
    torch.testing.assert_close(multiclass_loss(logits, target, dice_weight=0.5), expected)


def test_class_weights_make_a_rare_class_count():
    target = torch.zeros(1, 8, 8, dtype=torch.long)
    target[0, 0, 0] = 2  # one pixel of a rare class, predicted as background
    logits = torch.zeros(1, 3, 8, 8)
    logits[:, 0] = 3.0
    plain = multiclass_loss(logits, target)
    weighted = multiclass_loss(logits, target, class_weights=[0.1, 1.0, 10.0])
    assert float(weighted) > float(plain)
    with pytest.raises(ValueError, match="3 non-negative numbers"):
        multiclass_loss(logits, target, class_weights=[1.0, 1.0])


def test_combined_loss_is_mse_plus_alpha_times_the_class_loss():
    pred, target = torch.tensor([0.5, 1.0]), torch.tensor([0.0, 1.0])
    class_loss = torch.tensor(0.2)
    expected = 0.125 + 3.0 * 0.2
    assert float(combined_instance_loss(pred, target, class_loss, alpha=3.0)) == pytest.approx(
        expected
    )
    boundary = combined_instance_loss(pred, target, class_loss, kind="boundary", alpha=0.0)
    assert float(boundary) == pytest.approx(float(F.binary_cross_entropy_with_logits(pred, target)))
    with pytest.raises(ValueError, match="alpha"):
        combined_instance_loss(pred, target, class_loss, alpha=-1.0)


def test_head_loss_needs_the_targets_of_its_layout():
    loss = HeadLoss(HeadLayout(3, "distance"))
    with pytest.raises(ValueError, match=r"\(B, 2, H, W\) targets"):
        loss(torch.zeros(1, 4, 4, 4), torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="multi-class"):
        HeadLoss(HeadLayout(1), class_weights=[1.0])
    assert pack_targets(np.zeros((2, 4, 4)), np.ones((2, 4, 4))).shape == (2, 2, 4, 4)


def _cells(n: int, size: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Bright-field-like cells: cytoplasm (class 2) a little brighter than the medium, the
    nucleus (class 1) inside it darker than the cytoplasm, noise over all."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    images, classes = [], []
    for _ in range(n):
        cy, cx = rng.uniform(12, size - 12, 2)
        r2 = (yy - cy) ** 2 + (xx - cx) ** 2
        label = np.where(r2 <= rng.uniform(9, 11) ** 2, 2, 0)
        label[r2 <= rng.uniform(4, 6) ** 2] = 1
        image = np.choose(label, [0.0, -0.5, 1.0]) + rng.normal(0, 0.3, label.shape)
        images.append(image)
        classes.append(label)
    x = torch.tensor(np.stack(images)[:, None], dtype=torch.float32)
    return x, pack_targets(np.stack(classes))


@pytest.mark.usefixtures("single_thread_torch")
def test_multi_class_training_on_nucleus_and_cytoplasm_lowers_the_loss():
    generator = seed_everything(0)
    images, targets = _cells(32)
    layout = HeadLayout(3)
    model = prepare_model(create_model_with_heads("unet16", layout), CPU)
    optimizer = make_optimizer(model, lr=3e-3)
    loss_fn = HeadLoss(layout, class_weights=[0.5, 1.0, 1.0])
    model.eval()
    with torch.no_grad():
        before = float(loss_fn(model(images), targets))
    for epoch in range(6):  # 6 epochs x 4 batches
        order = torch.randperm(32, generator=generator)
        batches = [(images[order[i : i + 8]], targets[order[i : i + 8]]) for i in range(0, 32, 8)]
        train_one_epoch(model, batches, optimizer, loss_fn, device=CPU, epoch=epoch)
    model.eval()
    with torch.no_grad():
        output = model(images)
    after = float(loss_fn(output, targets))
    assert after < 0.6 * before
    predicted = layout.predict_classes(output)
    truth = targets[:, 0].long()
    for value in (1, 2):  # both classes are found, not just the larger one
        both = ((predicted == value) & (truth == value)).sum()
        dice = 2 * both / ((predicted == value).sum() + (truth == value).sum())
        assert float(dice) > 0.5
