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
from .bioimageio_describe import describe_package, imported_name
from .bioimageio_io import PackageIO
from .bioimageio_tensors import check_test_tensors, package_file
from .heads import INSTANCE_OUTPUTS, HeadLayout, attach_heads
from .isl import weights_in_channels
from .nets import create_model
from .weights import (
    WeightsError,
    ZipLimits,
    canonical_arch,
    check_state_dict,
    extract_zip,
    read_state_dict,
    state_dict_from_payload,
    zip_names,
)

__all__ = ["ImportedWeights", "read_model_file"]

DEFAULT_INPUT_SIZE = 448
_DESCRIPTIONS = ("rdf.yaml", "bioimageio.yaml")
_OURS = ("inference.ml.nets", "inference.ml.bioimageio_io")  # architectures named by CellWeb


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


def _choose_arch(named: str | None, given: str | None) -> str:
    if named and given and canonical_arch(named) != canonical_arch(given):
        raise WeightsError(
            f"The file's weights are for the network “{named}”, not “{given}”; leave the "
            "architecture empty to take the file's."
        )
    arch = given or named
    if not arch:
        raise WeightsError(
            "The file does not say which network its weights belong to; choose the architecture "
            "(--arch) it was trained as."
        )
    return arch


def _axes_problem(label: str, axes, channels_expected: int | None) -> str | None:
    kinds = [a.type for a in axes]
    ids = [str(a.id) for a in axes]
    text = ", ".join(f"{k}:{i}" if k != i else k for k, i in zip(kinds, ids))
    channels = next((a for a in axes if a.type == "channel"), None)
    if kinds != ["batch", "channel", "space", "space"] or ids[2:] != ["y", "x"]:
        return (
            f"its {label} has axes ({text}); CellWeb's networks take 2D sections, "
            "axes (batch, channel, y, x)"
        )
    got = len(channels.channel_names)
    if channels_expected is None or got == channels_expected:
        return None
    if channels_expected == 1:
        return (
            f"its {label} has {got} channels; CellWeb's networks have 1 (a network with several "
            "classes or an instance channel records them in config.cellweb.head_layout)"
        )
    return f"its {label} has {got} channels; its config.cellweb records {channels_expected}"


def _recorded(cellweb: dict[str, Any], input_axes) -> tuple[HeadLayout | None, dict[str, Any]]:
    """The head layout and what the version records from ``config.cellweb`` (written by
    ``export_bioimageio``): classes, input channel names, modality, native crops and
    foreground normalisation."""
    layout = cellweb.get("head_layout")
    try:
        layout = HeadLayout(**layout) if isinstance(layout, dict) else None
    except (TypeError, ValueError) as exc:
        raise WeightsError(
            f"The package's config.cellweb.head_layout {layout} is not usable ({exc}): it must "
            f"give n_classes (a whole number, 1 or more) and instance "
            f"({', '.join(INSTANCE_OUTPUTS)} or null)."
        ) from None
    channels = next(a for a in input_axes if a.type == "channel")
    names = cellweb.get("channel_names")
    if not isinstance(names, list) or len(names) != len(channels.channel_names):
        names = [str(n) for n in channels.channel_names] if len(channels.channel_names) > 1 else []
    recorded: dict[str, Any] = {"channel_names": [str(n) for n in names]}
    if layout is not None:
        recorded["head_layout"] = layout.to_dict()
        recorded["classes"] = _classes(layout, cellweb.get("classes"))
    modalities = cellweb.get("modalities")
    if isinstance(modalities, list) and modalities:
        recorded["modalities"] = [str(m) for m in modalities]
    # Resized or tiled, one pass or two (docs/tiling.md): as the version was trained.
    for key in ("native_crops", "foreground_normalise"):
        if isinstance(cellweb.get(key), bool):
            recorded[key] = cellweb[key]
        elif cellweb.get(key) is not None:  # a guess would resize, tile or normalise otherwise
            raise WeightsError(
                f"The package's config.cellweb.{key} is “{cellweb[key]}”; it must be true or false."
            )
    size = cellweb.get("input_size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise WeightsError(
            f"The package's config.cellweb.input_size is “{size}”; it must be the side in pixels "
            "the network was trained at, a whole number."
        )
    return layout, recorded


def _classes(layout: HeadLayout, classes: Any) -> list[dict[str, Any]]:
    """``config.cellweb.classes``: one {value, name, kind} per class channel but background."""
    wanted = max(layout.n_classes - 1, 1)
    try:
        out = [
            {"value": int(c["value"]), "name": str(c["name"]), "kind": str(c["kind"])}
            for c in classes
        ]
    except (TypeError, KeyError, ValueError):
        out = []
    values = [c["value"] for c in out]
    if len(out) != wanted or len(set(values)) != wanted or not all(0 < v < 256 for v in values):
        raise WeightsError(
            f"The package's config.cellweb.classes must list {wanted} classes ({{value 1-255, "
            f"name, kind}}, one per class channel but background) for its head layout."
        )
    return out


def _read_package(root: Path, rdf: Path, arch: str | None, reproduce: bool) -> ImportedWeights:
    descr, written = describe_package(rdf)
    if len(descr.inputs) != 1 or len(descr.outputs) != 1:
        raise WeightsError(
            f"The model has {len(descr.inputs)} inputs and {len(descr.outputs)} outputs; "
            "CellWeb's networks have one of each."
        )
    cellweb = (descr.config.model_dump().get("cellweb") or {}) if descr.config else {}
    problem = _axes_problem("input", descr.inputs[0].axes, None)
    layout, recorded = (None, {}) if problem else _recorded(cellweb, descr.inputs[0].axes)
    problem = problem or _axes_problem(
        "output", descr.outputs[0].axes, layout.channels if layout else 1
    )
    if problem:
        raise WeightsError(f"The model does not fit: {problem}.")
    in_channels = len(next(a for a in descr.inputs[0].axes if a.type == "channel").channel_names)
    entry = descr.weights.pytorch_state_dict
    if entry is None:
        formats = [k for k, v in descr.weights.model_dump().items() if v]
        raise WeightsError(
            f"The package has no PyTorch state-dict weights (only {', '.join(formats)}); CellWeb "
            "rebuilds the network from its registry and needs them."
        )
    architecture = entry.architecture
    named = None
    if getattr(architecture, "import_from", "") in _OURS:
        named = (architecture.kwargs or {}).get("name")
    named = named or cellweb.get("arch")
    chosen = _choose_arch(named, arch)
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
    name = imported_name(written, cellweb)
    imported = ImportedWeights(
        chosen,
        state,
        "bioimageio",
        _input_size(cellweb.get("input_size")),
        name=name,
        details={
            "package_name": name,
            "format_version": str(written.format_version),
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
    elif reproduce:  # every test tensor is there: run the input, compare with the output
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


def read_model_file(
    path: Path, *, arch: str | None = None, limits: ZipLimits = ZipLimits(), reproduce: bool = True
) -> ImportedWeights:
    """Read and check ``path``; raises ``WeightsError`` (nothing stored) when it cannot be used.
    ``reproduce=False`` leaves out the one slow check, running a package's test input through
    the network (what an upload's request checks before its job runs the rest)."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PK\x03\x04":
        names = zip_names(path)
        if any(Path(n).name in _DESCRIPTIONS for n in names):
            with tempfile.TemporaryDirectory(prefix="cw-import-") as tmp:
                root = Path(tmp)
                names = extract_zip(path, root, limits=limits)
                rdf = next(root / n for n in names if Path(n).name in _DESCRIPTIONS)
                return _read_package(rdf.parent, rdf, arch, reproduce)
        # A PyTorch file is itself a zip of one entry per tensor (FusionNet's: 302), so it is
        # read as weights, with the archive checks of a weights file, not as a package.
        if not any(Path(n).name == "data.pkl" for n in names):
            raise WeightsError(
                "The zip holds neither a bioimage.io description (rdf.yaml) nor a PyTorch "
                "state dict."
            )
    state, meta = state_dict_from_payload(read_state_dict(path.read_bytes(), limits=limits))
    chosen = _choose_arch(meta.get("arch") if isinstance(meta.get("arch"), str) else None, arch)
    check_state_dict(chosen, state)
    return ImportedWeights(
        chosen,
        state,
        "state_dict",
        _input_size(meta.get("input_size")),
        details={"weights_sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
    )
