"""Label codecs: 8-bit class maps, 16-bit instance maps with their class table, and refusals."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from annotations.imaging.errors import MaskError
from annotations.imaging.labels import (
    INSTANCE_CLASSES_KEY,
    MAX_INSTANCES,
    InstanceMap,
    decode_class_map,
    decode_instance_map,
    encode_class_map,
    encode_instance_map,
    instance_classes_from_class_map,
    read_instance_classes,
)
from annotations.imaging.masks import decode_mask, encode_mask


def _png(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


def _class_map() -> np.ndarray:
    values = np.zeros((40, 48), dtype=np.uint8)
    values[5:20, 5:30] = 2  # cytoplasm
    values[8:15, 10:20] = 1  # nucleus inside it
    values[30:38, 40:46] = 3
    return values


def _instances() -> tuple[np.ndarray, dict[int, int]]:
    ids = np.zeros((40, 48), dtype=np.uint16)
    ids[2:10, 2:10] = 7
    ids[2:10, 10:18] = 65535  # touching instance 7, highest 16-bit id
    ids[20:30, 20:30] = 300
    return ids, {7: 1, 65535: 1, 300: 4}


def test_class_map_round_trips_as_an_8bit_label_png():
    values = _class_map()
    data = encode_class_map(values, [1, 2, 3])
    assert Image.open(io.BytesIO(data)).mode == "L"
    decoded = decode_class_map(data, [1, 2, 3], values.shape)
    assert decoded.dtype == np.uint8 and decoded.flags.writeable
    np.testing.assert_array_equal(decoded, values)


def test_a_value_one_mask_is_stored_exactly_as_the_binary_codec_stores_it():
    mask = np.zeros((33, 21), dtype=bool)
    mask[4:20, 3:17] = True
    binary = encode_mask(mask)
    assert encode_class_map(mask.astype(np.uint8), [1]) == binary
    assert encode_class_map(mask, [1, 2]) == binary
    np.testing.assert_array_equal(decode_class_map(binary, [1, 2]), mask.astype(np.uint8))


@pytest.mark.parametrize(
    "legacy",
    [
        lambda m: _png(np.where(m, 255, 0).astype(np.uint8)),
        lambda m: _png(np.stack([np.where(m, 255, 0).astype(np.uint8)] * 3, axis=-1)),
    ],
    ids=["grey-0-255", "rgb-black-white"],
)
def test_a_one_class_project_decodes_every_mask_the_binary_codec_accepts(legacy):
    mask = np.zeros((16, 16), dtype=bool)
    mask[3:9, 5:12] = True
    data = legacy(mask)
    decoded = decode_class_map(data, [1])
    np.testing.assert_array_equal(decoded, decode_mask(data).astype(np.uint8))


def test_a_label_value_outside_the_label_set_is_refused_naming_it():
    values = _class_map()
    with pytest.raises(MaskError, match=r"label value\(s\) 3, which are not classes .* 1, 2"):
        encode_class_map(values, [1, 2])
    data = encode_class_map(values, [1, 2, 3])
    with pytest.raises(MaskError, match=r"label value\(s\) 2, 3"):
        decode_class_map(data, [1, 4])


def test_a_colour_class_map_is_refused_in_a_multi_class_project():
    data = _png(np.zeros((8, 8, 3), dtype=np.uint8))
    with pytest.raises(MaskError, match="mode 'RGB'"):
        decode_class_map(data, [1, 2])


def test_a_class_map_of_the_wrong_size_is_refused():
    data = encode_class_map(_class_map(), [1, 2, 3])
    with pytest.raises(MaskError, match="48×40 pixels but the section is 40×48"):
        decode_class_map(data, [1, 2, 3], (48, 40))


def test_instance_map_round_trips_as_a_16bit_label_png_with_its_classes():
    ids, classes = _instances()
    data = encode_instance_map(ids, {**classes, 12: 1}, [1, 4])  # 12 was erased: dropped
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    decoded = decode_instance_map(data, [1, 4], ids.shape)
    np.testing.assert_array_equal(decoded.instances, ids)
    assert decoded.instances.dtype == np.uint16 and decoded.instances.flags.writeable
    assert decoded.classes == classes
    assert read_instance_classes(data) == classes


def test_instance_ids_above_16_bits_are_renumbered_in_order():
    ids = np.zeros((6, 6), dtype=np.int64)
    ids[0, 0], ids[1, 1], ids[2, 2] = 5, 70_000, 1_000_000
    data = encode_instance_map(ids, {5: 1, 70_000: 2, 1_000_000: 1}, [1, 2])
    decoded = decode_instance_map(data, [1, 2])
    assert decoded.classes == {1: 1, 2: 2, 3: 1}
    assert decoded.instances[0, 0] == 1 and decoded.instances[1, 1] == 2


def test_more_than_65535_instances_are_refused():
    ids = np.arange(1, 256 * 257 + 1, dtype=np.int32).reshape(256, 257)
    assert ids.max() > MAX_INSTANCES
    with pytest.raises(MaskError, match="65,792 instances; a 16-bit label image holds at most"):
        encode_instance_map(ids, {}, [1])


def test_an_instance_without_a_class_or_with_an_unknown_class_is_refused():
    ids, classes = _instances()
    with pytest.raises(MaskError, match=r"Instance\(s\) 300 have no class"):
        encode_instance_map(ids, {7: 1, 65535: 1}, [1, 4])
    with pytest.raises(MaskError, match=r"label value\(s\) 4"):
        encode_instance_map(ids, classes, [1])


def test_an_instance_map_without_a_class_table_needs_a_default_class():
    ids, _ = _instances()
    plain = _png(ids)  # as Fiji or napari would write it
    with pytest.raises(MaskError, match="no class table"):
        decode_instance_map(plain, [1, 2])
    decoded = decode_instance_map(plain, [1, 2], default_class=2)
    assert decoded.classes == {7: 2, 300: 2, 65535: 2}


def test_a_damaged_class_table_is_refused():
    from annotations.imaging.png import encode_png

    data = encode_png(np.ones((4, 4), np.uint16), text={INSTANCE_CLASSES_KEY: "1:zz"})
    with pytest.raises(MaskError, match="damaged"):
        decode_instance_map(data, [1])
    lacking = encode_png(np.full((4, 4), 3, np.uint16), text={INSTANCE_CLASSES_KEY: "1:01"})
    with pytest.raises(MaskError, match=r"Instance\(s\) 3 have no class in the class table"):
        decode_instance_map(lacking, [1])


def test_the_class_of_each_instance_comes_from_the_class_map_under_it():
    ids, _ = _instances()
    classes = np.zeros(ids.shape, dtype=np.uint8)
    classes[ids == 7] = 1
    classes[ids == 65535] = 1
    classes[ids == 300] = 4
    classes[35:, 35:] = 2  # a region class with no instance
    assert instance_classes_from_class_map(ids, classes) == {7: 1, 300: 4, 65535: 1}


def test_an_instance_spanning_two_classes_is_refused():
    ids, _ = _instances()
    classes = np.where(ids > 0, 1, 0).astype(np.uint8)
    classes[25:30, 20:30] = 2  # the lower half of instance 300
    with pytest.raises(MaskError, match="Instance 300 covers class 1 and class 2"):
        instance_classes_from_class_map(ids, classes)
    classes[25:30, 20:30] = 0
    with pytest.raises(MaskError, match="Instance 300 covers background and class 1"):
        instance_classes_from_class_map(ids, classes)


def test_an_instance_map_knows_its_class_map_and_the_instances_of_a_class():
    ids, classes = _instances()
    instance_map = InstanceMap(instances=ids, classes=classes)
    painted = instance_map.class_map()
    assert painted.dtype == np.uint8
    assert set(np.unique(painted[ids == 300])) == {4}
    assert set(np.unique(painted[ids == 0])) == {0}
    np.testing.assert_array_equal(instance_map.of_class(4), np.where(ids == 300, 300, 0))
