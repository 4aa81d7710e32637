"""Output heads for label classes and nucleus instances, attached to any registry network.

Every network in ``nets`` ends in a 1x1 convolution named ``head``. :func:`attach_heads` replaces
it with :class:`SegmentationHeads`, which returns, concatenated on the channel axis:

- the class logits: one channel for a binary nucleus mask (sigmoid, as today), or one channel per
  class, background included, for several classes (softmax);
- optionally one instance channel (paper 004's extra output): the distance map (each nucleus's
  distance to its border, regressed) or the interior/boundary logit (the border pixels between
  and around nuclei), from which ``instances`` separates touching nuclei.

One tensor out, so the training loop, autocast and checkpoints work unchanged;
:class:`HeadLayout` says which channel is which. When the network's own head already gives the
class logits (a binary model gaining a distance head, as paper 004 extends a pretrained model),
it is kept with its weights and only the instance convolution is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from .nets import create_model

__all__ = [
    "INSTANCE_OUTPUTS",
    "HeadLayout",
    "SegmentationHeads",
    "attach_heads",
    "create_model_with_heads",
]

InstanceOutput = Literal["distance", "boundary"]
INSTANCE_OUTPUTS: tuple[str, ...] = ("distance", "boundary")


@dataclass(frozen=True)
class HeadLayout:
    """Which output channel is what.

    ``n_classes`` is 1 for a binary mask (one sigmoid logit) or the number of classes *including
    background* for a softmax output (class value k is channel k). ``instance`` adds one last
    channel: ``"distance"`` or ``"boundary"``, or None.
    """

    n_classes: int = 1
    instance: InstanceOutput | None = None

    def __post_init__(self) -> None:
        if self.n_classes < 1:
            raise ValueError(f"n_classes must be >= 1, got {self.n_classes}")
        if self.instance is not None and self.instance not in INSTANCE_OUTPUTS:
            raise ValueError(
                f"instance output must be one of {', '.join(INSTANCE_OUTPUTS)} or None, "
                f"got {self.instance!r}"
            )

    def to_dict(self) -> dict[str, int | str | None]:
        """For a checkpoint's ``extra``: rebuild with ``HeadLayout(**layout_dict)``."""
        return {"n_classes": self.n_classes, "instance": self.instance}

    @property
    def channels(self) -> int:
        return self.n_classes + (1 if self.instance else 0)

    def split(self, output: Tensor) -> tuple[Tensor, Tensor | None]:
        """``(class logits (B, n_classes, H, W), instance channel (B, H, W) or None)``."""
        if output.ndim != 4 or output.shape[1] != self.channels:
            raise ValueError(
                f"expected (B, {self.channels}, H, W) outputs for {self}, got {tuple(output.shape)}"
            )
        classes = output[:, : self.n_classes]
        return classes, (output[:, self.n_classes] if self.instance else None)

    def class_probabilities(self, output: Tensor) -> Tensor:
        """Foreground probability (binary, (B, 1, H, W)) or per-class softmax (B, C, H, W)."""
        logits = self.split(output)[0].float()
        return torch.sigmoid(logits) if self.n_classes == 1 else torch.softmax(logits, dim=1)

    def predict_classes(self, output: Tensor, threshold: float = 0.5) -> Tensor:
        """Class value per pixel (B, H, W) int64: the most probable class, or for a binary
        output 1 where the probability exceeds ``threshold``."""
        probabilities = self.class_probabilities(output)
        if self.n_classes == 1:
            return (probabilities[:, 0] > threshold).long()
        return probabilities.argmax(dim=1)


class SegmentationHeads(nn.Module):
    """1x1 convolutions from the last feature map to the channels of a :class:`HeadLayout`."""

    def __init__(
        self, in_channels: int, layout: HeadLayout, *, class_conv: nn.Conv2d | None = None
    ) -> None:
        super().__init__()
        self.layout = layout
        self.classes = class_conv or nn.Conv2d(in_channels, layout.n_classes, kernel_size=1)
        if self.classes.out_channels != layout.n_classes:
            raise ValueError("the class convolution must give one channel per class")
        self.instance = nn.Conv2d(in_channels, 1, kernel_size=1) if layout.instance else None

    def forward(self, x: Tensor) -> Tensor:
        classes = self.classes(x)
        if self.instance is None:
            return classes
        return torch.cat([classes, self.instance(x)], dim=1)


def _final_conv(model: nn.Module) -> nn.Conv2d:
    head = getattr(model, "head", None)
    if isinstance(head, SegmentationHeads):
        return head.classes
    if not isinstance(head, nn.Conv2d) or head.kernel_size != (1, 1):
        raise ValueError(
            f"{type(model).__name__} has no final 1x1 convolution named 'head' to attach heads to"
        )
    return head


def attach_heads(model: nn.Module, layout: HeadLayout) -> nn.Module:
    """Give ``model`` the outputs of ``layout`` in place (and return it).

    The existing final convolution is kept, weights and all, when it already gives
    ``layout.n_classes`` channels; otherwise a new one replaces it. To extend a trained binary
    model, load its checkpoint first and attach the heads after: the kept convolution's
    parameters move from ``head.*`` to ``head.classes.*``.
    """
    final = _final_conv(model)
    keep = final if final.out_channels == layout.n_classes else None
    heads = SegmentationHeads(final.in_channels, layout, class_conv=keep)
    parameter = next(final.parameters())
    model.head = heads.to(device=parameter.device, dtype=parameter.dtype)
    return model


def create_model_with_heads(name: str, layout: HeadLayout, *, in_channels: int = 1) -> nn.Module:
    """``create_model(name)`` with the outputs of ``layout`` (raises ValueError if unknown)."""
    return attach_heads(create_model(name, in_channels=in_channels), layout)
