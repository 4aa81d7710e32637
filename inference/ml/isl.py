"""In-silico labelling (paper 004): predict the stain from the label-free image, then fine-tune.

Pure PyTorch and NumPy. The pretext task regresses the normalised fluorescence image with an L1
loss from the same registry networks that segment; its score is the Pearson correlation (PCC) of
prediction and stain per section. A segmentation network starts from such a network by keeping
every weight but the output head (``pretrained_body``), as the paper does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from .data import normalise_channels, normalise_percentile, prepare_images, resize_images
from .device import autocast_context
from .engine.setup import device_inputs
from .infer import tiles_field
from .tiling import network_stride, predict_tiled

__all__ = [
    "HEAD_PREFIX",
    "StainStats",
    "evaluate_stain",
    "l1_loss",
    "pcc",
    "pcc_per_section",
    "predict_stain",
    "prepare_pairs",
    "pretrained_body",
    "weights_in_channels",
]

# Every registry network ends in ``self.head``, a 1x1 convolution: the part fine-tuning replaces.
HEAD_PREFIX = "head."


def pcc(x: np.ndarray | Tensor, y: np.ndarray | Tensor) -> float:
    """Pearson correlation of two images (paper 004, eq. 3); NaN when either is constant."""
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    a = a - a.mean()
    b = b - b.mean()
    den = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / den if den > 0 else math.nan


def pcc_per_section(pred: Tensor, target: Tensor) -> Tensor:
    """PCC of each (N, 1, H, W) pair, computed on the tensors' device; NaN for a constant one."""
    p = pred.flatten(1).double()
    t = target.flatten(1).double()
    p = p - p.mean(dim=1, keepdim=True)
    t = t - t.mean(dim=1, keepdim=True)
    den = (p.square().sum(1) * t.square().sum(1)).sqrt()
    num = (p * t).sum(1)
    return torch.where(den > 0, num / den.clamp_min(1e-300), torch.full_like(num, math.nan))


def l1_loss(pred: Tensor, target: Tensor) -> Tensor:
    """The pretext task's loss: mean absolute error to the normalised stain, in fp32."""
    return (pred.float() - target.float()).abs().mean()


def prepare_pairs(
    images: Sequence[np.ndarray],
    stains: Sequence[np.ndarray],
    *,
    input_size: int,
    modality: str,
) -> tuple[Tensor, Tensor]:
    """(N, C, S, S) label-free inputs (normalised as for segmentation, each channel of a
    multi-channel section on its own) and (N, 1, S, S) stains scaled by their 1st/99.8th
    percentiles, so a stain's brightness between acquisitions does not matter."""
    x = prepare_images(images, input_size=input_size, modality=modality)
    y = torch.empty((len(images), 1, input_size, input_size), dtype=torch.float32)
    for i, (image, stain) in enumerate(zip(images, stains, strict=True)):
        if image.shape[-2:] != stain.shape:
            raise ValueError(
                f"pair {i}: the label-free section is {image.shape}, its stain {stain.shape}"
            )
        y[i] = resize_images(normalise_percentile(stain)[None, None], input_size)[0]
    return x, y


@dataclass
class StainStats:
    """Validation of the pretext task: mean L1 loss and mean per-section PCC."""

    loss: float
    pcc: float
    per_section: list[float]


@torch.inference_mode()
def evaluate_stain(
    model: nn.Module, batches: Iterable[tuple[Tensor, Tensor]], *, device: torch.device
) -> StainStats:
    """Mean L1 loss and PCC over sections (constant sections, whose PCC is undefined, are left
    out of the mean)."""
    model.eval()
    loss_sum, n = 0.0, 0
    scores: list[Tensor] = []
    for x, y in batches:
        x, y = device_inputs(x, device), device_inputs(y, device)
        with autocast_context(device):
            pred = model(x)
        pred = pred.float()
        loss_sum += float(l1_loss(pred, y)) * x.shape[0]
        n += x.shape[0]
        scores.append(pcc_per_section(pred, y.float()).cpu())
    per_section = torch.cat(scores).tolist() if scores else []
    finite = [s for s in per_section if math.isfinite(s)]
    return StainStats(
        loss=loss_sum / n if n else math.nan,
        pcc=float(np.mean(finite)) if finite else math.nan,
        per_section=per_section,
    )


@torch.no_grad()
def predict_stain(
    model: nn.Module,
    image: np.ndarray,
    *,
    device: torch.device,
    input_size: int,
    modality: str,
    tile_large: bool | None = False,
) -> np.ndarray:
    """The virtual stain of one section ((y, x), or (c, y, x) with its channels) at its own size,
    float32 (about 0-1 where the real stain's percentiles would be).

    Resized to the input and back, or tiled at native resolution (quarter-tile overlap, blended)
    where ``infer.tiles_field`` says so for ``tile_large`` (``infer.field_settings``: True for a
    version trained on native crops)."""
    model.eval()
    x = normalise_channels(image, modality)[None]

    def forward(batch: Tensor) -> Tensor:
        with autocast_context(device):
            return model(device_inputs(batch, device)).float().cpu()

    h, w = image.shape[-2:]
    if tiles_field(h, w, input_size=input_size, modality=modality, tile_large=tile_large):
        pred = predict_tiled(
            forward, x, tile=input_size, overlap=input_size // 4, stride=network_stride(model)
        )
    else:
        pred = resize_images(forward(resize_images(x, input_size)), (h, w))
    return pred[0, 0].numpy()


def pretrained_body(state_dict: dict[str, Tensor]) -> dict[str, Tensor]:
    """Every weight of an in-silico-labelling network except its output head: the encoder,
    bridge and decoder a segmentation network starts from."""
    return {k: v for k, v in state_dict.items() if not k.startswith(HEAD_PREFIX)}


def weights_in_channels(state_dict: dict[str, Tensor]) -> int:
    """Input channels of a network's weights: those of its first convolution."""
    for value in state_dict.values():
        if value.ndim == 4:
            return int(value.shape[1])
    raise ValueError("these weights hold no convolution")
