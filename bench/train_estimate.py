"""How the launch form's uncalibrated run-time estimate compares with what a tiny real job takes.

    .venv/bin/python bench/train_estimate.py [--runs 3] [--specimens 4] [--sections 4]
                                             [--size 96] [--input 64] [--epochs 2]

Seeds a throwaway database (a fresh PostgreSQL database next to ``DATABASE_URL`` or
``BENCH_DATABASE_URL`` when that is PostgreSQL, dropped afterwards; SQLite otherwise) with one
project of ``specimens`` RI volumes of ``sections`` sections of ``size`` px, each with confirmed
ground truth (disk nuclei, ``annotations/demo/nuclei.py``). Each run launches a 2-fold OS-Net job
and runs it here after asking the estimate what it will take with no finished fold to calibrate
it (``DEFAULT_CALIBRATION``). ``--parallel 2`` (default) runs both folds at once in threads of
one torch thread each, as the in-process worker of a one-machine site does (the estimate then
assumes two folds at a time); ``--parallel 1`` runs them one after the other on one torch
thread, as ``manage.py train --wait`` does on a site with Celery workers (one at a time).

- ``estimate_over_actual``: median over the runs of the estimate / the job's wall time (from
  launch to the gathered summary); 1 is exact, above 1 too long.
- ``tiny_job_actual_s`` / ``tiny_job_estimate_s``: the medians of both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import ensure_malloc_env, figure, throwaway_database  # noqa: E402
from bench.annotate import configure  # noqa: E402


def seed_project(specimens: int, sections: int, size: int):
    """A project whose every section has confirmed consensus ground truth."""
    import numpy as np
    from django.utils import timezone

    from annotations.demo.nuclei import nuclei_disks, paint_disks
    from annotations.imaging.masks import encode_mask
    from annotations.models import GroundTruth, Project, Specimen
    from annotations.services.volumes import volume_create

    project = Project.objects.create(slug="estimate-bench", name="Estimate bench")
    rng = np.random.default_rng(0)
    for number in range(specimens):
        specimen = Specimen.objects.create(project=project, name=f"cell-{number:02d}")
        masks = [
            paint_disks(nuclei_disks(number * 100 + z, size=size, n_nuclei=4, radius=(6, 12)), size)
            > 0
            for z in range(sections)
        ]
        data = np.stack([1.337 + 0.02 * rng.random((size, size)) + 0.03 * m for m in masks])
        volume = volume_create(
            specimen=specimen,
            data=data.astype(np.float32),
            modality="ri",
            voxel_size=(0.195, 0.098, 0.098),
        )
        for section, mask in zip(volume.sections.order_by("z"), masks, strict=True):
            GroundTruth.objects.create(
                section=section,
                source="consensus",
                version=1,
                mask_png=encode_mask(mask),
                foreground_pixels=int(mask.sum()),
                confirmed_at=timezone.now(),
                is_current=True,
            )
    return project


def run_folds_at_once(job) -> None:
    """Every fold of ``job`` in its own thread, as the in-process worker runs them."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from cellweb.jobs.kinds import get_kind
    from inference.services.training import training_job_gather
    from inference.services.training.fold_run import fold_run_execute

    def run(fold_id: int) -> str:
        try:
            return fold_run_execute(fold_id=fold_id, worker="bench", device="cpu")
        finally:
            connection.close()

    get_kind("fold")  # the kinds are found on first use: once, before the threads ask at once
    folds = list(job.folds.order_by("index").values_list("pk", flat=True))
    with ThreadPoolExecutor(max_workers=len(folds)) as pool:
        outcomes = list(pool.map(run, folds))
    assert set(outcomes) == {"succeeded"}, outcomes
    training_job_gather(job.pk)
    job.refresh_from_db()


def one_run(project, config, *, parallel: int) -> tuple[float, float]:
    """(uncalibrated estimate, actual wall seconds) of one job of ``config``."""
    from inference.models import FoldRun
    from inference.services.training import training_estimate, training_job_launch
    from inference.services.training.fold_run import training_job_run_foreground

    FoldRun.objects.all().delete()  # no finished fold: the estimate uses its default
    estimate = training_estimate(project=project, config=config)
    assert estimate["calibration"]["folds"] == 0, estimate["calibration"]
    assert estimate["calibration"]["parallel"] == parallel, estimate["calibration"]
    started = time.perf_counter()
    job = training_job_launch(project=project, user=None, config=config, queue=False)
    if parallel > 1:
        run_folds_at_once(job)
    else:
        job = training_job_run_foreground(job=job, device="cpu")
    job.refresh_from_db()
    actual = time.perf_counter() - started
    assert job.status == "succeeded", job.message
    from inference.services.training.estimate import calibration_for

    measured = calibration_for("cpu")
    print(
        f"# measured: {measured.speed_factor:.2f}x the benchmark epoch time, "
        f"{measured.overhead_s_per_mpx:.2f} s per megapixel outside the epochs",
        flush=True,
    )
    return float(estimate["estimate_s"]), actual


def main() -> None:
    ensure_malloc_env()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--specimens", type=int, default=4)
    parser.add_argument("--sections", type=int, default=4)
    parser.add_argument("--size", type=int, default=96, help="native section size (px)")
    parser.add_argument("--input", type=int, default=64, help="the network's input size (px)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--arch", default="osnet")
    parser.add_argument("--parallel", type=int, choices=[1, 2], default=2, help="folds at once")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="cellweb-bench-estimate-") as tmp,
        throwaway_database("estimate", Path(tmp)) as database_url,
    ):
        configure(Path(tmp), database_url)
        import torch
        from django.conf import settings

        from inference.services.training import TrainingConfig

        torch.set_num_threads(1)
        settings.TRAINING_ESTIMATE_DEVICE = "cpu"
        # Two folds at once: the in-process worker's way (it gives each fold one torch thread on
        # a 2-core machine); one: a site whose folds run one after the other.
        settings.EMBEDDED_SERVICES = args.parallel > 1
        project = seed_project(args.specimens, args.sections, args.size)
        config = TrainingConfig(
            arch=args.arch,
            folds=2,
            epochs=args.epochs,
            batch_size=4,
            input_size=args.input,
            native_crops=False,
        )
        print(
            f"# {args.specimens} specimens x {args.sections} sections of {args.size} px, "
            f"{args.arch} at {args.input} px, 2 folds x {args.epochs} epochs, {args.parallel} "
            f"at a time on one torch thread each; "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
            flush=True,
        )
        pairs = []
        for run in range(args.runs):
            estimate, actual = one_run(project, config, parallel=args.parallel)
            print(f"# run {run + 1}: estimate {estimate:.1f} s, actual {actual:.1f} s", flush=True)
            pairs.append((estimate, actual))
        figure("tiny_job_estimate_s", statistics.median(e for e, _ in pairs), "s")
        figure("tiny_job_actual_s", statistics.median(a for _, a in pairs), "s")
        figure("estimate_over_actual", statistics.median(e / a for e, a in pairs), "ratio")


if __name__ == "__main__":
    main()
