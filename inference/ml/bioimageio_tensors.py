"""The bioimage.io descriptions of a package's tensors and of its state dict's architecture
(``inference.ml.bioimageio_io`` says what each channel is), and on import the check that the
test tensors a package names are there and fit them, and what is unverified where it names
none (``bioimageio_check`` then runs them through the network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .bioimageio_io import RI_CLIP, PackageIO
from .data import RI_CENTER, RI_SCALE
from .weights import WeightsError

__all__ = [
    "UNTESTED",
    "check_test_tensors",
    "package_architecture",
    "package_file",
    "tensor_descrs",
]


def tensor_descrs(io: PackageIO, input_path: Path, output_path: Path):
    """The input and output tensor descriptions of a package of ``io``."""
    from bioimageio.spec.model import v0_5 as spec

    space = [
        spec.SpaceInputAxis(id=spec.AxisId(a), size=spec.ParameterizedSize(min=16, step=16))
        for a in ("y", "x")
    ]
    if io.modality == "ri":
        preprocessing = [
            spec.FixedZeroMeanUnitVarianceDescr(
                kwargs=spec.FixedZeroMeanUnitVarianceKwargs(mean=RI_CENTER, std=RI_SCALE)
            ),
            spec.ClipDescr(kwargs=spec.ClipKwargs(min=-RI_CLIP, max=RI_CLIP)),
        ]
    else:  # per sample and channel, over y and x, as inference.ml.data.normalise_percentile
        preprocessing = [
            spec.ScaleRangeDescr(
                kwargs=spec.ScaleRangeKwargs(
                    axes=[spec.AxisId("y"), spec.AxisId("x")],
                    min_percentile=1.0,
                    max_percentile=99.8,
                )
            )
        ]
    inputs = io.input_names()
    description = (
        "Refractive index, one z-section"
        if io.modality == "ri" and len(inputs) == 1
        else f"One {io.modality} z-section, channels: {', '.join(inputs)}"
    )
    input_descr = spec.InputTensorDescr(
        **_tensor_fields(spec, io.input_id, description, inputs, space, input_path),
        preprocessing=preprocessing,
    )
    out_space = [
        spec.SpaceOutputAxis(
            id=spec.AxisId(a),
            size=spec.SizeReference(tensor_id=spec.TensorId(io.input_id), axis_id=spec.AxisId(a)),
        )
        for a in ("y", "x")
    ]
    layout, outputs = io.layout, io.output_names()
    if layout.instance:
        activation = "sigmoid" if layout.n_classes == 1 else f"softmax over {layout.n_classes}"
        postprocessing = []
        description = (
            f"Class logits ({activation}) then {layout.instance}; see config.cellweb.output"
        )
    elif layout.n_classes > 1:
        postprocessing = [spec.SoftmaxDescr(kwargs=spec.SoftmaxKwargs(axis=spec.AxisId("channel")))]
        description = f"Class probabilities: {', '.join(outputs)}"
    else:
        postprocessing, description = [spec.SigmoidDescr()], "Nucleus probability"
    output_descr = spec.OutputTensorDescr(
        **_tensor_fields(spec, io.output_id, description, outputs, out_space, output_path),
        postprocessing=postprocessing,
    )
    return input_descr, output_descr


def _tensor_fields(spec, tensor_id: str, description: str, channels, space, test_path: Path):
    """What an input and an output tensor description both say: id, description, axes (batch,
    the named channels, then ``space``), test tensor and float32 data."""
    return {
        "id": spec.TensorId(tensor_id),
        "description": description[:128],
        "axes": [
            spec.BatchAxis(),
            spec.ChannelAxis(channel_names=[spec.Identifier(n) for n in channels]),
            *space,
        ],
        "test_tensor": spec.FileDescr(source=test_path),
        "data": spec.IntervalOrRatioDataDescr(type="float32"),
    }


def package_architecture(arch: str, io: PackageIO):
    """The state dict's architecture: ``create_model`` for a one-output network,
    ``create_package_model`` (heads attached) for one that records its outputs."""
    from bioimageio.spec.model import v0_5 as spec

    if not io.recorded:
        return spec.ArchitectureFromLibraryDescr(
            callable=spec.Identifier("create_model"),
            import_from="inference.ml.nets",
            kwargs={"name": arch, "in_channels": io.in_channels, "out_channels": 1},
        )
    return spec.ArchitectureFromLibraryDescr(
        callable=spec.Identifier("create_package_model"),
        import_from="inference.ml.bioimageio_io",
        kwargs={
            "name": arch,
            "in_channels": io.in_channels,
            "n_classes": io.layout.n_classes,
            "instance": io.layout.instance,
        },
    )


def package_file(root: Path, source: Any, what: str) -> Path:
    """The file ``source`` of the package unpacked in ``root``; refused when the package lacks
    it or it lies elsewhere (a URL, a path out of the package): nothing is fetched."""
    from bioimageio.spec.common import RelativeFilePath

    path = (root / str(source.path)).resolve() if isinstance(source, RelativeFilePath) else None
    if path is None or not path.is_relative_to(root.resolve()) or not path.is_file():
        raise WeightsError(f"The package lacks its {what} “{source}”.")
    return path


UNTESTED = "the import could not check that this package reproduces its own output"


def check_test_tensors(root: Path, descr) -> tuple[dict[str, np.ndarray], str | None]:
    """Each test tensor the description names is in the package, a ``.npy`` array, and fits
    its tensor's axes (a package whose files were lost or edited is refused, not stored).

    Returns the arrays by tensor id, and why the version is unverified where tensors lack one
    (format 0.5 allows it), else None."""
    from bioimageio.spec.model.v0_5 import validate_tensors

    tensors, untested = {}, []
    for tensor in (*descr.inputs, *descr.outputs):
        if tensor.test_tensor is None:
            untested.append(f"“{tensor.id}”")
            continue
        path = package_file(root, tensor.test_tensor.source, f"“{tensor.id}” test tensor")
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise WeightsError(
                f"The package's test tensor “{path.name}” is not a .npy array ({exc})."
            ) from None
        tensors[tensor.id] = (tensor, array)
    try:
        validate_tensors(
            tensors, tensor_origin="test_tensor", pad_inputs="allow", crop_outputs="allow"
        )
    except (ValueError, RuntimeError) as exc:  # a size off its axis can surface as either
        shapes = "; ".join(f"{k} {list(array.shape)}" for k, (_, array) in tensors.items())
        reason = str(exc).splitlines()[0][:300] if isinstance(exc, ValueError) else ""
        raise WeightsError(
            f"The package's test tensors ({shapes}) do not fit its description"
            + (f": {reason}." if reason else ".")
        ) from None
    arrays = {str(k): array for k, (_, array) in tensors.items()}
    if not tensors:
        return arrays, f"no test tensors: {UNTESTED}"
    return arrays, f"no test tensor for {', '.join(untested)}: {UNTESTED}" if untested else None
