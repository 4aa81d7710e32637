"""On import, the package's test input run through the rebuilt network and compared with its
test output, as bioimage.io's own model test does.

The network runs on the CPU in eval mode with the preprocessing and postprocessing CellWeb's
predictor applies to the version (``PackageIO.normalise`` and ``activate``: the RI normalisation
or per-channel percentiles, then a sigmoid, a softmax over the classes, or the raw outputs with
an instance channel), which are a CellWeb export's own. An output value is off when
``|output - expected| > absolute + relative * |expected|`` (the format's rule; the package's
``config.bioimageio.reproducibility_tolerance`` where it gives one, else the format's defaults:
both 10⁻³, at most 100 values per million off). A test input over ``MAX_TEST_PIXELS`` is not
run: the version is stored unverified and says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .bioimageio_io import PackageIO
from .weights import WeightsError

__all__ = ["MAX_TEST_PIXELS", "Tolerance", "package_tolerance", "reproduce_test_output"]

# Batch × y × x of the largest test input run: a 1024 × 1024 section, the largest CellWeb
# trains at. Unet64 on it takes ~2 GiB and a minute and a half on two loaded cores.
MAX_TEST_PIXELS = 1024 * 1024


@dataclass(frozen=True)
class Tolerance:
    """bioimage.io's ``ReproducibilityTolerance``; the defaults are the format's."""

    relative: float = 1e-3
    absolute: float = 1e-3
    per_million: float = 100.0

    def text(self) -> str:
        return (
            f"|difference| ≤ {self.absolute:g} + {self.relative:g} × |expected|, at most "
            f"{self.per_million:g} values per million beyond"
        )


def package_tolerance(descr, output_id: str) -> Tolerance:
    """The first of the package's ``config.bioimageio.reproducibility_tolerance`` entries that
    applies to ``output_id`` (float32) and state-dict weights, else the format's default."""
    entries = descr.config.bioimageio.reproducibility_tolerance if descr.config else ()
    for entry in entries:
        formats = tuple(entry.weights_formats or ())
        ids = entry.output_ids
        applies = (
            not ids
            or ids == "any_continuous_output"
            or (not isinstance(ids, str) and output_id in [str(i) for i in ids])
        )
        if applies and (not formats or "pytorch_state_dict" in formats):
            return Tolerance(
                float(entry.relative_tolerance),
                float(entry.absolute_tolerance),
                float(entry.mismatched_elements_per_million),
            )
    return Tolerance()


def _shape(array: np.ndarray) -> str:
    return " × ".join(str(n) for n in array.shape)


def _declared(descr) -> str:
    pre = ", ".join(p.id for p in descr.inputs[0].preprocessing) or "none"
    post = ", ".join(p.id for p in descr.outputs[0].postprocessing) or "none"
    return f"preprocessing {pre}; postprocessing {post}"


def _run(model: nn.Module, io: PackageIO, image: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    model.eval()
    with torch.inference_mode():
        return io.activate(model(io.normalise(x))).numpy()


def reproduce_test_output(
    model: nn.Module,
    io: PackageIO,
    descr,
    test_input: np.ndarray,
    test_output: np.ndarray,
) -> dict[str, Any]:
    """Run ``test_input`` through ``model`` and compare with ``test_output``.

    Returns ``{"verified": {...}}`` (the largest absolute difference, how many values were
    compared and off, the tolerance) when it is reproduced, ``{"unverified": why}`` when the
    input is too large to run here; raises ``WeightsError`` when the network fails on the
    input or its output differs beyond the tolerance."""
    pixels = math.prod(test_input.shape[:1] + test_input.shape[2:])
    if pixels > MAX_TEST_PIXELS:
        return {
            "unverified": (
                f"its test input ({_shape(test_input)}) is larger than the import runs (at most "
                f"{MAX_TEST_PIXELS:,} pixels over batch, y and x, a 1024 × 1024 section): the "
                "import could not check that this package reproduces its own output"
            )
        }
    try:
        output = _run(model, io, test_input)
    except (RuntimeError, ValueError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        raise WeightsError(
            f"The network could not run on the package's test input ({_shape(test_input)}): "
            f"{reason}."
        ) from None
    if output.shape != test_output.shape:
        raise WeightsError(
            f"On its test input ({_shape(test_input)}) the network gives an output of "
            f"{_shape(output)}; the package's test output is {_shape(test_output)}."
        )
    return {
        "verified": _compare(output, test_output, package_tolerance(descr, io.output_id), descr)
    }


def _compare(output: np.ndarray, expected: np.ndarray, tol: Tolerance, descr) -> dict[str, Any]:
    expected = expected.astype(np.float64)
    diff = np.abs(output.astype(np.float64) - expected)
    diff[~np.isfinite(diff)] = np.inf  # a NaN is as far off as can be
    off = int(np.count_nonzero(diff > tol.absolute + tol.relative * np.abs(expected)))
    allowed = int(tol.per_million * diff.size / 1e6)
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape)
    max_abs = float(diff[worst])
    if off > allowed:
        channels = next(a for a in descr.outputs[0].axes if a.type == "channel").channel_names
        b, c, y, x = (int(i) for i in worst)
        raise WeightsError(
            "The network does not reproduce the package's test output: the largest absolute "
            f"difference is {max_abs:.3g} (batch {b}, channel “{channels[c]}”, y {y}, x {x}), "
            f"and {off:,} of its {diff.size:,} values are beyond the tolerance "
            f"({tol.text()}). It was run with CellWeb's normalisation and activation, as an "
            f"imported version predicts; the package declares {_declared(descr)}."
        )
    return {
        "max_abs_diff": max_abs,
        "values": int(diff.size),
        "beyond_tolerance": off,
        "tolerance": {
            "relative": tol.relative,
            "absolute": tol.absolute,
            "per_million": tol.per_million,
        },
    }
