"""One colour rule for an image and its mask (docs/imports.md, "Colour or planes"): the volume
reader and the mask reader agree on which axis of a TIFF is colour. Interleaved RGB (y, x, 3) is
one colour section for both, never 3 z-sections for one of them; 3 separate planes (3, y, x), as
``tifffile.imwrite`` stores any such array, are 3 sections for both, at any bit depth. An RGB
file whose colours are equal is grey, exactly; a colour-coded label image is decoded colour by
colour as instances; a true colour image is refused as a mask with a message that says why."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from annotations.imaging.readers import open_image
from annotations.services.mask_files import read_mask_stack
from cellweb.errors import InvalidInput

H, W = 40, 48


def grey_mask() -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    mask[5:15, 5:15] = 255
    mask[25:35, 20:40] = 255
    return mask


def colour_photo() -> np.ndarray:
    """A true colour bright-field-like picture: a different colour in nearly every pixel."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (H, W, 3), dtype=np.uint8)


def colour_labels() -> tuple[np.ndarray, np.ndarray]:
    """A colour-coded label image (nuclei in distinct colours on black, two of them touching)
    and the ids it stands for, numbered in the order the colours first appear."""
    rgb = np.zeros((H, W, 3), np.uint8)
    ids = np.zeros((H, W), np.uint16)
    for number, (rows, cols, colour) in enumerate(
        [
            ((2, 10), (3, 12), (230, 25, 75)),
            ((4, 12), (12, 20), (60, 180, 75)),  # touches the first
            ((20, 30), (30, 44), (0, 130, 200)),
        ],
        start=1,
    ):
        rgb[slice(*rows), slice(*cols)] = colour
        ids[slice(*rows), slice(*cols)] = number
    return rgb, ids


def write(path: Path, rgb: np.ndarray, *, planar: bool) -> Path:
    """An RGB TIFF as (H, W, 3) (contiguous) or (3, H, W) (separate planes), photometric rgb."""
    if planar:
        tifffile.imwrite(path, np.moveaxis(rgb, -1, 0).copy(), photometric="rgb")
    else:
        tifffile.imwrite(path, rgb, photometric="rgb")
    return path


def as_rgb(grey: np.ndarray) -> np.ndarray:
    return np.stack([grey] * 3, axis=-1)


def volume_of(path: Path) -> np.ndarray:
    (handle,) = open_image(path, modality="brightfield").volumes
    return handle.load()


def test_a_grey_image_saved_as_rgb_is_its_grey_plane_for_image_and_mask(tmp_path):
    path = write(tmp_path / "grey.tif", as_rgb(grey_mask()), planar=False)

    volume = volume_of(path)
    mask = read_mask_stack(path, None)

    assert volume.shape == (1, H, W) and np.array_equal(volume[0], grey_mask())  # exactly
    assert np.array_equal(mask, grey_mask())  # one section, not 3 z-sections


def test_a_colour_image_is_one_section_for_both_readers(tmp_path):
    path = write(tmp_path / "photo.tif", colour_photo(), planar=False)

    volume = volume_of(path)

    assert volume.shape == (1, H, W)
    luminance = colour_photo().astype(np.float32) @ np.array([0.2125, 0.7154, 0.0721], np.float32)
    np.testing.assert_allclose(volume[0], luminance, rtol=1e-5)
    for instances in (False, True):
        with pytest.raises(InvalidInput, match=r"photo.tif is a colour TIFF \(RGB") as refused:
            read_mask_stack(path, None, instances=instances)
        assert "Export the mask as a grey image" in refused.value.message


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_separate_planes_are_sections_for_both_readers_at_any_bit_depth(tmp_path, dtype):
    """A 3-section instance stack as a lab writes it from NumPy (``tifffile.imwrite`` with no
    options stores it as RGB in separate planes): 3 sections of ids, not one section of 6
    "colours" (which every colour-coded-label check would have let through)."""
    stack = np.zeros((3, H, W), dtype)
    yy, xx = np.mgrid[:H, :W]
    for z, radius in enumerate((6, 9, 7)):
        stack[z][(yy - 12) ** 2 + (xx - 12) ** 2 < radius**2] = 1
        stack[z][(yy - 28) ** 2 + (xx - 34) ** 2 < (radius - 2) ** 2] = 2
    path = tmp_path / "labels3.tif"
    # What tifffile.imwrite(path, stack) with no options writes today (it warns that this will
    # change): an RGB page of separate planes.
    tifffile.imwrite(path, stack, photometric="rgb", planarconfig="separate")
    assert tifffile.TiffFile(path).series[0].axes == "SYX"

    assert np.array_equal(read_mask_stack(path, None, instances=True), stack)
    assert np.array_equal(read_mask_stack(path, None), stack)
    assert np.array_equal(volume_of(path), stack)


def test_a_colour_coded_label_image_is_decoded_as_instances(tmp_path):
    rgb, ids = colour_labels()
    path = write(tmp_path / "labels.tif", rgb, planar=False)

    decoded = read_mask_stack(path, None, instances=True)

    assert decoded.shape == (H, W) and np.array_equal(decoded, ids)
    assert volume_of(path).shape == (1, H, W)


def test_a_colour_coded_label_image_is_not_a_binary_mask(tmp_path):
    path = write(tmp_path / "labels.tif", colour_labels()[0], planar=False)
    with pytest.raises(InvalidInput, match="3 colours besides black") as refused:
        read_mask_stack(path, None)
    assert "import it as instances" in refused.value.message


def test_one_colour_on_black_is_a_binary_mask(tmp_path):
    rgb = np.zeros((H, W, 3), np.uint8)
    rgb[grey_mask() > 0] = (255, 0, 0)
    mask = read_mask_stack(write(tmp_path / "red.tif", rgb, planar=False), None)
    assert np.array_equal(mask, grey_mask() > 0)


def test_a_label_lut_that_repeats_a_colour_is_ambiguous(tmp_path):
    rgb, _ = colour_labels()
    rgb[30:36, 2:8] = (230, 25, 75)  # a fourth nucleus, in the first one's colour
    path = write(tmp_path / "lut.tif", rgb, planar=False)
    with pytest.raises(InvalidInput, match=r"\(230, 25, 75\) \(2 regions\)"):
        read_mask_stack(path, None, instances=True)


def test_a_colour_label_image_without_black_background_is_refused(tmp_path):
    rgb, _ = colour_labels()
    rgb[np.all(rgb == 0, axis=-1)] = (255, 255, 255)
    path = write(tmp_path / "white.tif", rgb, planar=False)
    with pytest.raises(InvalidInput, match="without a black background"):
        read_mask_stack(path, None, instances=True)


def test_a_transparent_rgba_mask_is_refused(tmp_path):
    rgba = np.concatenate([as_rgb(grey_mask()), np.full((H, W, 1), 255, np.uint8)], axis=-1)
    rgba[0, 0, 3] = 0
    path = tmp_path / "alpha.tif"
    tifffile.imwrite(path, rgba, photometric="rgb", extrasamples="unassalpha")
    with pytest.raises(InvalidInput, match="transparent pixels"):
        read_mask_stack(path, None)


def test_a_stack_of_rgb_pages_is_a_stack_of_sections_for_both(tmp_path):
    grey = np.stack([grey_mask(), np.zeros((H, W), np.uint8), grey_mask()])
    path = tmp_path / "pages.tif"
    tifffile.imwrite(path, as_rgb(grey), photometric="rgb")

    assert volume_of(path).shape == (3, H, W)
    assert np.array_equal(read_mask_stack(path, None), grey)


def test_a_colour_png_follows_the_same_rule(tmp_path):
    from PIL import Image

    rgb, ids = colour_labels()
    Image.fromarray(rgb, mode="RGB").save(tmp_path / "labels.png")
    Image.fromarray(as_rgb(grey_mask()), mode="RGB").save(tmp_path / "grey.png")

    assert np.array_equal(read_mask_stack(tmp_path / "labels.png", None, instances=True), ids)
    assert np.array_equal(read_mask_stack(tmp_path / "grey.png", None), grey_mask())
    with pytest.raises(InvalidInput, match=r"labels.png is a colour PNG \(mode RGB\)"):
        read_mask_stack(tmp_path / "labels.png", None)
