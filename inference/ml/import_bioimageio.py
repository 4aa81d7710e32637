"""Reading a model file from outside: a BioImage Model Zoo package (a zip on disk; nothing is
downloaded) or a plain PyTorch state dict, into a registry architecture and checked weights.

A package is unpacked only after ``weights.extract_zip`` has passed every entry, described with
``bioimageio.spec`` (format 0.4 packages are converted to 0.5), and accepted only when its one
input and one output are 2D single-channel (axes batch, channel of size 1, y, x), it carries
PyTorch state-dict weights whose SHA-256 matches the description, and those weights fit the
architecture: named by the package (``create_model`` from ``inference.ml.nets``, or
``config.cellweb.arch``) or given by the user.
"""

from __future__ import annotations

import hashlib
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .weights import (
    WeightsError,
    ZipLimits,
    canonical_arch,
    check_state_dict,
    extract_zip,
    read_state_dict,
    state_dict_from_payload,
)

__all__ = ["ImportedWeights", "read_model_file"]

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


def _axes_problem(label: str, axes) -> str | None:
    kinds = [a.type for a in axes]
    ids = [str(a.id) for a in axes]
    text = ", ".join(f"{k}:{i}" if k != i else k for k, i in zip(kinds, ids))
    channels = next((a for a in axes if a.type == "channel"), None)
    if kinds != ["batch", "channel", "space", "space"] or ids[2:] != ["y", "x"]:
        return (
            f"its {label} has axes ({text}); CellWeb's networks take 2D single-channel sections, "
            "axes (batch, channel, y, x)"
        )
    if channels is not None and len(channels.channel_names) != 1:
        return f"its {label} has {len(channels.channel_names)} channels; CellWeb's networks have 1"
    return None


def _describe(rdf: Path):
    from bioimageio.spec import InvalidDescr, load_description

    # File hashes are checked below for the weights we use; no URL is fetched (offline).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        descr = load_description(rdf, format_version="latest", perform_io_checks=False)
    if isinstance(descr, InvalidDescr):
        reason = (descr.get_reason() or "it does not validate").splitlines()[0][:400]
        raise WeightsError(f"Not a valid bioimage.io model package: {reason}")
    if descr.type != "model":
        raise WeightsError(f"The package describes a {descr.type}, not a model.")
    return descr


def _read_package(root: Path, rdf: Path, arch: str | None) -> ImportedWeights:
    descr = _describe(rdf)
    if len(descr.inputs) != 1 or len(descr.outputs) != 1:
        raise WeightsError(
            f"The model has {len(descr.inputs)} inputs and {len(descr.outputs)} outputs; "
            "CellWeb's networks have one of each."
        )
    for label, tensor in (("input", descr.inputs[0]), ("output", descr.outputs[0])):
        problem = _axes_problem(label, tensor.axes)
        if problem:
            raise WeightsError(f"The model does not fit: {problem}.")
    entry = descr.weights.pytorch_state_dict
    if entry is None:
        formats = [k for k, v in descr.weights.model_dump().items() if v]
        raise WeightsError(
            f"The package has no PyTorch state-dict weights (only {', '.join(formats)}); CellWeb "
            "rebuilds the network from its registry and needs them."
        )
    architecture = entry.architecture
    named = None
    if getattr(architecture, "import_from", "") == "inference.ml.nets":
        named = (architecture.kwargs or {}).get("name")
    cellweb = (descr.config.model_dump().get("cellweb") or {}) if descr.config else {}
    named = named or cellweb.get("arch")
    chosen = _choose_arch(named, arch)
    weights_path = root / str(entry.source.path if hasattr(entry.source, "path") else entry.source)
    if not weights_path.is_file():
        raise WeightsError(f"The package lacks its weights file “{entry.source}”.")
    data = weights_path.read_bytes()
    if entry.sha256 is not None and hashlib.sha256(data).hexdigest() != str(entry.sha256):
        raise WeightsError("The weights file does not match the SHA-256 in the package.")
    state, _ = state_dict_from_payload(read_state_dict(data))
    check_state_dict(chosen, state)
    return ImportedWeights(
        chosen,
        state,
        "bioimageio",
        _input_size(cellweb.get("input_size")),
        name=str(descr.name),
        details={
            "package_name": str(descr.name),
            "format_version": str(descr.format_version),
            "description": str(descr.description)[:500],
            "authors": [a.name for a in descr.authors],
            "cite": [c.text for c in descr.cite],
            "preprocessing": [p.id for p in descr.inputs[0].preprocessing],
            "weights_sha256": hashlib.sha256(data).hexdigest(),
        },
    )


def read_model_file(
    path: Path, *, arch: str | None = None, limits: ZipLimits = ZipLimits()
) -> ImportedWeights:
    """Read and check ``path``; raises ``WeightsError`` (nothing stored) when it cannot be used."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PK\x03\x04":
        with tempfile.TemporaryDirectory(prefix="cw-import-") as tmp:
            root = Path(tmp)
            names = extract_zip(path, root, limits=limits)
            rdf = next((root / n for n in names if Path(n).name in _DESCRIPTIONS), None)
            if rdf is not None:
                return _read_package(rdf.parent, rdf, arch)
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
