"""Write a registry network as a BioImage Model Zoo package (bioimage.io format 0.5), with
``bioimageio.spec`` building, writing and validating the description.

The package holds ``rdf.yaml``, TorchScript weights (what deepImageJ, QuPath and ilastik run) and
the state dict (with ``inference.ml.nets.create_model`` as its architecture), a test input and
its expected output, a cover image, a README, the architecture's citations and any attachments
(training provenance). Input: one refractive-index section, axes ``batch, channel, y, x``,
1 channel, sides a multiple of 16; the package's preprocessing is CellWeb's RI normalisation
(``(ri - 1.337) / 0.03`` clipped to ±10) and its postprocessing a sigmoid, so the output is the
nucleus probability. A version with several classes, an instance channel or several input
channels gets the tensors ``inference.ml.bioimageio_io`` describes: every channel named, and
``config.cellweb`` recording its head layout, classes and input channels for import.

Nothing is downloaded: the description refers to files in the package only, and the citation
URLs are declared known so validation never fetches them (``offline_context``).
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from .bioimageio_io import RI_CLIP, PackageIO, package_predict
from .bioimageio_readme import package_readme
from .bioimageio_tensors import package_architecture, tensor_descrs
from .nets import model_label

__all__ = [
    "ARCH_CITATIONS",
    "INPUT_ID",
    "OUTPUT_ID",
    "RI_CLIP",
    "PackageIO",
    "offline_context",
    "package_name",
    "package_predict",
    "test_section",
    "write_package",
]

INPUT_ID = "ri"
OUTPUT_ID = "nucleus_probability"
LICENSE = "CC-BY-4.0"

_UNET = {
    "text": "Ronneberger O, Fischer P, Brox T. U-Net: Convolutional Networks for Biomedical "
    "Image Segmentation. MICCAI 2015.",
    "doi": "10.1007/978-3-319-24574-4_28",
}
_OSNET = {
    "text": "Deep-learning-based label-free segmentation of cell nuclei in time-lapse "
    "refractive index tomograms (OS-Net).",
    "url": "https://www.semanticscholar.org/paper/db405cf266defcfa627600a24258c67a4cd3ac50",
}
_GCN = {
    "text": "Peng C, Zhang X, Yu G, Luo G, Sun J. Large Kernel Matters: Improve Semantic "
    "Segmentation by Global Convolutional Network. CVPR 2017.",
    "url": "https://arxiv.org/abs/1703.02719",
}
_FUSIONNET = {
    "text": "Quan TM, Hildebrand DGC, Jeong W-K. FusionNet: A deep fully residual convolutional "
    "neural network for image segmentation in connectomics. 2016.",
    "url": "https://arxiv.org/abs/1612.05360",
}
ARCH_CITATIONS: dict[str, list[dict[str, str]]] = {
    "osnet": [_OSNET, _UNET, _GCN],
    "unet16_gcn_ssc": [_OSNET, _UNET, _GCN],
    "unet16_gcn": [_OSNET, _UNET, _GCN],
    "unet16": [_OSNET, _UNET],
    "unet64": [_UNET],
    "fusionnet": [_OSNET, _FUSIONNET],
}


@contextmanager
def offline_context(*, io_checks: bool = True) -> Iterator[None]:
    """Validate with file hashes checked but no URL fetched (the citations' URLs are known)."""
    from bioimageio.spec import ValidationContext

    known = {c["url"]: None for cites in ARCH_CITATIONS.values() for c in cites if "url" in c}
    with ValidationContext(perform_io_checks=io_checks, known_files=known, log_warnings=False):
        yield


def test_section(size: int, *, seed: int = 0) -> np.ndarray:
    """A synthetic RI section: a cell (RI 1.355) with a darker-rimmed nucleus (1.365) in medium."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size] / size
    cell = (yy - 0.5) ** 2 + (xx - 0.5) ** 2 < 0.35**2
    nucleus = ((yy - 0.48) / 0.9) ** 2 + (xx - 0.52) ** 2 < 0.17**2
    image = 1.3337 + 0.021 * cell + 0.01 * nucleus + 0.002 * rng.standard_normal((size, size))
    return image.astype(np.float32)


def _cover(ri: np.ndarray, probability: np.ndarray, path: Path) -> None:
    """Input and output side by side (the Model Zoo shows covers at 2:1)."""
    lo, hi = np.percentile(ri, [1, 99.5])
    left = np.clip((ri - lo) / max(hi - lo, 1e-6), 0, 1)
    right = np.clip(probability, 0, 1)
    rgb = np.concatenate(
        [np.stack([left] * 3, -1), np.stack([right, right * 0.85, right * 0.2], -1)], axis=1
    )
    Image.fromarray((rgb * 255).astype(np.uint8)).save(path)


def _torchscript(model: nn.Module, size: int, path: Path, in_channels: int = 1) -> None:
    # The networks are fully convolutional, so the traced graph serves every multiple of 16;
    # a small example keeps the trace's forward pass cheap.
    example = torch.zeros(1, in_channels, min(size, 64), min(size, 64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # trace's deprecation and shape-check notes
        traced = torch.jit.trace(model, example, check_trace=False)
    traced.save(str(path))


def write_package(
    *,
    model: nn.Module,
    arch: str,
    input_size: int,
    name: str,
    out_path: Path,
    provenance: Mapping[str, Any],
    authors: list[str] | None = None,
    version: str = "1",
    io: PackageIO = PackageIO(),
) -> Path:
    """Write and validate ``out_path`` (a .zip); raises ``ValueError`` if it does not validate.

    ``io`` describes the version's input channels and outputs (default: one RI section in, the
    nucleus probability out)."""
    import bioimageio.spec
    from bioimageio.spec.model import v0_5 as spec

    model = getattr(model, "_orig_mod", model).to("cpu").eval()
    with tempfile.TemporaryDirectory(prefix="cw-bioimageio-") as tmp:
        root = Path(tmp)
        image = io.test_input(test_section(input_size))
        output = package_predict(model, image, io)
        np.save(root / "test_input.npy", image)
        np.save(root / "test_output.npy", output)
        _cover(image[0, 0], output[0, -1 if io.layout.n_classes == 1 else 1], root / "cover.png")
        (root / "README.md").write_text(
            package_readme(name, arch, provenance, io, input_size), encoding="utf-8"
        )
        (root / "provenance.json").write_text(
            json.dumps(dict(provenance), indent=2, default=str), encoding="utf-8"
        )
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        torch.save(state, root / "weights.pt")
        _torchscript(model, input_size, root / "weights_torchscript.pt", io.in_channels)
        input_descr, output_descr = tensor_descrs(
            io, root / "test_input.npy", root / "test_output.npy"
        )
        pytorch_version = spec.Version(torch.__version__.split("+")[0])
        state_dict_weights = spec.PytorchStateDictWeightsDescr(
            source=root / "weights.pt",
            architecture=package_architecture(arch, io),
            pytorch_version=pytorch_version,
        )
        with offline_context():
            descr = spec.ModelDescr(
                name=package_name(name),
                description=_summary(arch, io),
                authors=[spec.Author(name=a) for a in (authors or ["CellWeb user"])],
                cite=[spec.CiteEntry(**c) for c in ARCH_CITATIONS.get(arch, [_UNET])],
                license=spec.LicenseId(LICENSE),
                documentation=spec.FileDescr(source=root / "README.md"),
                covers=[spec.FileDescr(source=root / "cover.png")],
                attachments=[spec.FileDescr(source=root / "provenance.json")],
                tags=["nucleus", "segmentation", "label-free", "refractive-index", "2d", arch],
                version=version,
                inputs=[input_descr],
                outputs=[output_descr],
                weights=spec.WeightsDescr(
                    pytorch_state_dict=state_dict_weights,
                    torchscript=spec.TorchscriptWeightsDescr(
                        source=root / "weights_torchscript.pt",
                        pytorch_version=pytorch_version,
                        parent="pytorch_state_dict",
                    ),
                ),
                config={
                    "cellweb": {
                        "arch": arch,
                        "input_size": int(input_size),
                        # The name as given: "/" and "·" have no place in a bioimage.io name.
                        "name": name,
                        **io.cellweb_config(),
                    }
                },
            )
            with warnings.catch_warnings():
                # bioimageio.spec re-reads its own file entries and notes each one it re-parses.
                warnings.simplefilter("ignore", UserWarning)
                bioimageio.spec.save_bioimageio_package(descr, output_path=Path(out_path))
    return Path(out_path)


def _summary(arch: str, io: PackageIO) -> str:
    if not (io.recorded or io.in_channels > 1 or io.modality != "ri"):
        return f"{model_label(arch)}: label-free nucleus segmentation of RI sections (CellWeb)."
    return (
        f"{model_label(arch)}: label-free segmentation (CellWeb). Input channels: "
        f"{', '.join(io.input_names())} ({io.modality}). Output channels: "
        f"{', '.join(io.output_names())}."
    )[:1000]


def package_name(name: str) -> str:
    """``name`` fit for bioimage.io, whose names allow letters, digits and ``_+- ()`` only, 5
    to 128 of them."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+- ()")
    cleaned = "".join(c if c in allowed else " " for c in name)
    cleaned = " ".join(cleaned.split())[:120]
    return cleaned if len(cleaned) >= 5 else f"CellWeb model {cleaned}".strip()  # 5 at least
