"""Prediction on new data: section-wise probabilities (optionally with flip test-time
augmentation), then a 3D instance label image of the nuclei.

Pure NumPy/PyTorch; the job that stores the results is ``inference.services.prediction``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from .heads import HeadLayout
from .infer import predict_volume
from .objects import label_instances

__all__ = ["PredictOptions", "nuclei_instances", "predict_sections"]


@dataclass(frozen=True)
class PredictOptions:
    """What a prediction does with the network's probabilities.

    ``threshold``: probability above which a voxel is nucleus. ``tta``: average the
    probabilities of the section, its left-right and its up-down mirror image (3x the
    inference). ``split_touching``: separate touching nuclei by a seeded watershed on the
    distance transform, seeds the h-maxima of depth ``watershed_h`` (µm with a voxel size,
    else voxels): the neck between two nuclei must be that much thinner than both to split them. ``min_voxels``: connected pieces smaller than this are specks, not nuclei.
    ``track_gap``: time points a nucleus may be missed and still keep its track id
    (``inference.ml.tracking.Tracker``).
    """

    threshold: float = 0.5
    tta: bool = False
    split_touching: bool = False
    watershed_h: float = 1.0
    min_voxels: int = 27
    track_gap: int = 2

    def to_dict(self) -> dict:
        return asdict(self)


def predict_sections(
    model: nn.Module,
    sections: np.ndarray,
    *,
    device: torch.device,
    input_size: int = 448,
    batch_size: int = 16,
    modality: str = "ri",
    tta: bool = False,
    tile_large: bool | None = None,
    layout: HeadLayout | None = None,
    foreground_two_pass: bool = False,
) -> np.ndarray:
    """Nucleus probabilities (z, y, x) float32 of a stack of sections ((z, y, x), or (z, c, y, x)
    with their channels), batched; resized or tiled as ``infer.tiles_field`` decides from
    ``tile_large`` (``infer.field_settings``); with a ``layout`` (several classes or an instance
    output) every output channel's maps (z, C, y, x).

    With ``tta`` the flipped stacks are predicted too and flipped back before averaging, so a
    network that learnt a handedness does not leave it in the mask. ``foreground_two_pass``: see
    ``infer.predict_volume`` (a model trained with foreground normalisation).
    """

    def run(stack: np.ndarray) -> np.ndarray:
        return predict_volume(
            model,
            np.ascontiguousarray(stack),
            input_size=input_size,
            batch_size=batch_size,
            device=device,
            modality=modality,
            tile_large=tile_large,
            layout=layout,
            foreground_two_pass=foreground_two_pass,
        )

    prob = run(sections)
    if tta:
        # The last axes are (y, x) for the sections, (z, c, y, x) or not, and for the maps.
        prob += run(sections[..., ::-1])[..., ::-1]
        prob += run(sections[..., ::-1, :])[..., ::-1, :]
        prob /= np.float32(3.0)
    return prob


def nuclei_instances(
    mask: np.ndarray,
    options: PredictOptions,
    *,
    spacing: Sequence[float] | None = None,
) -> np.ndarray:
    """Instance labels (int32, 1..N, 0 background) of a binary (z, y, x) nucleus mask (the
    probabilities above ``options.threshold``).

    Connected nuclei are labelled (split by the seeded watershed with ``split_touching``);
    components of fewer than ``options.min_voxels`` voxels are dropped and the rest numbered
    1..N in scan order. An empty mask gives an all-zero image: no nucleus is not an error."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return np.zeros(mask.shape, dtype=np.int32)
    labels = label_instances(
        mask, split_touching=options.split_touching, h=options.watershed_h, spacing=spacing
    )
    sizes = np.bincount(labels.ravel())
    keep = sizes >= options.min_voxels
    keep[0] = False
    renumber = np.zeros(sizes.size, dtype=np.int32)
    renumber[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    return renumber[labels]
