"""Model exchange of versions with several classes, an instance channel or several input
channels: the bioimage.io package names every channel and validates, and importing it back
restores the head layout, the classes and the input channels, so the imported version predicts
the same outputs and the same class maps and instances."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import torch

from inference.ml.heads import HeadLayout, create_model_with_heads
from inference.ml.import_bioimageio import read_model_file
from inference.ml.label_output import channel_values, labels_from_output
from inference.ml.nets import create_model
from inference.ml.weights import WeightsError
from inference.output_classes import version_instance_values, version_outputs
from inference.services.model_exchange import model_version_export, model_version_import
from inference.services.model_versions import (
    model_version_create,
    model_version_load,
    weights_payload,
)

SIZE = 32
CLASSES = [
    {"value": 1, "name": "nucleus", "kind": "instances"},
    {"value": 2, "name": "nucleolus", "kind": "regions"},
    {"value": 4, "name": "lipid droplet", "kind": "regions"},
]


def _classes_version(project, layout=HeadLayout(n_classes=4, instance="distance"), classes=CLASSES):
    torch.manual_seed(11)
    model = create_model_with_heads("unet16", layout)
    return model_version_create(
        project=project,
        name="Unet16 · classes · fold 1/2",
        arch="unet16",
        weights=weights_payload(model, arch="unet16", input_size=SIZE),
        config={"arch": "unet16", "input_size": SIZE, "head_layout": layout.to_dict()}
        | {"classes": classes},
    )


def _two_channel_version(project):
    torch.manual_seed(12)
    model = create_model("unet16", in_channels=2)
    weights = weights_payload(
        model, arch="unet16", input_size=SIZE, channel_names=["bright-field", "phase"]
    )
    return model_version_create(
        project=project,
        name="Unet16 · BF + phase",
        arch="unet16",
        weights=weights,
        config={"arch": "unet16", "input_size": SIZE, "modalities": ["brightfield"]},
    )


def _outputs(version, x: torch.Tensor) -> np.ndarray:
    model, _ = model_version_load(version)
    with torch.no_grad():
        return model(x).numpy()


def _labels(version, output: np.ndarray):
    layout, classes = version_outputs(version.config)
    values = channel_values(layout, [c["value"] for c in classes])
    return labels_from_output(output, layout, values, version_instance_values(classes))


def _steps(processing) -> list[str]:
    """The processing steps, without the dtype casts bioimageio.spec adds itself."""
    return [p.id for p in processing if p.id != "ensure_dtype"]


def _description(path):
    from bioimageio.spec import InvalidDescr, load_description

    descr = load_description(path, perform_io_checks=True, known_files=None)
    assert not isinstance(descr, InvalidDescr), descr.get_reason()
    return descr


def test_a_three_class_distance_version_round_trips_with_its_classes(
    project, manager, no_network, tmp_path
):
    original = _classes_version(project)
    path = model_version_export(version=original, user=manager, out_path=tmp_path / "c.zip")

    descr = _description(path)
    output = descr.outputs[0]
    names = [str(n) for n in next(a for a in output.axes if a.type == "channel").channel_names]
    assert names == ["background", "nucleus", "nucleolus", "lipid_droplet", "distance"]
    assert str(output.id) == "outputs"
    assert (
        _steps(output.postprocessing) == []
    )  # a softmax over the whole tensor would mix in distance
    cellweb = descr.config.model_dump()["cellweb"]
    assert cellweb["head_layout"] == {"n_classes": 4, "instance": "distance"}
    assert cellweb["classes"] == CLASSES
    assert [c.get("class_value") for c in cellweb["output"]["channels"]] == [0, 1, 2, 4, None]
    assert cellweb["output"]["channels"][-1]["activation"] == "none"

    imported = model_version_import(project=project, user=manager, path=path, filename="c.zip")
    assert imported.config["head_layout"] == original.config["head_layout"]
    assert imported.config["classes"] == CLASSES
    x = torch.from_numpy(np.random.default_rng(2).normal(0, 1, (2, 1, SIZE, SIZE)).astype("f4"))
    before, after = _outputs(original, x), _outputs(imported, x)
    np.testing.assert_array_equal(before, after)
    for a, b in zip(before, after):
        (map_a, inst_a, cls_a), (map_b, inst_b, cls_b) = _labels(original, a), _labels(imported, b)
        np.testing.assert_array_equal(map_a, map_b)
        np.testing.assert_array_equal(inst_a, inst_b)
        assert cls_a == cls_b
        assert set(np.unique(map_a)) <= {0, 1, 2, 4}


def test_the_packaged_test_output_is_the_networks_raw_outputs_for_an_instance_channel(
    project, manager, tmp_path
):
    path = model_version_export(
        version=_classes_version(project), user=manager, out_path=tmp_path / "c.zip"
    )
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "x")
    image = np.load(tmp_path / "x" / "test_input.npy")
    expected = np.load(tmp_path / "x" / "test_output.npy")
    scripted = torch.jit.load(str(tmp_path / "x" / "weights_torchscript.pt"))
    with torch.no_grad():
        got = scripted(torch.from_numpy(np.clip((image - 1.337) / 0.03, -10, 10))).numpy()
    assert expected.shape == (1, 5, SIZE, SIZE)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_a_classes_version_without_instance_channel_exports_softmax_probabilities(
    project, manager, tmp_path
):
    torch.manual_seed(5)
    layout = HeadLayout(n_classes=3)
    version = model_version_create(
        project=project,
        name="Unet16 · two classes",
        arch="unet16",
        weights=weights_payload(
            create_model_with_heads("unet16", layout), arch="unet16", input_size=SIZE
        ),
        config={"arch": "unet16", "input_size": SIZE, "head_layout": layout.to_dict()}
        | {"classes": CLASSES[:2]},
    )
    descr = _description(
        model_version_export(version=version, user=manager, out_path=tmp_path / "s.zip")
    )
    output = descr.outputs[0]
    assert str(output.id) == "class_probability"
    assert _steps(output.postprocessing) == ["softmax"]
    softmax = next(p for p in output.postprocessing if p.id == "softmax")
    assert str(softmax.kwargs.axis) == "channel"
    with zipfile.ZipFile(tmp_path / "s.zip") as archive:
        probabilities = np.load(archive.open("test_output.npy"))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_a_two_channel_version_round_trips_with_its_channel_names(
    project, manager, no_network, tmp_path
):
    original = _two_channel_version(project)
    path = model_version_export(version=original, user=manager, out_path=tmp_path / "bf.zip")

    descr = _description(path)
    axes = descr.inputs[0].axes
    channel_axis = next(a for a in axes if a.type == "channel")
    assert [str(n) for n in channel_axis.channel_names] == ["bright_field", "phase"]
    assert _steps(descr.inputs[0].preprocessing) == ["scale_range"]
    cellweb = descr.config.model_dump()["cellweb"]
    assert cellweb["channel_names"] == ["bright-field", "phase"]  # as the project names them
    assert cellweb["in_channels"] == 2 and cellweb["head_layout"] is None

    imported = model_version_import(project=project, user=manager, path=path, filename="bf.zip")
    _, meta = model_version_load(imported)
    assert meta["in_channels"] == 2 and meta["channel_names"] == ["bright-field", "phase"]
    assert imported.config["modalities"] == ["brightfield"]
    assert "head_layout" not in imported.config
    x = torch.from_numpy(np.random.default_rng(3).normal(0, 1, (2, 2, SIZE, SIZE)).astype("f4"))
    np.testing.assert_array_equal(_outputs(original, x), _outputs(imported, x))


def _edited(path, tmp_path, old: str, new: str):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "rdf.yaml":
                assert old in data.decode()
                data = data.decode().replace(old, new).encode()
            zout.writestr(info.filename, data)
    return bad


def test_a_package_whose_output_channels_differ_from_its_recorded_layout_is_refused(
    project, manager, tmp_path
):
    path = model_version_export(
        version=_classes_version(project), user=manager, out_path=tmp_path / "c.zip"
    )
    bad = _edited(path, tmp_path, "instance: distance", "instance: null")
    with pytest.raises(WeightsError, match="output has 5 channels; its config.cellweb records 4"):
        read_model_file(bad)
    bad = _edited(path, tmp_path, "name: lipid droplet", "nom: lipid droplet")
    with pytest.raises(WeightsError, match="must list 3 classes"):
        read_model_file(bad)


def test_the_packaged_architecture_builds_the_network_its_state_dict_fits(
    project, manager, tmp_path
):
    from inference.ml import bioimageio_io

    for i, (layout, classes) in enumerate(
        [(HeadLayout(n_classes=4, instance="distance"), CLASSES), (HeadLayout(), CLASSES[:1])]
    ):
        version = _classes_version(project, layout, classes)
        path = model_version_export(version=version, user=manager, out_path=tmp_path / f"{i}.zip")
        architecture = _description(path).weights.pytorch_state_dict.architecture
        assert architecture.import_from == "inference.ml.bioimageio_io"
        network = getattr(bioimageio_io, str(architecture.callable))(**architecture.kwargs)
        with zipfile.ZipFile(path) as archive:
            state = torch.load(archive.open("weights.pt"), weights_only=True)
        network.load_state_dict(state, strict=True)
        imported = model_version_import(
            project=project, user=manager, path=path, filename=f"{i}.zip"
        )
        x = torch.from_numpy(np.random.default_rng(i).normal(0, 1, (1, 1, SIZE, SIZE)).astype("f4"))
        np.testing.assert_array_equal(_outputs(version, x), _outputs(imported, x))
