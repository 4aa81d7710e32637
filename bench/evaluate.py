"""Evaluation performance: metrics for 1,000 sections, the report page, 3D inference.

    python bench/evaluate.py [--device cpu|cuda] [--sections 1000] [--tomogram 64] [--quick]

Figures:

- ``metrics_1000_sections_s``: every per-section metric of the evaluation service (Dice, Jaccard,
  F0.5, precision, recall at 0.5 and AUC-PR from the probabilities, via
  ``batch_section_metrics``) plus the pooled PR-curve counts, for 1,000 sections of 448 x 448,
  processed 64 sections at a time as the service does per volume; inference excluded.
  Target <= 10 s on 2 cores.
- ``report_render_s``: server-side time of the report page ``/evaluations/<id>/`` for an
  evaluation with 1,000 sections (3,000 SectionResults: model, edge-based, Otsu), through
  Django's test client on a throwaway database (SQLite in a temporary folder unless
  DATABASE_URL is set). Median of 5 after a warm-up. Target <= 1 s.
- ``summary_1000_sections_s``: building the stored summary (all aggregates) for those rows.
- ``volume_infer_cpu_s``: OS-Net section-wise inference (``predict_volume``, batch 8) of a
  64-section 448 x 448 tomogram on the CPU; with ``--device cuda`` also ``volume_infer_gpu_s``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    REPO_ROOT,
    NoMigrations,
    bench_manager,
    ensure_malloc_env,
    figure,
    median_ms,
)

ensure_malloc_env()  # before numpy/torch allocate anything

sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

SIZE = 448
CHUNK = 64


def _probability_maps(n: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Trained-network-like maps: saturated inside and outside a disk nucleus, a soft rim,
    a little noise; a tenth of the sections without nucleus."""
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    probs = np.empty((n, size, size), dtype=np.float32)
    gts = np.zeros((n, size, size), dtype=bool)
    for i in range(n):
        cy, cx = rng.uniform(size * 0.35, size * 0.65, 2)
        r = rng.uniform(size * 0.12, size * 0.22)
        distance = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2) - r
        empty = i % 10 == 9
        if not empty:
            gts[i] = distance < 0
        shift = rng.normal(0, 2.0)
        logits = -(distance + shift) * 0.8 if not empty else np.full_like(distance, -8.0)
        logits += rng.normal(0, 1.5, logits.shape).astype(np.float32)
        probs[i] = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
    return probs, gts


def bench_metrics(n_sections: int) -> None:
    from inference.ml.metrics import batch_section_metrics
    from inference.ml.pr import PRCounts

    rng = np.random.default_rng(0)
    elapsed = 0.0
    done = 0
    pr = PRCounts()
    while done < n_sections:
        count = min(CHUNK, n_sections - done)
        probs, gts = _probability_maps(count, SIZE, rng)  # generation is not timed
        start = time.perf_counter()
        rows = batch_section_metrics(probs, gts, 0.5)
        pr.add(probs, gts)
        elapsed += time.perf_counter() - start
        assert len(rows) == count
        done += count
    figure(f"metrics_{n_sections}_sections_s", elapsed, "s")


def _django(tmp: str) -> None:
    os.environ.setdefault("CELLWEB_VAR_DIR", tmp)
    os.environ.setdefault("CELLWEB_DATA_DIR", os.path.join(tmp, "media"))
    os.environ.setdefault("CELLWEB_SECRET_KEY", "bench-only-" + "x" * 40)
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}"
    os.environ.pop("REDIS_URL", None)  # embedded broker and cache: nothing to reach
    os.environ["DJANGO_SETTINGS_MODULE"] = "cellweb.settings"
    import django

    django.setup()


def bench_report(n_sections: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    settings.MIGRATION_MODULES = NoMigrations()
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        _report_case(n_sections, Client)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _report_case(n_sections: int, client_class) -> None:
    from django.utils import timezone

    from annotations.models import Section, Specimen, Volume
    from inference.models import Evaluation, SectionResult, VolumeResult
    from inference.services.evaluation import BASELINE_PARAMS, summarize

    user, project = bench_manager()
    per_volume = 100
    rng = np.random.default_rng(1)
    sections = []
    volumes = []
    for v in range(max(1, n_sections // per_volume)):
        specimen = Specimen.objects.create(
            project=project, name=f"cell-{v:03d}", lab="KAIST" if v % 2 else "Mannheim"
        )
        volume = Volume.objects.create(
            specimen=specimen,
            modality="ri",
            size_z=per_volume,
            size_y=SIZE,
            size_x=SIZE,
            voxel_size_z=0.195,
            voxel_size_y=0.098,
            voxel_size_x=0.098,
            data="volumes/none.npy",
        )
        volumes.append(volume)
        sections += Section.objects.bulk_create(
            Section(volume=volume, project=project, specimen=specimen, z=z)
            for z in range(per_volume)
        )
    model = {"id": None, "name": "OS-Net bench", "arch": "osnet", "input_size": 448}
    evaluation = Evaluation.objects.create(
        project=project,
        created_by=user,
        set_kind="cross_modality",
        gt_source="fluorescence",
        status="succeeded",
        finished_at=timezone.now(),
        sections=len(sections),
        config={
            "methods": ["model", "edge", "otsu"],
            "model": model,
            "units": [
                {
                    "fold": -1,
                    "model_version": None,
                    "model_name": model["name"],
                    "specimens": [],
                    "volumes": [],
                }
            ],
            "specimens": len(volumes),
            "volumes": len(volumes),
            "as_of": timezone.now().isoformat(),
            "baselines": BASELINE_PARAMS,
        },
    )
    rows = []
    for method, centre in (("model", 0.9), ("edge", 0.45), ("otsu", 0.2)):
        for section in sections:
            value = float(np.clip(rng.normal(centre, 0.1), 0, 1))
            scores = dict.fromkeys(("dice", "f05", "precision", "recall", "auc_pr"), value)
            rows.append(
                SectionResult(
                    evaluation=evaluation,
                    section=section,
                    specimen_id=section.specimen_id,
                    volume_id=section.volume_id,
                    method=method,
                    z=section.z,
                    jaccard=value / (2 - value),
                    gt_pixels=20000,
                    pred_pixels=20000,
                    **scores,
                )
            )
    SectionResult.objects.bulk_create(rows, batch_size=1000)
    VolumeResult.objects.bulk_create(
        VolumeResult(
            evaluation=evaluation,
            volume=volume,
            specimen_id=volume.specimen_id,
            method=method,
            gt_sections=per_volume,
            total_sections=per_volume,
            pred_volume_um3=300.0,
            gt_volume_um3=310.0,
            volume_difference_um3=-10.0,
            volume_difference_pct=-3.2,
            intersection_ratio=0.9,
            dice_3d=0.9,
            jaccard_3d=0.82,
            object_metrics={"n_gt": 1, "n_pred": 1, "correct": 1, "map": 0.8},
        )
        for volume in volumes
        for method in ("model", "edge", "otsu")
    )
    start = time.perf_counter()
    evaluation.summary = summarize(evaluation)
    figure(f"summary_{n_sections}_sections_s", time.perf_counter() - start, "s")
    evaluation.save(update_fields=["summary"])

    client = client_class()
    client.force_login(user)
    url = f"/evaluations/{evaluation.pk}/"

    def render() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert b'id="summary-table"' in response.content and b"Worst sections" in response.content

    figure("report_render_s", median_ms(render, repeat=5, warmup=1) / 1000.0, "s")


def bench_volume_infer(device_name: str, n_sections: int) -> None:
    import torch

    from inference.ml.device import pick_device
    from inference.ml.engine import prepare_model
    from inference.ml.infer import predict_volume
    from inference.ml.nets import create_model

    device = pick_device(device_name)
    model = prepare_model(create_model("osnet"), device).eval()
    rng = np.random.default_rng(2)
    volume = (1.337 + 0.02 * rng.random((n_sections, SIZE, SIZE))).astype(np.float32)
    batch = 32 if device.type == "cuda" else 8

    def run() -> None:
        predict_volume(model, volume, input_size=SIZE, batch_size=batch, device=device)
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    predict_volume(model, volume[:batch], input_size=SIZE, batch_size=batch, device=device)
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    kind = "gpu" if device.type == "cuda" else "cpu"
    figure(f"volume_infer_{kind}_s", seconds, "s")
    figure(f"volume_infer_{kind}_s_per_section", seconds / n_sections, "s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--sections", type=int, default=1000)
    parser.add_argument("--tomogram", type=int, default=64, help="sections of the tomogram")
    parser.add_argument("--quick", action="store_true", help="100 sections, 8-section tomogram")
    parser.add_argument(
        "--only", choices=["metrics", "report", "infer"], default=None, help="run one part"
    )
    args = parser.parse_args()
    sections = 100 if args.quick else args.sections
    tomogram = 8 if args.quick else args.tomogram
    with tempfile.TemporaryDirectory(prefix="cellweb-bench-") as tmp:
        _django(tmp)
        if args.only in (None, "metrics"):
            bench_metrics(sections)
        if args.only in (None, "report"):
            bench_report(sections)
        if args.only in (None, "infer"):
            bench_volume_infer("cpu", tomogram)
            if args.device == "cuda":
                bench_volume_infer("cuda", tomogram)


if __name__ == "__main__":
    main()
