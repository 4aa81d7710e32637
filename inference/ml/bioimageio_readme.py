"""The README of an exported bioimage.io package (``export_bioimageio.write_package``): what the
model segments, its tensors, the scale it was trained at, and its held-out metrics with how each
is aggregated, so a person who only has the zip can use the model as it was validated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .bioimageio_io import RI_CLIP, PackageIO
from .data import RI_CENTER, RI_SCALE
from .nets import model_label

__all__ = ["package_readme"]


def _io_lines(io: PackageIO) -> list[str]:
    if io.recorded or io.in_channels > 1 or io.modality != "ri":
        names = io.output_names()
        return [
            f"- Input `{io.input_id}`: channels {', '.join(io.input_names())} (axes b, c, y, x;",
            f"  sides a multiple of 16), modality {io.modality}.",
            f"- Output `{io.output_id}`: channels {', '.join(names)}; "
            "`config.cellweb.output` in rdf.yaml gives each channel's class value and activation.",
        ]
    return [
        "- Input `ri`: one RI section (axes b, c, y, x; 1 channel; sides a multiple of 16),",
        f"  normalised as (RI - {RI_CENTER}) / {RI_SCALE}, clipped to ±{RI_CLIP:g}.",
        "- Output `nucleus_probability`: sigmoid of the network's logits; threshold 0.5.",
    ]


def _scale_lines(config: Mapping[str, Any], input_size: int) -> list[str]:
    """How the sections met the network in training: another tool must feed it the same way."""
    size = f"{input_size} × {input_size} px"
    if config.get("native_crops"):
        return [
            f"Trained on {size} crops at the sections' native pixel size: give it sections at",
            "that pixel size (whole, padded to a multiple of 16, or tiled).",
        ]
    return [
        f"Trained on whole sections resized to {size}: resize each section to {size}",
        "before the network and its output back to the section's size, as CellWeb does; a",
        "section given at another scale is not segmented as validated.",
    ]


def _validation_lines(metrics: Mapping[str, Any]) -> list[str]:
    keys = ("dice", "jaccard", "precision", "recall")
    own = [(k, metrics[k]) for k in keys if isinstance(metrics.get(k), int | float)]
    per_class = metrics.get("per_class")
    if own and isinstance(per_class, Mapping) and per_class:  # several classes: their mean
        return [
            "Held-out metrics at threshold 0.5 (pixels pooled over the held-out sections), the",
            "mean over the classes, then each class's dice:",
            "",
            *(f"- {k}: {v:.4f}" for k, v in own),
            *(
                f"- {name} dice: {scores['dice']:.4f}"
                for name, scores in per_class.items()
                if isinstance(scores, Mapping) and isinstance(scores.get("dice"), int | float)
            ),
        ]
    if own:
        return [
            "Held-out metrics at threshold 0.5 (pixels pooled over the held-out sections):",
            "",
            *(f"- {k}: {v:.4f}" for k, v in own),
        ]
    cv = metrics.get("cross_validation") or {}
    folds = [(k, cv[k]) for k in keys if isinstance(cv.get(k), int | float)]
    if folds:  # a final model: trained on all sections, none held out
        return [
            "No section was held out from this model. Its training job's cross-validation at",
            "threshold 0.5 (each fold: pixels pooled over its held-out sections; mean over folds):",
            "",
            *(f"- {k}: {v:.4f}" for k, v in folds),
        ]
    return ["Held-out metrics at threshold 0.5: none."]


def _subject_lines(arch: str, io: PackageIO) -> list[str]:
    names = [str(c["name"]) for c in io.classes]
    what = f"segmentation ({', '.join(names)})" if names else "nucleus segmentation"
    sections = "refractive-index (RI)" if io.modality == "ri" else io.modality
    return [
        f"{model_label(arch)} {what} of label-free {sections} sections,",
        "exported by CellWeb.",
    ]


def package_readme(
    name: str, arch: str, provenance: Mapping[str, Any], io: PackageIO, input_size: int
) -> str:
    """The package's README.md: what it segments, its input and output, how it was trained
    (the scale another tool must feed it at) and its held-out metrics, each named."""
    lines = [
        f"# {name}",
        "",
        *_subject_lines(arch, io),
        "",
        "## Input and output",
        "",
        *_io_lines(io),
        "",
        "## Training",
        "",
        *_scale_lines(provenance.get("config") or {}, input_size),
        "",
        f"Provenance: {provenance.get('provenance', 'trained')}. Configuration, specimens and",
        "held-out metrics are in the attachment `provenance.json`.",
        "",
        "## Validation",
        "",
        *_validation_lines(provenance.get("metrics") or {}),
    ]
    return "\n".join(lines) + "\n"
