"""Reading a model file from outside: a BioImage Model Zoo package (a zip on disk; nothing is
downloaded) or a plain PyTorch state dict, into a registry architecture and checked weights.

A package is unpacked only after ``weights.extract_zip`` has passed every entry, described with
``bioimageio.spec`` (``bioimageio_describe``: format 0.4 packages are converted to 0.5, their
name kept as written), and accepted only when its one
input and one output are 2D (axes batch, channel, y, x), the output's channels are those its
``config.cellweb`` records (several classes, an instance channel) or one, it carries
PyTorch state-dict weights whose SHA-256 matches the description, and those weights fit the
architecture: named by the package (``create_model`` from ``inference.ml.nets``, or
``config.cellweb.arch``) or given by the user; and, where it has its test tensors, the network
reproduces its test output from its test input (``bioimageio_check``).

An upload's request makes only the quick checks (``check_model_file``: the archive, the
description and whether it fits, ``bioimageio_fit``); reading the weights is the import's.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .bioimageio_check import reproduce_test_output
from .bioimageio_describe import imported_name
from .bioimageio_fit import choose_arch, package_fit
from .bioimageio_io import PackageIO
from .bioimageio_tensors import check_test_tensors, package_file
from .heads import HeadLayout, attach_heads
from .isl import weights_in_channels
from .nets import create_model
from .weights import (
    WeightsError,
    ZipLimits,
    check_state_dict,
    extract_zip,
    read_state_dict,
    state_dict_from_payload,
    zip_names,
)

__all__ = ["ImportedWeights", "check_model_file", "read_model_file"]

DEFAULT_INPUT_SIZE = 448
_DESCRIPTIONS = ("rdf.yaml", "bioimageio.yaml")


@dataclass
class ImportedWeights:
    arch: str
    state_dict: dict[str, torch.Tensor]
    format: str  # "bioimageio" or "state_dict"
    input_size: int = DEFAULT_INPUT_SIZE
    name: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    in_channels: int = 1
    channel_names: list[str] = field(default_factory=list)
    # What the version records (docs/labels.md): its head layout and classes, its modalities.
    outputs: dict[str, Any] = field(default_factory=dict)

    def network(self) -> nn.Module:
        """The registry network with these weights (and the recorded heads), on the CPU."""
        model = create_model(self.arch, in_channels=self.in_channels)
        if layout := self.outputs.get("head_layout"):
            attach_heads(model, HeadLayout(**layout))  # several classes or an instance channel
        # Shapes were checked; this cannot half-load.
        model.load_state_dict(self.state_dict, strict=True)
        return model


def _input_size(value: Any) -> int:
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_INPUT_SIZE


def _read_package(root: Path, rdf: Path, arch: str | None) -> ImportedWeights:
    fit = package_fit(rdf, arch)
    descr, cellweb, layout, in_channels = fit.descr, fit.cellweb, fit.layout, fit.in_channels
    recorded, chosen, entry = fit.recorded, fit.arch, fit.entry
    weights_path = package_file(root, entry.source, "weights file")
    data = weights_path.read_bytes()
    if entry.sha256 is not None and hashlib.sha256(data).hexdigest() != str(entry.sha256):
        raise WeightsError("The weights file does not match the SHA-256 in the package.")
    state, _ = state_dict_from_payload(read_state_dict(data))
    if (taken := weights_in_channels(state)) != in_channels:
        raise WeightsError(
            f"The package's input has {in_channels} channels; its weights take {taken}."
        )
    check_state_dict(chosen, state, in_channels=in_channels, layout=layout)
    tests, unverified = check_test_tensors(root, descr)
    name = imported_name(fit.written, cellweb)
    imported = ImportedWeights(
        chosen,
        state,
        "bioimageio",
        _input_size(cellweb.get("input_size")),
        name=name,
        details={
            "package_name": name,
            "format_version": str(fit.written.format_version),
            "description": str(descr.description)[:500],
            "authors": [a.name for a in descr.authors],
            "cite": [c.text for c in descr.cite],
            "preprocessing": [p.id for p in descr.inputs[0].preprocessing],
            "weights_sha256": hashlib.sha256(data).hexdigest(),
        },
        in_channels=in_channels,
        channel_names=recorded.pop("channel_names"),
        outputs=recorded,
    )
    if unverified:
        imported.details["unverified"] = unverified
    else:  # every test tensor is there: run the input, compare with the output
        io = PackageIO(
            layout=layout or HeadLayout(),
            in_channels=in_channels,
            modality=_modality(cellweb, descr),
        )
        test_input, test_output = (tests[str(t.id)] for t in (*descr.inputs, *descr.outputs))
        result = reproduce_test_output(imported.network(), io, descr, test_input, test_output)
        imported.details.update(result)
    return imported


def _modality(cellweb: dict[str, Any], descr) -> str:
    """The modality the version's input is normalised for: as a CellWeb export records it,
    else RI unless the package scales its input by percentiles (bright-field, phase)."""
    recorded = cellweb.get("modality") or (cellweb.get("modalities") or [None])[0]
    if isinstance(recorded, str) and recorded:
        return recorded
    scaled = any(p.id == "scale_range" for p in descr.inputs[0].preprocessing)
    return "image" if scaled else "ri"


def _description_name(path: Path) -> str | None:
    """The entry of the zip at ``path`` that describes a package; None for a state dict (a
    PyTorch file is itself a zip of one entry per tensor, FusionNet's 302, so it is read as
    weights, with the archive checks of a weights file, not as a package)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head != b"PK\x03\x04":
        return None
    names = zip_names(path)
    if described := next((n for n in names if Path(n).name in _DESCRIPTIONS), None):
        return described
    if not any(Path(n).name == "data.pkl" for n in names):
        raise WeightsError(
            "The zip holds neither a bioimage.io description (rdf.yaml) nor a PyTorch state dict."
        )
    return None


def check_model_file(
    path: Path, *, arch: str | None = None, limits: ZipLimits = ZipLimits()
) -> tuple[str, int]:
    """The quick checks of an upload, made while its manager waits: a package's archive (every
    entry), its description and whether it fits, and that it holds its weights file, with only
    the description unpacked and no weights read (the import reads and checks them, then runs
    the test input: ``read_model_file``). A plain state dict is nothing but its weights and is
    read whole. The network and its input size; ``WeightsError`` with the reason."""
    path = Path(path)
    described = _description_name(path)
    if described is None:
        imported = read_model_file(path, arch=arch, limits=limits)
        return imported.arch, imported.input_size
    with tempfile.TemporaryDirectory(prefix="cw-check-") as tmp:
        root = Path(tmp)
        names = extract_zip(path, root, limits=limits, only=lambda name: name == described)
        for name in names:  # the package's layout, empty but for the description
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).touch()
        rdf = root / described
        fit = package_fit(rdf, arch)
        package_file(rdf.parent, fit.entry.source, "weights file")
    return fit.arch, _input_size(fit.cellweb.get("input_size"))


def read_model_file(
    path: Path, *, arch: str | None = None, limits: ZipLimits = ZipLimits()
) -> ImportedWeights:
    """Read and check ``path``, a package's test input run through the network where it has
    its test tensors; raises ``WeightsError`` (nothing stored) when it cannot be used."""
    path = Path(path)
    described = _description_name(path)
    if described is not None:
        with tempfile.TemporaryDirectory(prefix="cw-import-") as tmp:
            root = Path(tmp)
            extract_zip(path, root, limits=limits)
            rdf = root / described
            return _read_package(rdf.parent, rdf, arch)
    state, meta = state_dict_from_payload(read_state_dict(path.read_bytes(), limits=limits))
    chosen = choose_arch(meta.get("arch") if isinstance(meta.get("arch"), str) else None, arch)
    check_state_dict(chosen, state)
    return ImportedWeights(
        chosen,
        state,
        "state_dict",
        _input_size(meta.get("input_size")),
        details={"weights_sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
    )
