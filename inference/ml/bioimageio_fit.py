"""Whether a bioimage.io description fits a CellWeb network, read before any weights: one 2D
input and one 2D output (axes batch, channel, y, x), the output's channels those its
``config.cellweb`` records (several classes, an instance channel) or one, PyTorch state-dict
weights, and an architecture named by the package or given by the user (not two that disagree).

These are the quick checks an upload gets while its manager waits (``import_bioimageio.
check_model_file``); the weights themselves are read by the import (``read_model_file``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bioimageio_describe import describe_package
from .heads import INSTANCE_OUTPUTS, HeadLayout
from .weights import WeightsError, canonical_arch

__all__ = ["PackageFit", "choose_arch", "package_fit"]

_OURS = ("inference.ml.nets", "inference.ml.bioimageio_io")  # architectures named by CellWeb


@dataclass
class PackageFit:
    """A description that fits: as format 0.5 and as written, its ``config.cellweb``, the head
    layout and what the version records, the input channels, the weights entry and the network."""

    descr: Any
    written: Any
    cellweb: dict[str, Any]
    layout: HeadLayout | None
    recorded: dict[str, Any]
    in_channels: int
    entry: Any
    arch: str


def choose_arch(named: str | None, given: str | None) -> str:
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


def package_fit(rdf: Path, arch: str | None) -> PackageFit:
    """The description at ``rdf`` read and checked; ``WeightsError`` says why it does not fit."""
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
    chosen = choose_arch(named, arch)
    return PackageFit(descr, written, cellweb, layout, recorded, in_channels, entry, chosen)
