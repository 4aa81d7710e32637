"""Peak memory of checking, reading and importing a large time-lapse tomogram (default ~2 GB).

Writes a TCF-like file (uint16 RI x 10,000 under ``/Data/3D/000000``, ...; one time point is a
real tomogram's size, 200×600×600), or with ``--format imagej`` an ImageJ hyperstack that keeps
one IFD as ImageJ saves stacks over 4 GB, into a temporary folder, then measures each stage in a fresh
process, so one stage's memory never counts in another's: ``open`` (``open_image`` and the
file's SHA-256), ``load`` (every volume read in turn, as an import reads them) and ``import``
(``import_file`` into a throwaway SQLite site). Peak RSS should follow one volume, not the file.

    .venv/bin/python bench/import_memory.py [--gb 2.0] [--shape 200 600 600] [--format tcf|imagej]
        [--stages open load import]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import ensure_malloc_env, figure


def write_file(path: Path, shape: tuple[int, int, int], gb: float, fmt: str = "tcf") -> int:
    import h5py
    import numpy as np

    volume_bytes = 2 * math.prod(shape)
    count = max(1, round(gb * 1e9 / volume_bytes))
    rng = np.random.default_rng(0)
    ri = np.round((1.337 + 0.04 * rng.random(shape, dtype=np.float32)) * 1e4).astype(np.uint16)
    if fmt == "imagej":
        _write_imagej_one_ifd(path, ri, count)
        return count
    with h5py.File(path, "w") as f:
        group = f.create_group("Data/3D")
        for key, value in zip(("ResolutionZ", "ResolutionY", "ResolutionX"), (0.195, 0.098, 0.098)):
            group.attrs[key] = np.array([value])
        group.attrs["TimeInterval"] = np.array([60.0])
        for t in range(count):
            group.create_dataset(f"{t:06d}", data=ri)
    return count


def _write_imagej_one_ifd(path: Path, ri, count: int) -> None:
    """``count`` copies of ``ri`` as an ImageJ (t, z, y, x) hyperstack whose IFD chain ends at
    the first, as ImageJ writes stacks over 4 GB; written plane by plane."""
    import struct

    import tifffile

    planes = (plane for _ in range(count) for plane in ri)
    shape = (count, *ri.shape)
    metadata = {"axes": "TZYX", "spacing": 0.195, "unit": "micron"}
    tifffile.imwrite(path, planes, shape=shape, dtype=ri.dtype, imagej=True, metadata=metadata)
    with open(path, "r+b") as fh:
        first = struct.unpack("<I", fh.read(8)[4:8])[0]
        fh.seek(first)
        (entries,) = struct.unpack("<H", fh.read(2))
        fh.seek(first + 2 + 12 * entries)
        fh.write(struct.pack("<I", 0))


def stage(name: str, path: Path, workdir: Path) -> None:
    """Run in a child process: one stage, then print its peak RSS as JSON."""
    if name in ("open", "load"):
        from annotations.imaging.readers import open_image, sha256_file

        source = open_image(path, modality="ri")
        if name == "open":
            sha256_file(path)
        else:
            for handle in source.volumes:
                handle.load()
    else:
        from bench._common import throwaway_site

        throwaway_site(workdir)
        from annotations.models import Project
        from annotations.services.imports import ImportOptions, import_file

        project = Project.objects.create(slug="bench", name="Bench")
        options, _ = ImportOptions.take({"modality": "ri"})
        import_file(path=path, project=project, specimen_name="cell", options=options)
    print(json.dumps({"peak_mb": _peak_rss_mb()}))


def _peak_rss_mb() -> float:
    """This process's own high-water RSS (``VmHWM``; ``ru_maxrss`` would carry the parent's
    across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ensure_malloc_env()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gb", type=float, default=2.0)
    parser.add_argument("--shape", type=int, nargs=3, default=(200, 600, 600))
    parser.add_argument("--format", choices=("tcf", "imagej"), default="tcf")
    parser.add_argument("--stages", nargs="+", default=["open", "load", "import"])
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        stage(args.stage, Path(args.file), Path(tempfile.mkdtemp(prefix="cellweb-bench-mem-")))
        return
    shape = tuple(args.shape)
    with tempfile.TemporaryDirectory(prefix="cellweb-bench-mem-") as tmp:
        path = Path(tmp) / ("lapse.TCF" if args.format == "tcf" else "lapse.tif")
        count = write_file(path, shape, args.gb, args.format)
        print(
            f"{path.stat().st_size / 1e9:.2f} GB {args.format}, {count} time points of {shape}",
            flush=True,
        )
        figure("file_gb", path.stat().st_size / 1e9, "GB")
        figure("volume_float32_mb", 4 * math.prod(shape) / 2**20, "MB")
        for name in args.stages:
            out = subprocess.run(
                [sys.executable, __file__, "--stage", name, "--file", str(path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            peak = json.loads(out.strip().splitlines()[-1])["peak_mb"]
            figure(f"{name}_peak_rss_mb", peak, "MB")


if __name__ == "__main__":
    main()
