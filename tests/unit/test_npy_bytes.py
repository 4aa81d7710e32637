"""Volumes are stored streamed from the array: the same .npy file as ``np.save``, no copy."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.base import File

from annotations.imaging.npy_bytes import NpyBytes


@pytest.mark.parametrize("shape", [(3, 20, 24), (1, 17, 19), (0, 4, 4)])
def test_npy_bytes_are_the_file_np_save_writes(shape):
    array = np.random.default_rng(0).random(shape).astype(np.float32)
    expected = io.BytesIO()
    np.save(expected, array, allow_pickle=False)

    stream = NpyBytes(array)
    streamed = b"".join(File(stream).chunks(chunk_size=1000))

    assert streamed == expected.getvalue()
    assert stream.size == len(streamed)


def test_npy_bytes_of_a_strided_view_are_its_values():
    array = np.arange(2 * 40 * 40, dtype=np.float32).reshape(2, 40, 40)[:, ::2, 1::3]

    loaded = np.load(io.BytesIO(NpyBytes(array).read()))

    np.testing.assert_array_equal(loaded, array)
