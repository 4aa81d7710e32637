"""Section tensors for training: normalisation, resizing, batching, grouped cross-validation.

The whole training set fits in memory as one tensor (934 x 448 x 448 fp32 is about 750 MB), so
there is no per-item Dataset/DataLoader machinery: sections are normalised and resized once, moved
to the training device once, and batches are gathered there by index (and augmented there).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.model_selection import GroupKFold
from torch import Tensor

from annotations.imaging.ri import ri_scale

from .augment import AugmentConfig, augment_batch
from .device import to_device

__all__ = [
    "RI_CENTER",
    "RI_SCALE",
    "Modality",
    "TensorSectionDataset",
    "grouped_folds",
    "iterate_batches",
    "normalise",
    "normalise_channels",
    "normalise_percentile",
    "normalise_ri",
    "prepare_images",
    "prepare_sections",
    "resize_images",
    "resize_masks",
]

Modality = Literal["ri", "brightfield", "phase", "dic", "fluorescence", "other"]

# Fixed physical normalisation of refractive index: centre near the culture medium (n0 ~ 1.3337;
# 1.337 sits between medium and cytoplasm) and scale by 0.03, so medium maps to about -0.1 and the
# usual cell range 1.33-1.40 to about [-0.2, 2.1]. A fixed affine map keeps RI values comparable
# across cells, cell types and laboratories; per-image statistics would erase exactly the absolute
# RI information that distinguishes organelles.
RI_CENTER = 1.337
RI_SCALE = 0.03
# RI artefacts (reconstruction spikes) should not dominate a batch: clip at +-10 scaled units,
# i.e. RI 1.04-1.64, far outside anything biological.
_RI_CLIP = 10.0


def _as_float_tensor(x: np.ndarray | Tensor) -> Tensor:
    if isinstance(x, Tensor):
        return x.to(torch.float32)
    array = np.ascontiguousarray(x, dtype=np.float32)
    # A read-only array (a memory-mapped volume) is copied: a tensor may be written in place.
    return torch.from_numpy(array if array.flags.writeable else array.copy())


def normalise_ri(x: np.ndarray | Tensor) -> Tensor:
    """Map refractive index (or Tomocube's RI x 1e4 encoding) to ``(ri - 1.337) / 0.03``, float32."""
    t = _as_float_tensor(x)
    scale = ri_scale(t.detach().cpu().flatten()[:: max(1, t.numel() // 65536)])
    if scale != 1.0:
        t = t / scale
    return ((t - RI_CENTER) / RI_SCALE).clamp_(-_RI_CLIP, _RI_CLIP)


def normalise_percentile(x: np.ndarray | Tensor, low: float = 1.0, high: float = 99.8) -> Tensor:
    """Robust per-image scaling to ~[0, 1] by the ``low``/``high`` percentiles, float32.

    For modalities without physical units (bright-field, phase, DIC, fluorescence). Does not clip:
    the network sees bright outliers as >1, which is information, not noise.
    """
    t = _as_float_tensor(x)
    if t.numel() == 0:
        return t
    sample = t.flatten()[:: max(1, t.numel() // 1_000_000)]  # torch.quantile caps its input size
    q = torch.quantile(sample, torch.tensor([low / 100.0, high / 100.0]))
    lo, hi = float(q[0]), float(q[1])
    return (t - lo) / max(hi - lo, 1e-6)


def normalise(x: np.ndarray | Tensor, modality: str = "ri") -> Tensor:
    """Normalisation used identically for training and inference."""
    return normalise_ri(x) if modality == "ri" else normalise_percentile(x)


def normalise_channels(x: np.ndarray | Tensor, modality: str = "ri") -> Tensor:
    """A (y, x) section as (1, y, x), or a (c, y, x) multi-channel one (bright-field + phase,
    focal planes), each channel normalised on its own, as (c, y, x)."""
    if x.ndim == 2:
        return normalise(x, modality)[None]
    return torch.stack([normalise(channel, modality) for channel in x])


def resize_images(x: Tensor, size: int | tuple[int, int]) -> Tensor:
    """Resize (N, C, H, W) images; bilinear with antialiasing, so downsampling averages like area
    interpolation and upsampling interpolates smoothly."""
    size = (size, size) if isinstance(size, int) else size
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)


def resize_masks(x: Tensor, size: int | tuple[int, int]) -> Tensor:
    """Resize (N, C, H, W) binary masks with nearest-exact (nearest without its half-pixel shift)."""
    size = (size, size) if isinstance(size, int) else size
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="nearest-exact")


def prepare_images(
    images: Sequence[np.ndarray], *, input_size: int, modality: str = "ri"
) -> Tensor:
    """Normalise and resize sections (any sizes) to an (N, C, S, S) float32 tensor: 2D (y, x)
    sections give C = 1, multi-channel (c, y, x) ones their c (``normalise_channels``)."""
    channels = images[0].shape[0] if len(images) and images[0].ndim == 3 else 1
    out = torch.empty((len(images), channels, input_size, input_size), dtype=torch.float32)
    for i, image in enumerate(images):
        if image.ndim not in (2, 3) or (image.shape[0] if image.ndim == 3 else 1) != channels:
            raise ValueError(
                f"section {i} must be 2D (y, x) or ({channels}, y, x), got shape {image.shape}"
            )
        out[i] = resize_images(normalise_channels(image, modality)[None], input_size)[0]
    return out


def prepare_sections(
    images: Sequence[np.ndarray],
    masks: Sequence[np.ndarray],
    *,
    input_size: int,
    modality: str = "ri",
) -> tuple[Tensor, Tensor]:
    """Training tensors from paired sections ((y, x) or (c, y, x)) and masks (mask > 0 is
    nucleus).

    Returns ``(images, masks)``, float32 (N, C, S, S) and (N, 1, S, S); masks hold only 0 and 1.
    """
    if len(images) != len(masks):
        raise ValueError(f"{len(images)} images but {len(masks)} masks")
    for i, (image, mask) in enumerate(zip(images, masks)):
        if image.shape[-2:] != mask.shape:
            raise ValueError(f"section {i}: image {image.shape} and mask {mask.shape} differ")
    x = prepare_images(images, input_size=input_size, modality=modality)
    y = torch.empty((x.shape[0], 1, *x.shape[2:]), dtype=torch.float32)
    for i, mask in enumerate(masks):
        m = torch.from_numpy(np.ascontiguousarray(mask) > 0).to(torch.float32)
        y[i] = resize_masks(m[None, None], input_size)[0]
    return x, y


def iterate_batches(
    images: Tensor,
    masks: Tensor,
    indices: Tensor,
    augment_flags: Tensor | None,
    batch_size: int,
    cfg: AugmentConfig | None = None,
    generator: torch.Generator | None = None,
    *,
    device: torch.device | None = None,
) -> Iterator[tuple[Tensor, Tensor]]:
    """Yield ``(images, masks)`` batches in ``indices`` order; flagged samples are augmented.

    Gathering and augmentation happen on the tensors' device; for a whole-dataset tensor already
    on the GPU no host work is involved. ``device`` (optional) moves each batch there, through
    pinned memory when going from CPU to CUDA (for datasets kept on the host).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    if augment_flags is not None and augment_flags.shape != indices.shape:
        raise ValueError("indices and augment_flags must have the same length")
    source = images.device
    indices = indices.to(source)
    # Flags are inspected on the host so that choosing what to augment never syncs the device.
    flags = augment_flags.cpu() if augment_flags is not None and cfg is not None else None
    for start in range(0, indices.numel(), batch_size):
        idx = indices[start : start + batch_size]
        x, y = images[idx], masks[idx]
        if flags is not None and cfg is not None:
            sel = flags[start : start + batch_size].nonzero().squeeze(1)
            if sel.numel():
                sel = sel.to(source)
                ax, ay = augment_batch(x[sel], y[sel], cfg, generator)
                x[sel], y[sel] = ax, ay  # x, y are fresh gathers, safe to write
        if device is not None:
            x, y = to_device(x, device), to_device(y, device)
        yield x, y


class TensorSectionDataset:
    """The sections of one dataset as two (N, 1, S, S) tensors, optionally on the GPU."""

    def __init__(self, images: Tensor, masks: Tensor) -> None:
        if images.shape != masks.shape or images.ndim != 4 or images.shape[1] != 1:
            raise ValueError(
                f"need matching (N, 1, S, S) tensors, got {tuple(images.shape)} / {tuple(masks.shape)}"
            )
        self.images = images
        self.masks = masks

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        return self.images[index], self.masks[index]

    @property
    def device(self) -> torch.device:
        return self.images.device

    def to(self, device: torch.device) -> TensorSectionDataset:
        """Copy to ``device`` once (pinned, non-blocking for host-to-CUDA)."""
        return TensorSectionDataset(to_device(self.images, device), to_device(self.masks, device))

    def subset(self, index: Sequence[int] | np.ndarray | Tensor) -> TensorSectionDataset:
        if isinstance(index, Tensor):
            idx = index.to(device=self.images.device, dtype=torch.long)
        else:
            idx = torch.as_tensor(np.asarray(index), dtype=torch.long, device=self.images.device)
        return TensorSectionDataset(self.images[idx], self.masks[idx])

    def batches(
        self,
        indices: Tensor,
        augment_flags: Tensor | None,
        batch_size: int,
        cfg: AugmentConfig | None = None,
        generator: torch.Generator | None = None,
    ) -> Iterator[tuple[Tensor, Tensor]]:
        return iterate_batches(
            self.images, self.masks, indices, augment_flags, batch_size, cfg, generator
        )


def grouped_folds(
    groups: Sequence[str], n_folds: int, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """K-fold splits where all sections of one group (cell/specimen) share a fold.

    Uses scikit-learn's GroupKFold with shuffling (scikit-learn >= 1.6): groups are shuffled by
    ``seed`` and then assigned to balance fold sizes, so sections of one cell never appear in both
    training and validation of a fold (the paper's leakage rule). Returns
    ``[(train_idx, val_idx), ...]`` as sorted int64 arrays.
    """
    if n_folds < 2:
        raise ValueError(f"need at least 2 folds, got {n_folds}")
    group_array = np.asarray([str(g) for g in groups])
    n_groups = len(np.unique(group_array))
    if n_groups < n_folds:
        raise ValueError(
            f"{n_folds} folds need at least {n_folds} distinct groups (cells), got {n_groups}"
        )
    splitter = GroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    placeholder = np.zeros((len(group_array), 1))
    return [
        (np.sort(train).astype(np.int64), np.sort(val).astype(np.int64))
        for train, val in splitter.split(placeholder, groups=group_array)
    ]
