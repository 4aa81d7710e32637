"""The nuclei table of a prediction against analytic spheres and ellipsoids with anisotropic
voxels: volume, marching-cubes surface, sphericity, mean RI, concentration, dry mass, medium."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ellipeinc, ellipkinc
from skimage.measure import marching_cubes, mesh_surface_area

from inference.ml.nucleus_quantities import medium_ri, nuclei_table, sphericity
from inference.ml.quantities import nucleus_quantities

SPACING = (0.2, 0.1, 0.1)  # z twice as coarse as y/x, as in ODT tomograms
SHAPE = (60, 120, 200)


def ellipsoid_area(a: float, b: float, c: float) -> float:
    """Exact surface area of an ellipsoid (Legendre's form with incomplete elliptic integrals)."""
    a, b, c = sorted((a, b, c), reverse=True)
    if math.isclose(a, c):
        return 4 * math.pi * a**2
    phi = math.acos(c / a)
    m = (a**2 * (b**2 - c**2)) / (b**2 * (a**2 - c**2))
    elliptic = ellipeinc(phi, m) * math.sin(phi) ** 2 + ellipkinc(phi, m) * math.cos(phi) ** 2
    return 2 * math.pi * c**2 + 2 * math.pi * a * b / math.sin(phi) * elliptic


def ellipsoid(centre_um, semi_axes_um) -> np.ndarray:
    z, y, x = np.ogrid[: SHAPE[0], : SHAPE[1], : SHAPE[2]]
    coords = (z * SPACING[0], y * SPACING[1], x * SPACING[2])
    return (
        sum(((c - c0) / r) ** 2 for c, c0, r in zip(coords, centre_um, semi_axes_um, strict=True))
        <= 1.0
    )


@pytest.fixture
def scene():
    """A sphere (r 2.5 µm, RI 1.37) and an ellipsoid (3.5 × 2.5 × 2 µm, RI 1.36) in noisy
    medium of RI 1.3337."""
    rng = np.random.default_rng(7)
    ri = (1.3337 + 0.0005 * rng.standard_normal(SHAPE)).astype(np.float32)
    sphere = ellipsoid((6.0, 6.0, 4.5), (2.5, 2.5, 2.5))
    ell = ellipsoid((6.0, 6.0, 13.5), (2.0, 2.5, 3.5))
    ri[sphere] += 0.036
    ri[ell] += 0.026
    labels = np.zeros(SHAPE, dtype=np.int32)
    labels[sphere] = 1
    labels[ell] = 2
    return labels, ri, {1: (2.5, 2.5, 2.5), 2: (2.0, 2.5, 3.5)}


def test_volume_surface_and_sphericity_match_the_analytic_shapes(scene) -> None:
    labels, ri, axes = scene
    rows = nuclei_table(labels, ri, SPACING, n0=1.3337)
    assert [r["label"] for r in rows] == [1, 2]
    voxel_um3 = float(np.prod(SPACING))
    for row in rows:
        a, b, c = axes[row["label"]]
        mask = labels == row["label"]
        # Volume: exactly the voxel count times the voxel volume, and the analytic one within 5 %.
        assert row["volume_um3"] == pytest.approx(mask.sum() * voxel_um3, rel=1e-9)
        assert row["volume_um3"] == pytest.approx(4 / 3 * math.pi * a * b * c, rel=0.05)
        # Surface: the analytic area within 5 %, and close to scikit-image's own mesh.
        area = ellipsoid_area(a, b, c)
        assert row["surface_area_um2"] == pytest.approx(area, rel=0.05)
        verts, faces, _, _ = marching_cubes(
            np.pad(mask, 1).astype(np.float32), 0.5, spacing=SPACING
        )
        assert row["surface_area_um2"] == pytest.approx(mesh_surface_area(verts, faces), rel=0.15)
        expected_sphericity = math.pi ** (1 / 3) * (8 * math.pi * a * b * c) ** (2 / 3) / area
        assert row["sphericity"] == pytest.approx(expected_sphericity, rel=0.05)
    assert rows[0]["sphericity"] == pytest.approx(1.0, abs=0.05)
    assert rows[1]["sphericity"] < rows[0]["sphericity"]


def test_mean_ri_concentration_and_dry_mass_follow_paper_001(scene) -> None:
    labels, ri, _ = scene
    rows = nuclei_table(labels, ri, SPACING, n0=1.3337)
    for row in rows:
        mask = labels == row["label"]
        mean = float(ri[mask].astype(np.float64).mean())
        assert row["mean_ri"] == pytest.approx(mean, abs=1e-6)
        assert row["concentration_pg_per_um3"] == pytest.approx((mean - 1.3337) / 0.19, rel=1e-5)
        assert row["dry_mass_pg"] == pytest.approx(
            (mean - 1.3337) / 0.19 * mask.sum() * float(np.prod(SPACING)), rel=1e-5
        )
        centroid = np.argwhere(mask).mean(axis=0)
        np.testing.assert_allclose(row["centroid"], centroid, atol=1e-3)
        np.testing.assert_allclose(row["centroid_um"], centroid * SPACING, atol=1e-3)
    assert rows[0]["concentration_pg_per_um3"] == pytest.approx(0.036 / 0.19, rel=0.01)


def test_the_medium_is_the_most_frequent_ri(scene) -> None:
    labels, ri, _ = scene
    assert medium_ri(ri) == pytest.approx(1.3337, abs=2e-4)
    assert medium_ri(ri, outside=labels == 0) == pytest.approx(1.3337, abs=2e-4)
    assert medium_ri(np.array([], dtype=np.float32)) is None
    # A "nucleus" covering nearly the whole field leaves too little outside it to be the medium.
    assert medium_ri(ri, outside=labels == 1) == pytest.approx(1.3337, abs=2e-4)


def test_the_medium_is_the_lowest_ri_population_when_cytoplasm_outnumbers_it() -> None:
    """A confluent layer of cells whose nuclei are darker than their cytoplasm (ODT): outside
    the nuclei the cytoplasm outnumbers the medium, whose RI must still be n0, or every
    nucleus's concentration and dry mass come out negative."""
    rng = np.random.default_rng(0)
    z, y, x = np.mgrid[:12, :64, :64]
    ri = np.full((12, 64, 64), 1.337)
    ri[2:10] = 1.375  # cytoplasm fills the field in the sections the cells span
    nucleus = ((z - 6) * 0.6) ** 2 + ((y - 32) * 0.16) ** 2 + ((x - 32) * 0.16) ** 2 < 1.5**2
    ri[nucleus] = 1.355
    ri = (ri + rng.normal(0, 0.002, ri.shape)).astype(np.float32)
    n0 = medium_ri(ri, outside=~nucleus)
    assert n0 == pytest.approx(1.337, abs=5e-4)
    [row] = nuclei_table(nucleus.astype(np.int32), ri, (0.6, 0.16, 0.16), n0=n0)
    assert row["concentration_pg_per_um3"] == pytest.approx(0.018 / 0.19, rel=0.05)
    assert row["dry_mass_pg"] > 0


def test_a_thin_tail_below_the_medium_is_not_taken_for_it() -> None:
    rng = np.random.default_rng(1)
    ri = 1.337 + 0.002 * rng.standard_normal(200_000)
    ri[:2_000] = rng.uniform(1.30, 1.33, 2_000)  # a reconstruction's low halo, 1 % of voxels
    assert medium_ri(ri.astype(np.float32)) == pytest.approx(1.337, abs=3e-4)


def test_without_ri_or_voxel_size_the_physical_columns_are_empty(scene) -> None:
    labels, ri, _ = scene
    [first, _] = nuclei_table(labels, None, None)
    assert first["voxel_count"] == int((labels == 1).sum())
    assert first["volume_um3"] is None and first["surface_area_um2"] is None
    assert first["mean_ri"] is None and first["dry_mass_pg"] is None
    assert first["centroid_um"] is None and first["sphericity"] is None


def test_no_nucleus_is_an_empty_table() -> None:
    empty = np.zeros((4, 8, 8), dtype=np.int32)
    assert nuclei_table(empty, np.ones((4, 8, 8), np.float32), SPACING) == []
    assert sphericity(0.0, 0.0) is None


def test_without_a_surface_the_mesh_is_not_measured_and_the_rest_is_unchanged(scene) -> None:
    labels, ri, _ = scene
    full = nucleus_quantities(labels, ri, SPACING)
    flat = nucleus_quantities(labels, ri, SPACING, surface=False)
    for with_mesh, without in zip(full, flat, strict=True):
        assert without["surface_area_um2"] is None and without["mesh_volume_um3"] is None
        assert with_mesh["surface_area_um2"] > 0
        rest = {
            k: v for k, v in with_mesh.items() if k not in ("surface_area_um2", "mesh_volume_um3")
        }
        assert {k: without[k] for k in rest} == rest
