"""Fold models that disagree where the data says so: sections with a bright square of known
size, and U-Nets whose only path is the identity, so a model's logit is ``gain × relu(x)``
(``x`` the normalised RI: 0 in the medium, 1 in the square). Models with gains of opposite
sign agree on the medium (probability 0.5, no mask) and disagree inside the square; the bigger
the square, the larger the section's mean pixel variance."""

from __future__ import annotations

import numpy as np
import torch

from annotations.models import Section, Specimen
from annotations.services.snapshots import ground_truth_snapshot_create
from annotations.services.volumes import volume_create
from inference.ml.data import RI_CENTER, RI_SCALE
from inference.ml.nets import create_model
from inference.models import FoldRun, TrainingJob
from inference.services.model_versions import model_version_create, weights_payload

SIZE = 32
MEDIUM = RI_CENTER
BRIGHT = RI_CENTER + RI_SCALE  # normalises to exactly 1


def identity_unet(gain: float) -> torch.nn.Module:
    """A Unet16 whose output logit is ``gain × relu(x)`` (up to BatchNorm's eps)."""
    model = create_model("unet16")
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.fill_(1.0)
        first = model.downs[0].conv
        last = model.ups[-1].conv  # its input is [skip of the first down module, up-sampled]
        for block in (first, last):
            block[0][0].weight[0, 0, 1, 1] = 1.0
            block[1][0].weight[0, 0, 1, 1] = 1.0
        model.head.weight[0, 0, 0, 0] = gain
    return model.eval()


def square_sections(project, sides: list[int], *, name: str = "cell") -> list[Section]:
    """One specimen, one RI volume: section z holds a bright square of side ``sides[z]``."""
    specimen = Specimen.objects.create(project=project, name=name)
    ri = np.full((len(sides), SIZE, SIZE), MEDIUM, dtype=np.float32)
    for z, side in enumerate(sides):
        ri[z, 2 : 2 + side, 2 : 2 + side] = BRIGHT
    volume = volume_create(specimen=specimen, data=ri, modality="ri", voxel_size=(0.4, 0.2, 0.2))
    return list(Section.objects.filter(volume=volume).order_by("z"))


def disagreeing_training_job(project, gains=(8.0, -8.0, 4.0), *, status="succeeded"):
    """A training job whose fold models are ``identity_unet(gain)`` (its folds succeeded)."""
    job = TrainingJob.objects.create(
        project=project,
        config={"arch": "unet16", "folds": len(gains), "input_size": SIZE},
        snapshot=ground_truth_snapshot_create(project=project, source="consensus"),
        status=status,
    )
    versions = []
    for index, gain in enumerate(gains):
        fold = FoldRun.objects.create(job=job, index=index, status="succeeded")
        versions.append(
            model_version_create(
                project=project,
                name=f"fold {index + 1}",
                arch="unet16",
                weights=weights_payload(identity_unet(gain), arch="unet16", input_size=SIZE),
                job=job,
                fold=fold,
                config={"arch": "unet16", "input_size": SIZE, "modalities": ["ri"]},
            )
        )
    return job, versions
