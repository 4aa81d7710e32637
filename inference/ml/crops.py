"""Random crops at native resolution: how whole fields of view are trained on without squashing.

A bright-field or phase field of 1,024-2,048 px resized to a 448² input shows the network nuclei
at a quarter of their size, and tiled prediction (``tiling.py``) then shows them at full size. So
large fields are trained on crops of the input size cut from the field as it is: the crop of the
image and the crop of the mask are the same pixels of the source, never resampled. A section
smaller than the crop is padded on the bottom/right (reflected, as tiled prediction pads), never
stretched.

Each section gives a fixed number of crops per epoch, ``crops_per_section``: the number of
input-size tiles that cover it (``ceil(H / S) * ceil(W / S)``), so one epoch sees about as many
pixels as the field holds, and a section that fits the input gives exactly one crop, as before.
With ``foreground_fraction`` that share of each section's crops is centred on a mask pixel drawn
at random (clamped to stay inside the field), so sparse nuclei are not drowned in background
crops. Every draw comes from the ``torch.Generator`` passed in, so an epoch's crops are seeded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor
from torch.nn import functional as F

__all__ = [
    "NativeCropSampler",
    "crop_origins",
    "crop_size_error",
    "crops_per_section",
    "pad_to_crop",
]


def crops_per_section(height: int, width: int, size: int) -> int:
    """The number of ``size``² tiles that cover a ``height`` x ``width`` field."""
    return math.ceil(height / size) * math.ceil(width / size)


def crop_size_error(arch: str, size: int) -> str | None:
    """Why crops (and validation tiles) of ``size`` px cannot feed the registry network ``arch``,
    naming the network's stride; None when they can (or ``arch`` is outside the registry)."""
    from .nets import MODEL_NAMES, create_model
    from .tiling import network_stride

    if arch not in MODEL_NAMES:
        return None
    with torch.device("meta"):  # no memory: only the layers are counted
        stride = network_stride(create_model(arch))
    if size >= stride and size % stride == 0:
        return None
    lower, upper = max(stride, size // stride * stride), (size // stride + 1) * stride
    return (
        f"The crop size {size} is not a multiple of {stride}, the stride of the network "
        f"“{arch}” (try {lower} or {upper}): native crops and tiled validation cut fields into "
        "squares of the input size."
    )


def pad_to_crop(image: Tensor, mask: Tensor, size: int) -> tuple[Tensor, Tensor]:
    """Pad (C, H, W) ``image`` and ``mask`` on the bottom/right to at least ``size`` in H and W.

    Reflect padding where the field is large enough, replicate otherwise (as ``tiling`` pads at
    prediction); the mask is padded the same way, so padded nuclei stay labelled as nuclei. The
    source pixels keep their indices: ``padded[:, :H, :W]`` is the input."""
    h, w = image.shape[-2:]
    pad_h, pad_w = max(0, size - h), max(0, size - w)
    if not (pad_h or pad_w):
        return image, mask
    mode = "reflect" if pad_h < h and pad_w < w else "replicate"
    pad = (0, pad_w, 0, pad_h)
    return (
        F.pad(image[None].float(), pad, mode=mode)[0],
        F.pad(mask[None].float(), pad, mode=mode)[0],
    )


def crop_origins(
    height: int,
    width: int,
    *,
    size: int,
    count: int,
    foreground: Tensor | None = None,
    foreground_fraction: float = 0.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    """(count, 2) top-left corners (y, x) of ``size``² crops inside a ``height`` x ``width`` field.

    The first ``round(count * foreground_fraction)`` crops are centred on pixels drawn from
    ``foreground`` (flat indices of mask pixels, int64) when there are any; the rest are uniform."""
    if height < size or width < size:
        raise ValueError(f"a {height} x {width} field is smaller than the {size} px crop")
    n_fg = (
        round(count * foreground_fraction) if foreground is not None and foreground.numel() else 0
    )
    origins = torch.empty((count, 2), dtype=torch.long)
    if n_fg:
        pick = torch.randint(foreground.numel(), (n_fg,), generator=generator)
        centres = foreground[pick]
        origins[:n_fg, 0] = (centres // width - size // 2).clamp(0, height - size)
        origins[:n_fg, 1] = (centres % width - size // 2).clamp(0, width - size)
    rest = count - n_fg
    origins[n_fg:, 0] = torch.randint(height - size + 1, (rest,), generator=generator)
    origins[n_fg:, 1] = torch.randint(width - size + 1, (rest,), generator=generator)
    return origins


class NativeCropSampler:
    """Draws an epoch of native-resolution crops from normalised sections of any sizes.

    ``images`` are (C, H, W) and ``masks`` (1, H, W) tensors per section (normalised images, 0/1
    masks). ``sample(generator)`` returns ``(x, y, origins)``: (N, C, S, S) and (N, 1, S, S) crops
    of images and masks and
    the (N, 3) int64 rows (section, y, x) they were cut at, in section order (shuffle downstream).
    """

    def __init__(
        self,
        images: Sequence[Tensor],
        masks: Sequence[Tensor],
        *,
        size: int,
        foreground_fraction: float = 0.0,
    ) -> None:
        if len(images) != len(masks):
            raise ValueError(f"{len(images)} images but {len(masks)} masks")
        if not 0.0 <= foreground_fraction <= 1.0:
            raise ValueError(f"foreground_fraction must be in [0, 1], got {foreground_fraction}")
        self.size = size
        self.foreground_fraction = foreground_fraction
        self.images: list[Tensor] = []
        self.masks: list[Tensor] = []
        self.counts: list[int] = []
        self.foreground: list[Tensor | None] = []
        for i, (image, mask) in enumerate(zip(images, masks, strict=True)):
            if image.ndim != 3 or mask.ndim != 3 or image.shape[-2:] != mask.shape[-2:]:
                raise ValueError(
                    f"section {i}: need matching (C, H, W) image and mask, got "
                    f"{tuple(image.shape)} / {tuple(mask.shape)}"
                )
            self.counts.append(crops_per_section(image.shape[-2], image.shape[-1], size))
            image, mask = pad_to_crop(image, mask, size)
            self.images.append(image)
            self.masks.append(mask)
            self.foreground.append(
                (mask[0].flatten() > 0.5).nonzero().squeeze(1) if foreground_fraction else None
            )

    def __len__(self) -> int:
        """Crops per epoch."""
        return sum(self.counts)

    def sample(self, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor, Tensor]:
        s = self.size
        n = len(self)
        channels = self.images[0].shape[0] if self.images else 1
        x = torch.empty((n, channels, s, s), dtype=torch.float32)
        y = torch.empty((n, self.masks[0].shape[0] if self.masks else 1, s, s), dtype=torch.float32)
        where = torch.empty((n, 3), dtype=torch.long)
        row = 0
        for index, (image, mask, count, fg) in enumerate(
            zip(self.images, self.masks, self.counts, self.foreground, strict=True)
        ):
            h, w = image.shape[-2:]
            origins = crop_origins(
                h,
                w,
                size=s,
                count=count,
                foreground=fg,
                foreground_fraction=self.foreground_fraction,
                generator=generator,
            )
            for oy, ox in origins.tolist():
                x[row] = image[:, oy : oy + s, ox : ox + s]
                y[row] = mask[:, oy : oy + s, ox : ox + s]
                where[row] = torch.tensor((index, oy, ox))
                row += 1
        return x, y, where
