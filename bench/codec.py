"""Mask codec and section rendering speed (pure imaging code, no server).

python bench/codec.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from annotations.demo import make_cell
from annotations.imaging.masks import decode_mask, encode_mask
from annotations.imaging.render import render_png
from annotations.imaging.sections import resize_section
from bench._common import figure, median_ms


def main() -> None:
    cell = make_cell(seed=1)
    middle = cell.ri.shape[0] // 2
    section = resize_section(cell.ri[middle], 448)
    mask = resize_section(cell.nucleus[middle].astype(np.float32), 448) > 0.5
    figure(
        "mask_codec_ms",
        median_ms(lambda: decode_mask(encode_mask(mask), mask.shape), repeat=200, warmup=20),
        "ms",
    )
    figure(
        "section_render_ms",
        median_ms(lambda: render_png(section, modality="ri"), repeat=100, warmup=10),
        "ms",
    )
    figure("synthetic_cell_ms", median_ms(lambda: make_cell(seed=2), repeat=5, warmup=1), "ms")


if __name__ == "__main__":
    main()
