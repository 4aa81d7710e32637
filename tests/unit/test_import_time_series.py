"""A time-lapse saved one file per frame (``pos1_t001.tif``, ``pos1_t002.tif``, …): ``{time}`` in
the folder's name pattern makes the frames of a field the time points of one specimen, in numeric
order, through ``manage.py import_folder`` and the folder upload; odd frames refuse the field."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from annotations.models import Section, SourceFile, Specimen, Volume
from annotations.services.imports.pairing import FieldFiles, FrameFiles, pair_files
from tests.conftest import signed_in
from tests.data_files import files_under, write_tiff
from tests.helpers_commands import run_command
from tests.unit.test_import_folder_command import folder_args
from tests.unit.test_stain_channel_import import bf_hoechst_stack

pytestmark = pytest.mark.django_db

SERIES = "{specimen}_t{time}_c{channel}.tif"


def frame(seed: int, shape=(40, 40)) -> np.ndarray:
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def write_series(folder, specimen="pos1", times=(1, 2, 10), stain=True, shape=(40, 40)):
    """Phase frames ``<specimen>_t<NNN>_c1.tif`` and, per frame, a Hoechst ``…_c2.tif``."""
    folder.mkdir(exist_ok=True)
    seed = 1000 * int(specimen[-1])
    for t in times:
        write_tiff(folder / f"{specimen}_t{t:03d}_c1.tif", frame(seed + t, shape))
        if stain:
            write_tiff(folder / f"{specimen}_t{t:03d}_c2.tif", 900 * frame(seed + 50 + t, shape))
    return folder


def test_frames_are_ordered_by_their_number_and_keep_it_as_the_time_point():
    names = ["p_t10.tif", "p_t2.tif", "p_t1.tif", "q_t0003.tif", "q_t0001.tif", "notes.txt"]
    pairing = pair_files(names, pattern="{specimen}_t{time}.tif")
    assert pairing.fields == [
        FieldFiles(
            "p",
            "p_t1.tif",
            None,
            (FrameFiles(1, "p_t1.tif"), FrameFiles(2, "p_t2.tif"), FrameFiles(10, "p_t10.tif")),
        ),
        FieldFiles(
            "q", "q_t0001.tif", None, (FrameFiles(1, "q_t0001.tif"), FrameFiles(3, "q_t0003.tif"))
        ),
    ]
    assert pairing.fields[0].names == ["p_t1.tif", "p_t2.tif", "p_t10.tif"]
    assert [name for name, _ in pairing.skipped] == ["notes.txt"]


def test_a_stain_per_frame_pairs_frame_by_frame_and_an_ambiguous_frame_skips_its_field():
    names = ["A1_T0001_ch0.tif", "A1_T0001_ch1.tif", "A1_T0002_ch0.tif", "A1_T0002_ch1.tif"]
    names += ["B2_T0001_ch0.tif", "B2_T0002_ch1.tif"]
    pairing = pair_files(
        names, pattern="{specimen}_T{time}_ch{channel}.tif", label_free="0", stain="1"
    )
    [field] = pairing.fields
    assert field.timeline == (
        (1, "A1_T0001_ch0.tif", "A1_T0001_ch1.tif"),
        (2, "A1_T0002_ch0.tif", "A1_T0002_ch1.tif"),
    )
    reasons = dict(pairing.skipped)
    assert reasons.keys() == {"B2_T0001_ch0.tif", "B2_T0002_ch1.tif"}
    assert (
        "field “B2” at time point 2 has a stain but no label-free image"
        in reasons["B2_T0002_ch1.tif"]
    )


def test_the_command_imports_a_field_of_frames_as_one_specimen_with_its_stains(
    tmp_path, media_root
):
    folder = write_series(tmp_path / "tl", times=(1, 2, 10))
    write_series(folder, specimen="pos2", times=(1, 2), stain=False)

    out = run_command(
        *folder_args(folder, "--pattern", SERIES, "--stain-name", "Hoechst"),
        "--frame-interval",
        "5",
    )

    assert "pos1: 3 frame(s), time points 1, 2, 10; 3 with a stain" in out
    assert (
        "pos1: 6 volume(s), 3 time point(s), 3 label-free section(s) and 3 stain section(s), "
        "5 min apart" in out
    )
    assert "Imported 2 of 2 field(s)" in out
    pos1 = Specimen.objects.get(name="pos1")
    assert pos1.frame_interval_min == 5
    phase = Volume.objects.filter(specimen=pos1, modality="phase").order_by("time_index")
    assert [v.time_index for v in phase] == [1, 2, 10]  # t2 before t10, the gap kept
    for volume in phase:
        stain = Volume.objects.get(
            specimen=pos1, modality="fluorescence", time_index=volume.time_index
        )
        assert stain.channel == "Hoechst" and stain.paired_with_id == volume.pk
        section = Section.objects.get(volume=volume)
        assert section.fluorescence.volume_id == stain.pk
    pos2 = Volume.objects.filter(specimen__name="pos2").order_by("time_index")
    assert [(v.modality, v.time_index) for v in pos2] == [("phase", 1), ("phase", 2)]
    assert SourceFile.objects.count() == 8


def test_the_command_takes_stain_channels_of_each_frame(tmp_path, media_root):
    folder = tmp_path / "bf"
    folder.mkdir()
    for t in (3, 1):
        tifffile.imwrite(folder / f"w1_t{t}.tif", bf_hoechst_stack(n_z=1, seed=t)[0])

    run_command(
        "import_folder", str(folder), "--project", "dish", "--modality", "brightfield",
        "--pattern", "{specimen}_t{time}.tif", "--channel-axis", "0",
        "--channels", "bf,hoechst", "--stain-channels", "hoechst",
    )  # fmt: skip

    volumes = Volume.objects.filter(specimen__name="w1").order_by("time_index", "modality")
    assert [(v.time_index, v.modality, v.channel) for v in volumes] == [
        (1, "brightfield", ""),
        (1, "fluorescence", "hoechst"),
        (3, "brightfield", ""),
        (3, "fluorescence", "hoechst"),
    ]


@pytest.mark.parametrize(
    "odd, why",
    [
        (frame(9, (32, 32)), "1×32×32"),  # another shape
        (np.stack([frame(9), frame(8)]), "1×40×40"),  # a 2-section stack among single frames
    ],
)
def test_an_odd_frame_refuses_its_field_naming_the_file_and_stores_nothing(
    tmp_path, media_root, odd, why
):
    folder = write_series(tmp_path / "tl", times=(1, 2, 3, 4))
    write_tiff(folder / "pos1_t003_c1.tif", odd)

    with pytest.raises(CommandError, match="refused"):
        out = io.StringIO()
        call_command(*folder_args(folder, "--pattern", SERIES), stdout=out)
    text = out.getvalue()
    assert "pos1: refused, nothing imported: pos1_t003_c1.tif is not like the series' first" in text
    assert why in text
    assert not Volume.objects.exists() and not SourceFile.objects.exists()
    assert files_under(media_root / "volumes") == []


def test_a_frame_file_with_several_time_points_is_refused(tmp_path, media_root):
    folder = write_series(tmp_path / "tl", times=(1, 2), stain=False)
    tifffile.imwrite(
        folder / "pos1_t002_c1.tif", np.stack([frame(1), frame(2)]), imagej=True,
        metadata={"axes": "TYX"},
    )  # fmt: skip
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(*folder_args(folder, "--pattern", SERIES), stdout=out)
    assert "pos1_t002_c1.tif holds 2 time points" in out.getvalue()
    assert not Volume.objects.exists()


def tiff_upload(name: str, data: np.ndarray) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, data)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/tiff")


def series_uploads(times=(1, 2, 10), specimen="pos1") -> list[SimpleUploadedFile]:
    files, seed = [], 1000 * int(specimen[-1])
    for t in times:
        files.append(tiff_upload(f"{specimen}_t{t:03d}_c1.tif", frame(seed + t)))
        files.append(tiff_upload(f"{specimen}_t{t:03d}_c2.tif", 900 * frame(seed + 50 + t)))
    return files


def folder_uploads(folder) -> list[SimpleUploadedFile]:
    """Every file of ``folder`` as the browser sends it."""
    return [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]


def test_the_folder_upload_imports_frames_as_time_points(
    api, manager, tmp_path, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    folder = write_series(tmp_path / "tl", times=(10, 2, 1))
    data = {"pattern": SERIES, "modality": "phase", "stain_name": "Hoechst"}
    data |= {"files": folder_uploads(folder), "frame_interval": "2.5"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post("/api/projects/lab/imports/batch/", data, format="multipart")

    assert response.status_code == 202, response.content
    [queued] = response.json()["queued"]
    assert queued["files"] == [f"pos1_t{t:03d}_c{c}.tif" for t in (1, 2, 10) for c in (1, 2)]
    status = api(manager).get(f"/api/import-jobs/{queued['job']['id']}/").json()
    assert status["status"] == "succeeded", status
    assert status["result"]["time_points"] == [1, 2, 10]
    specimen = Specimen.objects.get(name="pos1")
    assert specimen.frame_interval_min == 2.5
    pairs = Volume.objects.filter(specimen=specimen, modality="fluorescence")
    assert sorted((v.time_index, v.paired_with.time_index) for v in pairs) == [
        (1, 1),
        (2, 2),
        (10, 10),
    ]
    assert files_under(media_root / "staging") == []


def test_the_folder_upload_refuses_a_field_with_an_odd_frame_and_keeps_nothing(
    api, manager, tmp_path, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    folder = write_series(tmp_path / "tl", times=(1, 2, 3))
    write_tiff(folder / "pos1_t002_c1.tif", frame(2, (32, 32)))
    write_series(folder, specimen="pos2", times=(1, 2))
    files = folder_uploads(folder)
    data = {"pattern": SERIES, "modality": "phase", "files": files}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post("/api/projects/lab/imports/batch/", data, format="multipart")

    body = response.json()
    assert response.status_code == 202, body
    [refused] = body["refused"]
    assert refused["specimen"] == "pos1"
    assert refused["reason"].startswith("pos1_t002_c1.tif is not like the series' first frame")
    assert [row["specimen"] for row in body["queued"]] == ["pos2"]
    assert not Volume.objects.filter(specimen__name="pos1").exists()
    assert not SourceFile.objects.filter(original_name__startswith="pos1").exists()


def test_the_folder_page_takes_the_frame_interval(
    manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = signed_in(manager)
    page = client.get("/projects/lab/import/folder/").content.decode()
    assert 'name="frame_interval_min"' in page and "{time}" in page
    data = {"pattern": SERIES, "label_free": "1", "stain": "2", "modality": "phase"}
    data |= {"files": series_uploads((1, 2)), "frame_interval_min": "0.5"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/projects/lab/import/folder/", data)
    assert response.status_code == 202, response.content.decode()[-2000:]
    assert Specimen.objects.get(name="pos1").frame_interval_min == 0.5
    again = {"files": series_uploads((1, 2), specimen="pos3"), "frame_interval_min": "0"}
    bad = client.post("/projects/lab/import/folder/", data | again)
    assert bad.status_code == 400
    assert "frame interval must be above 0" in bad.content.decode()


def test_a_frame_that_repeats_another_is_named_in_the_refusal(
    api, manager, tmp_path, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    folder = write_series(tmp_path / "tl", times=(1, 2), stain=False)
    (folder / "pos1_t002_c1.tif").write_bytes((folder / "pos1_t001_c1.tif").read_bytes())
    data = {"pattern": SERIES, "modality": "phase", "files": folder_uploads(folder)}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post("/api/projects/lab/imports/batch/", data, format="multipart")
    [refused] = response.json()["refused"]
    assert refused["reason"] == (
        "pos1_t001_c1.tif and pos1_t002_c1.tif are the same file; each frame needs its own image."
    )
    assert not Volume.objects.exists()


def test_a_long_series_is_described_in_one_short_line():
    names = [f"p_t{t}.tif" for t in range(1, 121)]
    [line] = pair_files(names, pattern="{specimen}_t{time}.tif").describe()
    assert line == "  p: 120 frame(s), time points 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …, 120 (no stain)"


def test_a_frame_of_another_format_or_kind_refuses_its_field(tmp_path, media_root):
    folder = write_series(tmp_path / "tl", times=(1, 2, 3), stain=False)
    (folder / "pos1_t002_c1.tif").unlink()
    np.save(folder / "pos1_t002_c1.npy", frame(2))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            *folder_args(folder, "--pattern", "{specimen}_t{time}_c{channel}.*"), stdout=out
        )
    assert "pos1_t002_c1.npy is not like the series' first frame pos1_t001_c1.tif" in out.getvalue()
    assert "npy: label-free 1×40×40" in out.getvalue()
    assert not Volume.objects.exists() and not SourceFile.objects.exists()
