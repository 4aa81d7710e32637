"""Prediction performance: the whole job path against bare torch inference, and a tomogram.

    python bench/predict.py [--device cpu|cuda] [--sections 64] [--gpu-sections 512] [--quick]

Figures:

- ``predict_cpu_sections_per_s``: OS-Net on 448 x 448 RI sections through the whole prediction
  job (``prediction_launch`` + ``job_execute`` in this process: read the stored volume,
  normalise, batch, infer, threshold, label and track nuclei, measure them, write the label
  TIFF and the rows) on a throwaway SQLite site.
- ``predict_overhead_ratio``: bare ``torch`` inference of the same sections in the same run
  (normalised tensors already in memory, the network in batches, nothing else; the mean of a
  pass before and one after the job) ÷ the job's time. 1.0 would mean the pipeline costs nothing; the goal is >= 0.8.
- ``predict_volume_64_s``: the job's wall time for a 64-section tomogram, nuclei table included.
- ``--device cuda``: ``predict_gpu_sections_per_s`` (the whole job on the GPU, ``--gpu-sections``
  sections) and ``predict_gpu_bare_sections_per_s`` with ``predict_gpu_overhead_ratio``.

An untrained network thresholds to noise, which would make post-processing measure thousands
of specks; the network here computes OS-Net in full and then answers with a nucleus-like map of
its input (bright RI is nucleus), so the nuclei the job labels and meshes are the synthetic
tomogram's five cells.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, bench_manager, ensure_malloc_env, figure, throwaway_site

ensure_malloc_env()  # before numpy/torch allocate anything

sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

SIZE = 448
VOXEL = (0.195, 0.098, 0.098)


class NucleusLike(nn.Module):
    """OS-Net's full computation, answering with logits of "normalised RI above 0.5"."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.net(x)
        return logits * 0.0 + 8.0 * (x - 0.5)


def tomogram(z: int, rng: np.random.Generator) -> np.ndarray:
    """Medium RI 1.337 with noise and five ellipsoidal nuclei (RI +0.03), float32."""
    ri = (1.337 + 0.003 * rng.standard_normal((z, SIZE, SIZE))).astype(np.float32)
    zz, yy, xx = np.ogrid[:z, :SIZE, :SIZE]
    for _ in range(5):
        cz, cy, cx = rng.uniform(0.3, 0.7) * z, *rng.uniform(60, SIZE - 60, 2)
        rz, ry, rx = max(2.0, z / 5), *rng.uniform(20, 45, 2)
        inside = ((zz - cz) / rz) ** 2 + ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        ri[inside] += 0.03
    return ri


def _project():

    from inference.ml.nets import create_model
    from inference.services.model_versions import (
        model_version_activate,
        model_version_create,
        weights_payload,
    )

    user, project = bench_manager()
    weights = weights_payload(create_model("osnet"), arch="osnet", input_size=SIZE)
    version = model_version_create(
        project=project, name="OS-Net bench", arch="osnet", weights=weights, kind="final"
    )
    model_version_activate(version=version, user=user)
    return project, user


def _nucleus_like_loader():
    """``model_version_load`` with the network wrapped in ``NucleusLike``."""
    import inference.services.model_versions as versions

    load = versions.model_version_load

    def wrapped(version, *, device=None):
        model, meta = load(version, device=device)
        return NucleusLike(model).eval(), meta

    versions.model_version_load = wrapped
    return load


def _job(project, user, name: str, ri: np.ndarray, device: str) -> float:
    from annotations.models import Specimen
    from annotations.services.volumes import volume_create
    from inference.services.prediction import prediction_launch, prediction_run

    specimen = Specimen.objects.create(project=project, name=name)
    volume_create(specimen=specimen, data=ri, modality="ri", voxel_size=VOXEL)
    prediction = prediction_launch(
        project=project, user=user, specimen_ids=[specimen.pk], queue=False
    )
    start = time.perf_counter()
    done = prediction_run(prediction_id=prediction.pk, device=device)
    seconds = time.perf_counter() - start
    assert done.status == "succeeded", done.error
    nuclei = sum(row["n_nuclei"] or 0 for row in done.summary)
    print(f"# {name}: {ri.shape[0]} sections, {nuclei} nuclei, {seconds:.2f} s", flush=True)
    return seconds


def _bare(load, ri: np.ndarray, device_name: str) -> float:
    """Only the network: normalised tensors in memory, batches through the model."""
    from inference.ml.data import normalise
    from inference.ml.device import autocast_context, pick_device
    from inference.ml.nets import create_model

    device = pick_device(device_name)
    model = create_model("osnet").to(device=device, memory_format=torch.channels_last).eval()
    x = normalise(ri, "ri").unsqueeze(1)
    batch = 64 if device.type == "cuda" else 8
    with torch.no_grad(), autocast_context(device):
        model(x[:batch].to(device))  # warm-up (cuDNN algorithm choice)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        for i in range(0, x.shape[0], batch):
            out = model(x[i : i + batch].to(device, non_blocking=True))
            torch.sigmoid(out.float())
        if device.type == "cuda":
            torch.cuda.synchronize(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--sections", type=int, default=64, help="sections of the CPU tomogram")
    parser.add_argument("--gpu-sections", type=int, default=512)
    parser.add_argument("--quick", action="store_true", help="16 sections")
    args = parser.parse_args()
    sections = 16 if args.quick else args.sections
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="cellweb-bench-") as tmp:
        throwaway_site(Path(tmp))
        project, user = _project()
        load = _nucleus_like_loader()
        ri = tomogram(sections, rng)
        _job(project, user, "warm-up", ri[: min(8, sections)], "cpu")
        # The bare pass runs before and after the job and counts as their mean, so a load that
        # changes during the run (a shared host) weighs on both sides alike.
        bare_before = _bare(load, ri, "cpu")
        job_s = _job(project, user, "cpu", ri, "cpu")
        bare_s = (bare_before + _bare(load, ri, "cpu")) / 2
        figure("predict_cpu_sections_per_s", sections / job_s, "sections/s")
        figure("predict_overhead_ratio", bare_s / job_s, "")
        if sections == 64:
            figure("predict_volume_64_s", job_s, "s")
        else:
            figure("predict_volume_64_s", _job(project, user, "t64", tomogram(64, rng), "cpu"), "s")
        if args.device == "cuda":
            big = tomogram(args.gpu_sections, rng)
            _job(project, user, "gpu-warm-up", big[:64], "cuda")
            gpu_bare_before = _bare(load, big, "cuda")
            gpu_s = _job(project, user, "gpu", big, "cuda")
            gpu_bare_s = (gpu_bare_before + _bare(load, big, "cuda")) / 2
            figure("predict_gpu_sections_per_s", args.gpu_sections / gpu_s, "sections/s")
            figure("predict_gpu_bare_sections_per_s", args.gpu_sections / gpu_bare_s, "sections/s")
            figure("predict_gpu_overhead_ratio", gpu_bare_s / gpu_s, "")


if __name__ == "__main__":
    main()
