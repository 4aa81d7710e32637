"""Class and instance heads on every registry network: shapes, a gradient step, kept weights."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from inference.ml.heads import HeadLayout, SegmentationHeads, attach_heads, create_model_with_heads
from inference.ml.losses import HeadLoss, pack_targets
from inference.ml.nets import MODEL_NAMES, create_model


def _targets(batch: int, size: int, layout: HeadLayout) -> torch.Tensor:
    classes = torch.zeros(batch, size, size)
    classes[:, 4:20, 4:20] = min(2, layout.n_classes - 1) if layout.n_classes > 1 else 1
    classes[:, 8:14, 8:14] = 1
    extra = torch.rand(batch, size, size) if layout.instance else None
    return pack_targets(classes, extra)


@pytest.mark.usefixtures("single_thread_torch")
@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize(
    "layout",
    [HeadLayout(3, "distance"), HeadLayout(1, "boundary"), HeadLayout(4)],
    ids=["softmax+distance", "binary+boundary", "softmax"],
)
def test_every_network_takes_the_heads_and_learns_through_them(name, layout):
    torch.manual_seed(0)
    model = create_model_with_heads(name, layout)
    x = torch.randn(2, 1, 32, 32)
    output = model(x)
    assert output.shape == (2, layout.channels, 32, 32)
    classes, instance = layout.split(output)
    assert classes.shape == (2, layout.n_classes, 32, 32)
    assert (instance is None) == (layout.instance is None)

    head_before = [p.detach().clone() for p in model.head.parameters()]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss = HeadLoss(layout)(output, _targets(2, 32, layout))
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    first_conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    assert first_conv.weight.grad.abs().sum() > 0  # the gradient reaches the first layer
    optimizer.step()
    assert any(not torch.equal(a, b) for a, b in zip(head_before, model.head.parameters()))


def test_a_binary_network_keeps_its_trained_head_when_it_gains_a_distance_channel():
    model = create_model("unet16")
    old_head = model.head
    x = torch.randn(1, 1, 32, 32)
    model.eval()
    with torch.no_grad():
        before = model(x)
        attach_heads(model, HeadLayout(1, "distance"))
        after = model(x)
    assert isinstance(model.head, SegmentationHeads) and model.head.classes is old_head
    torch.testing.assert_close(after[:, :1], before)
    assert (
        "head.classes.weight" in model.state_dict() and "head.instance.weight" in model.state_dict()
    )


def test_a_network_with_a_different_class_count_gets_a_new_class_convolution():
    model = create_model("osnet")
    old_head = model.head
    attach_heads(model, HeadLayout(3))
    assert model.head.classes is not old_head and model.head.classes.out_channels == 3


def test_layouts_predict_classes_from_probabilities():
    binary = HeadLayout(1, "distance")
    output = torch.tensor([[[[2.0, -2.0]], [[0.7, 0.1]]]])  # (1, 2, 1, 2)
    assert binary.predict_classes(output).tolist() == [[[1, 0]]]
    softmax = HeadLayout(3)
    logits = torch.tensor([[[[0.0, 5.0]], [[3.0, 0.0]], [[1.0, 0.0]]]])
    assert softmax.predict_classes(logits).tolist() == [[[1, 0]]]
    torch.testing.assert_close(softmax.class_probabilities(logits).sum(dim=1), torch.ones(1, 1, 2))
    assert HeadLayout(**HeadLayout(3, "boundary").to_dict()) == HeadLayout(3, "boundary")


def test_bad_layouts_and_outputs_are_refused():
    with pytest.raises(ValueError, match="n_classes"):
        HeadLayout(0)
    with pytest.raises(ValueError, match="instance output"):
        HeadLayout(2, "contour")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\(B, 4, H, W\)"):
        HeadLayout(3, "distance").split(torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match="no final 1x1 convolution"):
        attach_heads(nn.Sequential(nn.Conv2d(1, 1, 3)), HeadLayout(2))
