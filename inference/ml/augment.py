"""Training-time augmentation of the OS-Net paper, in torch, on whatever device the batch is on.

The paper (section II.G): elastic deformation with (alpha, sigma) in (1, 1), (5, 2), (1, 0.5),
(1, 3); horizontal and vertical flips; enlarge x1.2 / 1.3 / 1.4 then randomly crop back to the
input size. Every epoch uses all training sections plus a random 30 % of them augmented.

Keeping this on the GPU matters there: the networks are memory-bound and a host-side pipeline
would starve them (docs/performance.md). Random draws are few and tiny (a choice per sample and a
28 x 28 noise grid), so they come from a CPU ``torch.Generator`` for reproducibility across
devices and are copied over; the per-pixel work (up-sampling the field, ``grid_sample``) runs on
the batch's device, batched.

Elastic deformation: interpretation of alpha and sigma
------------------------------------------------------
Read literally in pixels with Simard et al.'s recipe (displacement = alpha * G_sigma * U(-1, 1)
per pixel), the paper's values give sub-pixel displacements (about 0.16 px RMS for (1, 1) and
0.4 px for (5, 2)) on a 448 x 448 section: an invisible resampling blur, not a deformation.
Elastic deformation libraries of the time (e.g. ``elasticdeform``) instead draw the random
displacements on a coarse control grid and interpolate them smoothly to full resolution. We use
that reading: Simard's recipe evaluated on a ``control_grid`` x ``control_grid`` grid
(default 28: one cell per pixel of OS-Net's deepest 28 x 28 feature map, i.e. 16 px at 448),
alpha and sigma in control-grid cells, the field up-sampled bicubically. At 448 this gives RMS
displacement magnitudes of about 4 px (1, 1), 10 px (5, 2), 8 px (1, 0.5, the roughest) and
1.5 px (1, 3, the smoothest) with correlation lengths of 16-48 px: visible local warps of a
nucleus boundary (nuclei span ~150-250 px) that stay biologically plausible, and the ordering of
the four pairs is Simard's (larger sigma: smoother and smaller). Because the grid is
relative to the section, the deformation scales with the input size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["AugmentConfig", "augment_batch", "elastic_grid", "enlarge_crop_theta", "epoch_indices"]


@dataclass
class AugmentConfig:
    """Which augmentations are enabled and with which parameters (defaults: the paper's)."""

    elastic: bool = True
    flips: bool = True
    enlarge_crop: bool = True
    fraction: float = 0.3
    elastic_pairs: tuple[tuple[float, float], ...] = ((1, 1), (5, 2), (1, 0.5), (1, 3))
    scales: tuple[float, ...] = (1.2, 1.3, 1.4)
    control_grid: int = 28
    # Targets that are labels or per-pixel values (class indices, distance maps: several classes
    # and instance heads) are warped with nearest sampling and kept as they are, not thresholded.
    label_targets: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fraction must be in [0, 1], got {self.fraction}")
        if any(s < 1.0 for s in self.scales):
            raise ValueError(
                "enlarge scales must be >= 1 (the crop is taken back to the input size)"
            )
        if self.control_grid < 2:
            raise ValueError("control_grid must be at least 2")

    @property
    def enabled(self) -> bool:
        return bool(self._families())

    def _families(self) -> list[list[tuple[str, float | tuple[float, float] | None]]]:
        families: list[list[tuple[str, float | tuple[float, float] | None]]] = []
        if self.elastic and self.elastic_pairs:
            families.append([("elastic", (float(a), float(s))) for a, s in self.elastic_pairs])
        if self.flips:
            families.append([("hflip", None), ("vflip", None)])
        if self.enlarge_crop and self.scales:
            families.append([("enlarge", float(s)) for s in self.scales])
        return families


def epoch_indices(
    n: int, cfg: AugmentConfig, generator: torch.Generator | None = None
) -> tuple[Tensor, Tensor]:
    """Sample order for one epoch: all ``n`` sections once (unflagged) plus a random
    ``round(fraction * n)`` distinct sections again, flagged for augmentation; shuffled together.

    Returns CPU tensors ``(indices int64, augment_flags bool)`` of equal length.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    k = round(cfg.fraction * n) if cfg.enabled else 0
    extra = torch.randperm(n, generator=generator)[:k]
    indices = torch.cat([torch.arange(n), extra])
    flags = torch.cat([torch.zeros(n, dtype=torch.bool), torch.ones(k, dtype=torch.bool)])
    order = torch.randperm(n + k, generator=generator)
    return indices[order], flags[order]


def _gaussian_kernel1d(sigma: float) -> Tensor:
    radius = max(1, math.ceil(3.0 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    return (k / k.sum()).float()


def _smooth(noise: Tensor, sigma: float) -> Tensor:
    """Separable Gaussian blur of (C, g, g) with reflected borders (no pull towards zero there)."""
    if sigma <= 0:
        return noise
    kernel = _gaussian_kernel1d(sigma)
    g = noise.shape[-1]
    radius = kernel.numel() // 2
    x = noise.unsqueeze(1)  # (C, 1, g, g)
    for dim in (-1, -2):
        pad = min(radius, g - 1)  # reflect padding must be smaller than the size
        k = kernel[radius - pad : radius + pad + 1]
        k = k / k.sum()
        if dim == -1:
            x = F.conv2d(F.pad(x, (pad, pad, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))
        else:
            x = F.conv2d(F.pad(x, (0, 0, pad, pad), mode="reflect"), k.view(1, 1, -1, 1))
    return x.squeeze(1)


def elastic_grid(
    alpha: float,
    sigma: float,
    size: tuple[int, int],
    *,
    control_grid: int = 28,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """Sampling grid (1, H, W, 2) for ``F.grid_sample`` (align_corners=False) of one random
    elastic deformation; alpha and sigma in control-grid cells (see the module docstring)."""
    h, w = size
    g = control_grid
    noise = torch.rand((2, g, g), generator=generator) * 2.0 - 1.0
    field = alpha * _smooth(noise, sigma)  # (2, g, g) in cells: [0] = x, [1] = y
    field = field * (2.0 / g)  # one cell spans 2/g of the normalised [-1, 1] extent
    field = field.to(device=device, dtype=torch.float32, non_blocking=True).unsqueeze(0)
    field = F.interpolate(field, size=(h, w), mode="bicubic", align_corners=False)
    identity = torch.eye(2, 3, device=device, dtype=torch.float32).unsqueeze(0)
    base = F.affine_grid(identity, [1, 1, h, w], align_corners=False)
    return (base + field.permute(0, 2, 3, 1)).to(dtype)


def enlarge_crop_theta(
    scale: float, size: tuple[int, int], generator: torch.Generator | None = None
) -> Tensor:
    """Affine matrix (2, 3) for ``F.affine_grid`` (align_corners=False) equivalent to resizing
    by ``scale`` (rounded to whole pixels) and cropping a random, pixel-aligned window of the
    original size."""
    h, w = size
    lh, lw = max(h, round(h * scale)), max(w, round(w * scale))
    oy = int(torch.randint(lh - h + 1, (1,), generator=generator))
    ox = int(torch.randint(lw - w + 1, (1,), generator=generator))
    # Output pixel j maps to enlarged pixel j + ox, i.e. to original normalised coordinate
    # u * w / lw + (w + 2 ox) / lw - 1 for the output's normalised coordinate u.
    return torch.tensor(
        [[w / lw, 0.0, (w + 2 * ox) / lw - 1.0], [0.0, h / lh, (h + 2 * oy) / lh - 1.0]],
        dtype=torch.float32,
    )


def augment_batch(
    images: Tensor,
    masks: Tensor,
    cfg: AugmentConfig,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Apply one random augmentation per sample to (B, C, H, W) images and their masks.

    Per sample, a family (elastic / flip / enlarge-crop, among the enabled ones) is drawn
    uniformly, then its parameter uniformly (an (alpha, sigma) pair; horizontal or vertical;
    a scale). Image and mask get the same geometric transform; images are resampled bilinearly,
    masks bilinearly then thresholded at 0.5 (smoother boundaries than nearest, still binary), or
    with ``cfg.label_targets`` by nearest sampling (class indices and instance targets).
    Inputs are not modified; outputs have the inputs' shape, dtype and device.
    """
    if images.shape[0] != masks.shape[0] or images.shape[-2:] != masks.shape[-2:]:
        raise ValueError(f"images {tuple(images.shape)} and masks {tuple(masks.shape)} disagree")
    families = cfg._families()
    batch = images.shape[0]
    if not families or batch == 0:
        return images, masks
    h, w = images.shape[-2:]
    device = images.device
    out_images = images.clone()
    out_masks = masks.clone()
    warp_index: list[int] = []
    warp_grids: list[Tensor] = []
    for i in range(batch):
        family = families[int(torch.randint(len(families), (1,), generator=generator))]
        kind, param = family[int(torch.randint(len(family), (1,), generator=generator))]
        if kind == "hflip":
            out_images[i] = images[i].flip(-1)
            out_masks[i] = masks[i].flip(-1)
        elif kind == "vflip":
            out_images[i] = images[i].flip(-2)
            out_masks[i] = masks[i].flip(-2)
        elif kind == "elastic":
            assert isinstance(param, tuple)
            alpha, sigma = param
            warp_grids.append(
                elastic_grid(
                    alpha,
                    sigma,
                    (h, w),
                    control_grid=cfg.control_grid,
                    generator=generator,
                    device=device,
                    dtype=images.dtype,
                )
            )
            warp_index.append(i)
        else:
            assert isinstance(param, float)
            theta = enlarge_crop_theta(param, (h, w), generator).to(device, non_blocking=True)
            grid = F.affine_grid(theta.unsqueeze(0), [1, 1, h, w], align_corners=False)
            warp_grids.append(grid.to(images.dtype))
            warp_index.append(i)
    if warp_index:
        # One batched resampling for all warped samples.
        index = torch.tensor(warp_index, device=device)
        grid = torch.cat(warp_grids)
        warped_images = F.grid_sample(
            images[index], grid, mode="bilinear", padding_mode="reflection", align_corners=False
        )
        warped_masks = F.grid_sample(
            masks[index].to(images.dtype),
            grid,
            mode="nearest" if cfg.label_targets else "bilinear",
            padding_mode="reflection",
            align_corners=False,
        )
        out_images[index] = warped_images
        out_masks[index] = (warped_masks if cfg.label_targets else (warped_masks > 0.5)).to(
            masks.dtype
        )
    return out_images, out_masks
