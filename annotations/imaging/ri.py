"""Refractive-index values as stored: Tomocube's integer encoding and its decoding.

Tomocube TCF files from format 1.3 on store RI as uint16 = RI x 10,000, and TomoStudio's TIFF
exports follow the same convention. Readers decode by dtype when they know the modality
(``RI_INTEGER_SCALE``). Arrays that reach the analysis without that knowledge (a stored volume
read back, a tensor built for training) are recognised by value instead: real RI medians are
about 1.33, encoded ones about 13,300, so a median above ``RI_ENCODED_MEDIAN`` means encoded.
"""

from __future__ import annotations

import numpy as np

RI_INTEGER_SCALE = 1e4
RI_ENCODED_MEDIAN = 100.0
# The median of at most this many evenly strided values decides; a whole volume is not needed.
_SAMPLE = 65536


def ri_scale(values) -> float:
    """The divisor that turns ``values`` into RI: ``RI_INTEGER_SCALE`` when they look encoded,
    else 1.0. ``values`` is anything ``np.asarray`` accepts (a CPU tensor too)."""
    flat = np.asarray(values).ravel()
    sample = flat[:: max(1, flat.size // _SAMPLE)]
    if sample.size and float(np.median(sample)) > RI_ENCODED_MEDIAN:
        return RI_INTEGER_SCALE
    return 1.0


def decode_ri(values) -> np.ndarray:
    """``values`` as float32 refractive index, decoding Tomocube's RI x 10,000 when present."""
    ri = np.asarray(values, dtype=np.float32)
    scale = ri_scale(ri)
    return ri / np.float32(scale) if scale != 1.0 else ri
