"""Import speed: a 128×448×448 float32 tomogram and its DAPI stack through ``import_file``.

Runs against a throwaway SQLite database and media folder (or the PostgreSQL database in
``BENCH_DATABASE_URL``), so it never touches real data. Prints the wall time of importing both
files, the throughput in MB of voxel data per second, and a per-step breakdown.

    .venv/bin/python bench/import.py [--shape 128 448 448] [--repeat 3] [--format npy|tcf]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import ensure_malloc_env, figure


def configure_django(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "cellweb.settings"
    os.environ["CELLWEB_VAR_DIR"] = str(workdir)
    os.environ["CELLWEB_DATA_DIR"] = str(workdir / "media")
    os.environ.setdefault("CELLWEB_SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.pop("REDIS_URL", None)
    os.environ["DATABASE_URL"] = (
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    )
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    # A throwaway database: every table straight from the models, whatever migrations exist.
    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)


def make_files(workdir: Path, shape: tuple[int, int, int], fmt: str) -> list[tuple[Path, dict]]:
    import numpy as np

    from annotations.demo import write_tcf

    rng = np.random.default_rng(0)
    ri = (1.337 + 0.05 * rng.random(shape, dtype=np.float32)).astype(np.float32)
    dapi = (100 + 1000 * rng.random(shape, dtype=np.float32)).astype(np.float32)
    voxel = (0.195, 0.098, 0.098)
    if fmt == "tcf":
        path = workdir / "cell.TCF"
        write_tcf(path, [ri], {"CH0": [dapi]}, voxel)
        return [(path, {"modality": "ri", "channel": "DAPI"})]
    ri_path, dapi_path = workdir / "cell_ri.npy", workdir / "cell_dapi.npy"
    np.save(ri_path, ri)
    np.save(dapi_path, dapi)
    return [
        (ri_path, {"modality": "ri", "voxel_size": voxel}),
        (dapi_path, {"modality": "fluorescence", "channel": "DAPI"}),
    ]


def main() -> None:
    ensure_malloc_env()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shape", type=int, nargs=3, default=(128, 448, 448))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", choices=("npy", "tcf"), default="npy")
    parser.add_argument(
        "--profile", action="store_true", help="Print the slowest functions of one run."
    )
    args = parser.parse_args()
    shape = tuple(args.shape)

    with tempfile.TemporaryDirectory(prefix="cellweb-bench-import-") as tmp:
        workdir = Path(tmp)
        configure_django(workdir)
        from annotations.models import Project, SourceFile
        from annotations.services.imports import ImportOptions, import_file

        files = make_files(workdir, shape, args.format)
        voxel_mb = 2 * 4 * shape[0] * shape[1] * shape[2] / 1e6
        project = Project.objects.create(slug="bench", name="Bench")
        timings: list[float] = []
        steps: dict[str, float] = {}
        for run in range(args.repeat):
            last = [time.perf_counter(), ""]

            def progress(fraction: float, message: str, last=last) -> None:
                now = time.perf_counter()
                if last[1]:
                    key = last[1].split(" (")[0]
                    steps[key] = steps.get(key, 0.0) + now - last[0]
                last[0], last[1] = now, message

            started = time.perf_counter()
            if args.profile and run == args.repeat - 1:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
            for path, params in files:
                import_file(
                    path=path,
                    project=project,
                    specimen_name=f"cell-{run}",
                    options=ImportOptions(**params),
                    progress=progress,
                )
            elapsed = time.perf_counter() - started
            if args.profile and run == args.repeat - 1:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            timings.append(elapsed)
            # The same files again would be refused as duplicates; forget them between runs.
            SourceFile.objects.filter(project=project).delete()
            print(f"run {run + 1}: {elapsed:.2f} s", flush=True)

        best = min(timings)
        print(
            f"shape {shape}, {args.format}, {voxel_mb:.0f} MB of float32 voxels; cores: {os.cpu_count()}"
        )
        for key, seconds in sorted(steps.items(), key=lambda kv: -kv[1]):
            print(f"  {key:<48} {seconds / args.repeat:.3f} s per run")
        figure("import_seconds", statistics.median(timings), "s")
        figure("import_seconds_best", best, "s")
        figure("import_mb_per_s", voxel_mb / statistics.median(timings), "MB/s")


if __name__ == "__main__":
    main()
