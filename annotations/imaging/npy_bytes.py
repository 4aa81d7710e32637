"""An array read as the bytes of its ``.npy`` file, in order, without a copy of the array.

``np.save`` into a ``BytesIO`` holds the whole file in memory and, as the buffer grows, up to
twice that: storing a 275 MB tomogram cost about 580 MB more than the tomogram itself
(``bench/import_memory.py``). Storage backends read a file object in chunks, so this one hands
out the header and then the array's own memory, a chunk at a time.
"""

from __future__ import annotations

import io

import numpy as np


class NpyBytes(io.RawIOBase):
    """The ``.npy`` file of ``array`` (made C-contiguous, as ``np.save`` writes it)."""

    def __init__(self, array: np.ndarray) -> None:
        super().__init__()
        data = np.ascontiguousarray(array)
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, np.lib.format.header_data_from_array_1_0(data))
        # reshape(-1) of a contiguous array is a view; its bytes are the array's own.
        self._parts = [memoryview(header.getvalue()), memoryview(data.reshape(-1).view(np.uint8))]
        self.size = sum(part.nbytes for part in self._parts)
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        offset = self._position
        for part in self._parts:
            if offset < part.nbytes:
                count = min(len(buffer), part.nbytes - offset)
                memoryview(buffer).cast("B")[:count] = part[offset : offset + count]
                self._position += count
                return count
            offset -= part.nbytes
        return 0
