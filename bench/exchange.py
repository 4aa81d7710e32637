"""Model exchange: writing and reading a BioImage Model Zoo package of a registry network.

    python bench/exchange.py [--arch osnet] [--size 448] [--classes 3 --instance distance]

Figures: ``bioimageio_export_s`` (test tensors, cover, TorchScript trace, state dict, description
built, zipped and validated by bioimageio.spec, offline), ``bioimageio_import_s`` (zip checked and
extracted, description validated, axes and weights checked against the registry, the test input
run), ``bioimageio_upload_checks_s`` (what an upload's request checks while its manager waits:
the archive's entries, the description unpacked alone and fitted, the weights file present; the
weights are read by the import's job),
``bioimageio_package_mb`` and ``roundtrip_max_abs_diff`` (logits of the exported and re-read
weights on one section; 0 means bit-identical). The first call of each includes importing
bioimageio.spec (pydantic models), as a fresh web or command process pays it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_malloc_env, figure

ensure_malloc_env()
sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402

from inference.ml.bioimageio_io import PackageIO, create_package_model  # noqa: E402
from inference.ml.export_bioimageio import write_package  # noqa: E402
from inference.ml.heads import HeadLayout  # noqa: E402
from inference.ml.import_bioimageio import check_model_file, read_model_file  # noqa: E402
from inference.ml.nets import MODEL_NAMES, create_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="osnet", choices=MODEL_NAMES)
    parser.add_argument("--size", type=int, default=448)
    parser.add_argument("--classes", type=int, default=0, help="classes besides background")
    parser.add_argument("--instance", choices=["distance", "boundary"], default=None)
    args = parser.parse_args()
    torch.manual_seed(0)
    io = PackageIO()
    model = create_model(args.arch).eval()
    if args.classes or args.instance:
        layout = HeadLayout(
            n_classes=args.classes + 1 if args.classes else 1, instance=args.instance
        )
        kinds = ["instances"] + ["regions"] * max(args.classes - 1, 0)
        io = PackageIO(
            layout=layout,
            classes=tuple(
                {"value": v, "name": f"class{v}", "kind": k} for v, k in enumerate(kinds, 1)
            ),
        )
        model = create_package_model(
            args.arch, n_classes=layout.n_classes, instance=layout.instance
        ).eval()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model.zip"
        started = time.perf_counter()
        write_package(
            model=model,
            arch=args.arch,
            input_size=args.size,
            name=f"bench {args.arch}",
            out_path=out,
            provenance={"provenance": "trained"},
            io=io,
        )
        figure("bioimageio_export_s", time.perf_counter() - started, "s")
        figure("bioimageio_package_mb", out.stat().st_size / 2**20, "MiB")
        started = time.perf_counter()
        check_model_file(out)
        figure("bioimageio_upload_checks_s", time.perf_counter() - started, "s")
        started = time.perf_counter()
        imported = read_model_file(out)
        figure("bioimageio_import_s", time.perf_counter() - started, "s")
    layout = imported.outputs.get("head_layout") or {}
    again = create_package_model(imported.arch, **layout) if layout else create_model(imported.arch)
    again.eval()
    again.load_state_dict(imported.state_dict)
    x = torch.randn(1, 1, args.size, args.size)
    with torch.no_grad():
        diff = (model(x) - again(x)).abs().max().item()
    figure("roundtrip_max_abs_diff", diff, "")


if __name__ == "__main__":
    main()
