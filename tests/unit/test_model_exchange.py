"""Model exchange: a bioimage.io export validates offline with bioimageio.spec, an import of it
predicts bit-identically, and every bad file is refused with its reason and nothing stored."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from django.core.management import call_command
from django.core.management.base import CommandError

from cellweb.errors import InvalidInput
from inference.ml.export_bioimageio import package_predict, write_package
from inference.ml.import_bioimageio import read_model_file
from inference.ml.nets import create_model
from inference.ml.weights import WeightsError, ZipLimits
from inference.models import ModelVersion
from inference.services.model_exchange import model_version_export, model_version_import
from inference.services.model_versions import (
    model_version_create,
    model_version_load,
    weights_payload,
)

SIZE = 32


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> tuple[Path, torch.nn.Module]:
    torch.manual_seed(3)
    model = create_model("unet16").eval()
    out = tmp_path_factory.mktemp("pkg") / "unet16.zip"
    write_package(
        model=model,
        arch="unet16",
        input_size=SIZE,
        name="Unet16 · job 1 · fold 1/2",
        out_path=out,
        provenance={"provenance": "trained", "metrics": {"dice": 0.875}, "config": {"lr": 5e-4}},
        authors=["mona"],
    )
    return out, model


def _rewrite(src: Path, dest: Path, member: str, transform) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, transform(data) if info.filename == member else data)
    return dest


def _version(project, arch="unet16", seed=0, **extra) -> ModelVersion:
    torch.manual_seed(seed)
    return model_version_create(
        project=project,
        name=f"{arch} · job 1 · fold 1/2",
        arch=arch,
        weights=weights_payload(create_model(arch), arch=arch, input_size=SIZE),
        config={"input_size": SIZE, "epochs": 2, "arch": arch},
        metrics={"dice": 0.8},
        val_specimens=[{"id": 1, "name": "cell-a"}],
        **extra,
    )


# -- the package


def test_the_package_validates_with_bioimageio_spec_without_network(package, no_network, tmp_path):
    from bioimageio.spec import InvalidDescr, load_description
    from bioimageio.spec.model.v0_5 import ModelDescr

    path, _ = package
    descr = load_description(path, perform_io_checks=True, known_files=None)
    assert not isinstance(descr, InvalidDescr), descr.get_reason()
    assert isinstance(descr, ModelDescr)
    names = set(zipfile.ZipFile(path).namelist())
    assert {"rdf.yaml", "weights.pt", "weights_torchscript.pt", "cover.png"} <= names
    assert {"test_input.npy", "test_output.npy", "provenance.json", "README.md"} <= names
    assert [str(a.source.path) for a in descr.attachments] == ["provenance.json"]
    assert any(c.doi for c in descr.cite)  # U-Net's citation
    assert [str(a.id) for a in descr.inputs[0].axes] == ["batch", "channel", "y", "x"]


def test_the_torchscript_weights_reproduce_the_packaged_test_output(package, tmp_path):
    path, model = package
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path)
    ri = np.load(tmp_path / "test_input.npy")
    expected = np.load(tmp_path / "test_output.npy")
    scripted = torch.jit.load(str(tmp_path / "weights_torchscript.pt"))
    # The package's preprocessing written out independently: fixed mean/std, then clip.
    x = torch.from_numpy(np.clip((ri - 1.337) / 0.03, -10, 10))
    with torch.no_grad():
        got = torch.sigmoid(scripted(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(package_predict(model, ri), expected)
    other = torch.randn(2, 1, 48, 80)  # any multiple of 16, not only the traced size
    with torch.no_grad():
        assert torch.allclose(scripted(other), model(other), atol=1e-6)


def test_reading_the_package_gives_the_exact_state_dict(package, no_network):
    path, model = package
    imported = read_model_file(path)
    assert (imported.arch, imported.format, imported.input_size) == ("unet16", "bioimageio", SIZE)
    for key, value in model.state_dict().items():
        assert torch.equal(imported.state_dict[key], value), key


# -- refusals, each with its reason


def test_a_truncated_zip_is_refused_as_corrupt(package, tmp_path):
    data = package[0].read_bytes()
    bad = tmp_path / "cut.zip"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match="corrupt|not a readable zip"):
        read_model_file(bad)


def test_a_zip_bomb_is_refused_before_anything_is_extracted(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rdf.yaml", b"\0" * (64 << 20))
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(WeightsError, match="zip bomb"):
        read_model_file(bomb)
    with pytest.raises(WeightsError, match="zip bomb"):
        read_model_file(bomb, limits=ZipLimits(max_ratio=1e9, max_total_bytes=32 << 20))


def test_a_zip_entry_climbing_out_of_the_folder_is_refused(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../rdf.yaml", b"type: model\n")
    with pytest.raises(WeightsError, match="outside the package"):
        read_model_file(evil)


def test_a_package_with_a_3d_input_is_refused(package, tmp_path):
    def to_3d(data: bytes) -> bytes:
        text = data.decode()
        return text.replace("id: y\n", "id: z\n").encode()  # inputs, outputs, references

    bad = _rewrite(package[0], tmp_path / "3d.zip", "rdf.yaml", to_3d)
    with pytest.raises(WeightsError, match=r"2D sections.*\(batch, channel, y, x\)"):
        read_model_file(bad)


def test_a_package_with_two_input_channels_and_one_channel_weights_is_refused(package, tmp_path):
    def two_channels(data: bytes) -> bytes:
        return (
            data.decode().replace("          - ri\n", "          - ri\n          - dapi\n").encode()
        )

    bad = _rewrite(package[0], tmp_path / "2ch.zip", "rdf.yaml", two_channels)
    with pytest.raises(WeightsError, match="input has 2 channels; its weights take 1"):
        read_model_file(bad)


def test_weights_of_another_architecture_are_refused_with_the_mismatch(tmp_path):
    buffer = io.BytesIO()
    torch.save(create_model("unet16").state_dict(), buffer)
    path = tmp_path / "unet16.pt"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(WeightsError, match="do not fit the osnet network"):
        read_model_file(path, arch="osnet")
    with pytest.raises(WeightsError, match="do not fit the unet64 network: .* has shape"):
        read_model_file(path, arch="unet64")
    with pytest.raises(WeightsError, match="does not say which network"):
        read_model_file(path)
    with pytest.raises(WeightsError, match="Unknown architecture “resnet50”"):
        read_model_file(path, arch="resnet50")
    assert read_model_file(path, arch="unet16").arch == "unet16"


def test_a_state_dict_of_more_tensors_than_a_package_holds_files_is_read_as_weights(tmp_path):
    # torch.save writes one zip entry per tensor: FusionNet's state dict holds 302 of them.
    path = tmp_path / "fusionnet.pt"
    torch.save(create_model("fusionnet").state_dict(), path)
    assert len(zipfile.ZipFile(path).namelist()) > ZipLimits().max_entries
    assert read_model_file(path, arch="fusionnet").arch == "fusionnet"
    with pytest.raises(WeightsError, match="do not fit the unet16 network"):
        read_model_file(path, arch="unet16")
    payload = tmp_path / "fusionnet-version.pt"
    payload.write_bytes(weights_payload(create_model("fusionnet"), arch="fusionnet", input_size=32))
    assert read_model_file(payload).arch == "fusionnet"


def _without(src: Path, dest: Path, member: str) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info.filename, zin.read(info))
    return dest


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda src, dest: _without(src, dest, "test_input.npy"),
            "lacks its “ri” test tensor “test_input.npy”",
        ),
        (
            lambda src, dest: _without(src, dest, "test_output.npy"),
            "lacks its “nucleus_probability” test tensor",
        ),
        (
            lambda src, dest: _rewrite(
                src, dest, "test_input.npy", lambda _: _npy(np.full((1, 1, 7, 7), 1.34, "f4"))
            ),
            r"test tensors \(ri \[1, 1, 7, 7\]; nucleus_probability \[1, 1, 32, 32\]\) do not fit",
        ),
        (
            lambda src, dest: _rewrite(src, dest, "test_output.npy", lambda _: b"not an array"),
            "“test_output.npy” is not a .npy array",
        ),
        (
            lambda src, dest: _rewrite(src, dest, "rdf.yaml", lambda _: b"{{{ not: yaml"),
            "rdf.yaml cannot be read",
        ),
        (
            lambda src, dest: _rewrite(
                src, dest, "rdf.yaml", lambda d: d.replace(b"input_size: 32", b"input_size: big")
            ),
            "config.cellweb.input_size is “big”; it must be the side in pixels",
        ),
        (
            lambda src, dest: _rewrite(
                src,
                dest,
                "rdf.yaml",
                lambda d: d.replace(
                    b"input_size: 32\n", b"input_size: 32\n    native_crops: 'yes'\n"
                ),
            ),
            "config.cellweb.native_crops is “yes”; it must be true or false",
        ),
        (
            lambda src, dest: _rewrite(
                src,
                dest,
                "rdf.yaml",
                lambda d: d.replace(b"head_layout:\n", b"head_layout: {n_classes: three}\n"),
            ),
            r"head_layout \{'n_classes': 'three'\} is not usable .* it must give n_classes \(a whole",
        ),
    ],
    ids=[
        "no-test-input",
        "no-test-output",
        "test-input-7x7",
        "test-output-junk",
        "rdf-not-yaml",
        "input-size-not-a-number",
        "native-crops-not-a-flag",
        "head-layout-not-a-number",
    ],
)
def test_a_package_with_lost_or_broken_files_is_refused_and_nothing_stored(
    package, project, manager, tmp_path, settings, edit, message
):
    bad = edit(package[0], tmp_path / "messy.zip")
    media = Path(settings.MEDIA_ROOT)
    before = sorted(media.rglob("*")) if media.exists() else []
    with pytest.raises(InvalidInput, match=message):
        model_version_import(project=project, user=manager, path=bad, filename="messy.zip")
    assert not ModelVersion.objects.exists()
    assert (sorted(media.rglob("*")) if media.exists() else []) == before


def test_a_file_that_is_no_model_at_all_is_refused(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_bytes(b"just some text, not weights")
    with pytest.raises(
        WeightsError, match="neither a bioimage.io package .* nor a PyTorch state dict"
    ):
        read_model_file(path)


# -- services: export, import, round trip


def test_round_trip_export_then_import_predicts_bit_identically(
    project, manager, no_network, tmp_path
):
    original = _version(project, seed=7)
    path = model_version_export(version=original, user=manager, out_path=tmp_path / "v.zip")
    imported = model_version_import(
        project=project, user=manager, path=path, filename="v.zip", arch=None
    )
    assert imported.provenance == "imported" and imported.kind == "imported"
    assert imported.origin["format"] == "bioimageio" and imported.origin["filename"] == "v.zip"
    x = torch.from_numpy(np.random.default_rng(1).normal(0, 1, (3, 1, SIZE, SIZE)).astype("f4"))
    outputs = []
    for version in (original, imported):
        model, _ = model_version_load(version)
        with torch.no_grad():
            outputs.append(model(x))
    assert torch.equal(outputs[0], outputs[1])


def test_the_exported_provenance_names_the_parent_and_the_metrics(project, manager, tmp_path):
    parent = _version(project, seed=1)
    child = _version(project, seed=2, provenance="fine_tuned", parent=parent)
    path = model_version_export(version=child, user=manager, out_path=tmp_path / "c.zip")
    import json

    provenance = json.loads(zipfile.ZipFile(path).read("provenance.json"))
    assert provenance["provenance"] == "fine_tuned"
    assert provenance["parent"]["id"] == parent.pk
    assert provenance["metrics"] == {"dice": 0.8}


def test_a_refused_import_writes_no_row_and_no_file(project, manager, tmp_path, settings):
    buffer = io.BytesIO()
    torch.save(create_model("unet16").state_dict(), buffer)
    path = tmp_path / "w.pt"
    path.write_bytes(buffer.getvalue())
    media = Path(settings.MEDIA_ROOT)
    before = sorted(media.rglob("*")) if media.exists() else []
    with pytest.raises(InvalidInput, match="do not fit the osnet network"):
        model_version_import(
            project=project, user=manager, path=path, filename="w.pt", arch="osnet"
        )
    assert not ModelVersion.objects.exists()
    assert (sorted(media.rglob("*")) if media.exists() else []) == before


def test_an_input_size_off_the_networks_stride_is_refused_at_import(project, manager, tmp_path):
    path = tmp_path / "w.pt"
    path.write_bytes(weights_payload(create_model("unet16"), arch="unet16", input_size=100))
    with pytest.raises(InvalidInput, match="not a multiple of the network's stride 16"):
        model_version_import(project=project, user=manager, path=path, filename="w.pt")
    assert not ModelVersion.objects.exists()


def test_only_managers_import(project, annotator, tmp_path):
    from cellweb.errors import NotAllowed

    path = tmp_path / "w.pt"
    torch.save(create_model("unet16").state_dict(), path)
    with pytest.raises(NotAllowed):
        model_version_import(project=project, user=annotator, path=path, filename="w.pt")


# -- commands


def test_the_commands_export_and_import_a_version(project, tmp_path):
    original = _version(project)
    out = tmp_path / "exported.zip"
    text = io.StringIO()
    call_command(
        "export_model", "--model-version", str(original.pk), "--out", str(out), stdout=text
    )
    assert "validates with bioimageio.spec" in text.getvalue() and out.is_file()
    text = io.StringIO()
    call_command("import_model", str(out), "--project", project.slug, stdout=text)
    assert "provenance imported" in text.getvalue()
    assert ModelVersion.objects.filter(provenance="imported", arch="unet16").count() == 1


def test_the_import_command_reports_a_bad_file(project, tmp_path):
    path = tmp_path / "bad.zip"
    path.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(CommandError, match="corrupt|not a readable zip"):
        call_command("import_model", str(path), "--project", project.slug)
    assert not ModelVersion.objects.exists()
