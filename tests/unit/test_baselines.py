"""Rule-based baselines: the OS-Net paper's edge-based method and Otsu."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.baselines import (
    EdgeBasedParams,
    edge_based,
    edge_based_params,
    edge_based_result,
    otsu,
    otsu_result,
)
from inference.ml.metrics import dice


def _disk_section(
    seed: int = 0, *, size: int = 128, inside: float = 1.38, outside: float = 1.35
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    disk = (yy - size / 2) ** 2 + (xx - size / 2 + 5) ** 2 <= 30**2
    section = np.where(disk, inside, outside) + rng.normal(0, 0.003, (size, size))
    return section, disk


def test_edge_based_finds_a_bright_disk_on_noise() -> None:
    section, disk = _disk_section()
    assert dice(edge_based(section), disk) > 0.8


def test_edge_based_finds_a_dark_nucleus_too() -> None:
    # Some nuclei (HL60) are darker than the cytoplasm; gradients do not care.
    section, disk = _disk_section(1, inside=1.35, outside=1.38)
    assert dice(edge_based(section), disk) > 0.8


@pytest.mark.parametrize("call", [edge_based, otsu])
def test_constant_and_nan_sections_give_an_empty_mask(call) -> None:
    for section in (np.full((64, 64), 1.36), np.full((64, 64), np.nan), np.zeros((32, 32))):
        mask = call(section)
        assert mask.shape == section.shape
        assert mask.dtype == np.bool_
        assert not mask.any()


def test_edge_based_reports_the_threshold_it_used() -> None:
    section, _ = _disk_section()
    result = edge_based_result(section)
    assert result.params["threshold_used"] > 0
    assert result.params["dilation_radius"] == edge_based_params().dilation_radius
    fixed = edge_based_result(section, EdgeBasedParams(threshold=1e9))
    assert fixed.params["threshold_used"] == 1e9
    assert not fixed.mask.any()  # no gradient that strong


def test_edge_based_removes_border_objects_and_small_objects() -> None:
    section, disk = _disk_section(size=160)
    section[:20, :20] = 1.40  # a bright patch touching the corner
    section[140:146, 140:146] = 1.40  # a 6x6 speck, far below min_size after filling
    mask = edge_based(section, min_size=200)
    assert not mask[:25, :25].any()
    assert not mask[135:150, 135:150].any()
    assert dice(mask, disk) > 0.8


def test_otsu_finds_a_bright_disk() -> None:
    section, disk = _disk_section(2)
    assert dice(otsu(section), disk) > 0.9
    assert otsu_result(section).params["threshold_used"] == pytest.approx(1.365, abs=0.005)
