"""Small image files, good and bad, for import tests, and a private MEDIA_ROOT per test."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import tifffile

from annotations.demo import write_tcf

VOXEL = (0.195, 0.098, 0.098)


def ri_stack(shape=(4, 32, 32), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (1.335 + 0.05 * rng.random(shape)).astype(np.float32)


def stain_stack(shape=(4, 32, 32), seed=1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (100 + 900 * rng.random(shape)).astype(np.float32)


def write_npy(path: Path, data: np.ndarray) -> Path:
    np.save(path, data)
    return path


def write_tiff(path: Path, data: np.ndarray) -> Path:
    tifffile.imwrite(path, data)
    return path


def write_small_tcf(
    path: Path, *, time_points: int = 1, shape=(4, 32, 32), stain: bool = True
) -> Path:
    ri = [ri_stack(shape, seed=t) for t in range(time_points)]
    fl = {"CH0": [stain_stack(shape, seed=10 + t) for t in range(time_points)]} if stain else None
    write_tcf(path, ri, fl, VOXEL)
    return path


def write_h5(path: Path, name: str, data: np.ndarray) -> Path:
    with h5py.File(path, "w") as f:
        f.create_dataset(name, data=data)
    return path


def truncate(path: Path, keep: float = 0.6) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """A MEDIA_ROOT of this test alone, so "nothing was written" can be checked on disk."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def assert_nothing_written(root: Path) -> None:
    from annotations.models import Section, SourceFile, Volume

    assert Volume.objects.count() == 0
    assert Section.objects.count() == 0
    assert SourceFile.objects.count() == 0
    assert files_under(root / "volumes") == []
    assert files_under(root / "staging") == []
