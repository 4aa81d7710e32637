"""Mask codec and section rendering speed (pure imaging code, no server).

python bench/codec.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from annotations.demo import make_cell
from annotations.demo.nuclei import nuclei_field
from annotations.imaging.label_values import stored_label_values
from annotations.imaging.labels import (
    decode_instance_map,
    encode_class_map,
    encode_instance_map,
)
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
    instance_codec()
    class_usage(mask)


def class_usage(mask: np.ndarray) -> None:
    """Reading which classes one stored 448x448 mask holds, as deleting a class does for every
    stored mask of the project: a binary nucleus mask and a nucleus + cytoplasm class map."""
    binary = encode_mask(mask)
    class_map = encode_class_map(np.where(mask, 1, 2).astype(np.uint8), [1, 2])
    figure(
        "class_usage_binary_mask_ms",
        median_ms(lambda: stored_label_values(binary), repeat=200, warmup=20),
        "ms",
    )
    figure(
        "class_usage_class_map_ms",
        median_ms(lambda: stored_label_values(class_map), repeat=200, warmup=20),
        "ms",
    )


def instance_codec() -> None:
    """Encode + decode of a 448x448 16-bit instance map of 30 nuclei with its class table."""
    instances = nuclei_field(seed=1)
    classes = {int(i): 1 for i in range(1, int(instances.max()) + 1)}

    def round_trip() -> None:
        decode_instance_map(encode_instance_map(instances, classes, [1]), [1], instances.shape)

    figure("instance_mask_codec_ms", median_ms(round_trip, repeat=200, warmup=20), "ms")


if __name__ == "__main__":
    main()
