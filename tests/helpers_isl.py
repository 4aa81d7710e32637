"""Synthetic label-free/stain pairs: RI sections whose nucleus is slightly denser than the
cytoplasm, each with a registered DAPI-like stain that is bright exactly on that nucleus; or
the demo's synthetic cells with their DAPI stacks."""

from __future__ import annotations

import numpy as np

from annotations.models import Specimen, Volume
from annotations.services.volumes import volume_create
from inference.services.isl import IslOptions
from tests.helpers_training import disk_section, numbered_specimens

TINY_ISL = {"arch": "unet16", "folds": 2, "epochs": 2, "batch_size": 4, "input_size": 32}


def stain_of(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return (100.0 + 900.0 * mask + rng.normal(0.0, 20.0, mask.shape)).astype(np.float32)


def add_stained_specimens(
    project, make_volume, n: int, *, sections: int = 3, size: int = 32, seed: int = 0
):
    """``n`` specimens, each an RI volume with a paired fluorescence (DAPI) volume."""
    rng = np.random.default_rng(seed)
    made = numbered_specimens(project, n, prefix="stained")
    for specimen in made:
        pairs = [disk_section(size, rng) for _ in range(sections)]
        make_volume(specimen, np.stack([p[0] for p in pairs]))
        stain = np.stack([stain_of(p[1], rng) for p in pairs])
        make_volume(specimen, stain, modality="fluorescence", channel="DAPI")
    return made


def demo_specimen(project, cell, name: str, lab: str) -> tuple[Specimen, Volume]:
    """A specimen of a demo ``cell`` (``annotations.demo.make_cell``): its RI volume, returned
    with it, and its DAPI stack as a fluorescence volume."""
    specimen = Specimen.objects.create(project=project, name=name, lab=lab)
    ri = volume_create(specimen=specimen, data=cell.ri, modality="ri", voxel_size=cell.voxel_size)
    volume_create(
        specimen=specimen,
        data=cell.dapi,
        modality="fluorescence",
        channel="DAPI",
        voxel_size=cell.voxel_size,
    )
    return specimen, ri


def tiny_isl(**overrides) -> IslOptions:
    return IslOptions(**{**TINY_ISL, **overrides})
