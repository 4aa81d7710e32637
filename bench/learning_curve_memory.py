"""Peak memory of scoring a learning curve's point against the number of held-out sections.

    .venv/bin/python bench/learning_curve_memory.py [--sections 8,32,96] [--size 448]

Seeds a throwaway database (a fresh PostgreSQL database next to ``DATABASE_URL`` or
``BENCH_DATABASE_URL`` when that is PostgreSQL, dropped afterwards; SQLite otherwise) with one
specimen of ``size`` px RI sections, each with a confirmed instance map of 30 nuclei
(``annotations/demo/nuclei.py``). For each count N of held-out sections, one point is scored as
the curve's runner scores it (``runner.held_out_scores`` at a 64 px input, a "network" that
predicts no nucleus, so the figures measure reading the truths, not a network), and ``tracemalloc`` gives the peak of Python and NumPy
memory from reading the truths to the point's scores (the input-size tensors, allocated by torch
before, are not counted):

- ``lc_score_peak_mib_<N>``: the truths read as the point is scored, a few sections at a time
  (``instances.held_out_truths``, what the runner does);
- ``lc_score_peak_mib_<N>_all_at_once``: every held-out truth read at once before scoring
  (``evaluation.labels.stored_truths`` of all N, their target class's nuclei kept), as the
  runner read them before, and then held them for the whole curve.

The scoring's own peak is bounded: ``metrics.batch_section_metrics`` histograms 16 sections at a
time, so both figures rise up to N = 16; beyond, only the all-at-once one keeps growing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import ensure_malloc_env, figure, throwaway_database  # noqa: E402
from bench.annotate import configure  # noqa: E402


def seed_sections(count: int, size: int):
    """Snapshot entries of ``count`` sections with confirmed instance maps."""
    import numpy as np
    from django.utils import timezone

    from annotations.demo.nuclei import nuclei_disks, paint_disks
    from annotations.imaging.labels import encode_instance_map
    from annotations.models import GroundTruth, Project, Specimen
    from annotations.services.volumes import volume_create
    from inference.datasets import entries_for_ground_truths

    project = Project.objects.create(slug="lc-memory", name="Learning-curve memory")
    specimen = Specimen.objects.create(project=project, name="held-out")
    fields = [paint_disks(nuclei_disks(z, size=size), size) for z in range(count)]
    data = np.stack([1.337 + 0.03 * (f > 0) for f in fields]).astype(np.float32)
    volume = volume_create(
        specimen=specimen, data=data, modality="ri", voxel_size=(0.195, 0.098, 0.098)
    )
    ids = []
    for section, field in zip(volume.sections.order_by("z"), fields, strict=True):
        classes = {int(i): 1 for i in np.unique(field) if i}
        ids.append(
            GroundTruth.objects.create(
                section=section,
                source="consensus",
                version=1,
                mask_png=encode_instance_map(field, classes, (1,)),
                foreground_pixels=int((field > 0).sum()),
                confirmed_at=timezone.now(),
                is_current=True,
            ).pk
        )
    return entries_for_ground_truths(ids)


def peak_mib(entries, *, all_at_once: bool) -> float:
    import torch

    from inference.datasets import training_tensors
    from inference.services.evaluation.labels import stored_truths
    from inference.services.learning_curve.instances import held_out_truths
    from inference.services.learning_curve.runner import held_out_scores

    class NoNuclei(torch.nn.Module):
        def forward(self, x):
            return torch.zeros_like(x)  # probability 0.5 everywhere: no nucleus predicted

    x, y = training_tensors(entries, input_size=64)
    tracemalloc.start()
    tracemalloc.reset_peak()
    if all_at_once:
        every = stored_truths(entries, source="consensus", instance_values=(1,))
        truths = [truth.of_class(1) for truth in every]
        del every
    else:
        truths = held_out_truths(entries, source="consensus")
    held_out_scores(NoNuclei(), x, y, device=torch.device("cpu"), batch_size=8, truths=truths)
    del truths
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    ensure_malloc_env()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sections", default="8,32,96")
    parser.add_argument("--size", type=int, default=448)
    args = parser.parse_args()
    counts = [int(n) for n in args.sections.split(",")]

    with (
        tempfile.TemporaryDirectory(prefix="cellweb-bench-lc-memory-") as tmp,
        throwaway_database("lcmem", Path(tmp)) as database_url,
    ):
        configure(Path(tmp), database_url)
        entries = seed_sections(max(counts), args.size)
        print(f"# held-out sections of {args.size} px, scored at a 64 px input", flush=True)
        for n in counts:
            figure(f"lc_score_peak_mib_{n}", peak_mib(entries[:n], all_at_once=False), "MiB")
            figure(
                f"lc_score_peak_mib_{n}_all_at_once",
                peak_mib(entries[:n], all_at_once=True),
                "MiB",
            )


if __name__ == "__main__":
    main()
