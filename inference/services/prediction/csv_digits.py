"""How many digits the nuclei CSV gives each measured column, so that no number reads as more
exact than it is (a volume of 105.20250000000001 µm³ is a count of voxels times the voxel's
volume, known to a few parts in a thousand). docs/prediction.md gives the same list.

- volume_um3, area_um2, surface_area_um2: 4 significant digits (a nucleus of a few hundred
  voxels or more; one voxel more or less is 0.1-1 %);
- sphericity: 3 significant (a ratio of the surface and the volume above);
- mean_ri, medium_ri: 5 significant, 4 decimals of an RI near 1.33-1.40 (a tomogram's RI
  resolution is about 0.0001);
- concentration_pg_per_um3, dry_mass_pg: 3 significant (from an RI difference of about
  0.01-0.05 known to 0.0001);
- centroid_z/y/x_um: 2 decimals (a position, to a fraction of a voxel of about 0.1 µm);
  centroid_z/y/x_px: 1 decimal;
- time_min: 6 significant (the time point's index times the frame interval: exact as given).

Whole numbers (time_index, nucleus, parent, voxel_count, class_value, the 0/1 flags) are
printed as they are.
"""

from __future__ import annotations

import math
from typing import Any

SIGNIFICANT = {
    "time_min": 6,
    "volume_um3": 4,
    "area_um2": 4,
    "surface_area_um2": 4,
    "sphericity": 3,
    "mean_ri": 5,
    "medium_ri": 5,
    "concentration_pg_per_um3": 3,
    "dry_mass_pg": 3,
}
DECIMALS = {
    **{f"centroid_{axis}_um": 2 for axis in "zyx"},
    **{f"centroid_{axis}_px": 1 for axis in "zyx"},
}


def _text(value: float, decimals: int) -> str:
    rounded = round(value, decimals)
    if decimals <= 0:
        return str(int(rounded))
    # The shortest text of the rounded number: 105.2, not 105.20000000000000284.
    return repr(float(rounded)).removesuffix(".0")


def csv_value(column: str, value: Any) -> Any:
    """``value`` as the CSV writes it in ``column``: rounded to the column's digits, or as it is
    (text, whole numbers, empty cells)."""
    if isinstance(value, bool) or not isinstance(value, float) or not math.isfinite(value):
        return value
    if column in DECIMALS:
        return _text(value, DECIMALS[column])
    digits = SIGNIFICANT.get(column)
    if digits is None:
        return value
    if value == 0:
        return "0"
    return _text(value, digits - 1 - math.floor(math.log10(abs(value))))
