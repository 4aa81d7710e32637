"""Every column of an evaluation's CSV that holds a measured quantity names its unit, as the
nuclei table of a prediction does: a reader of the file alone can tell picograms per µm³ from a
ratio."""

from __future__ import annotations

from inference.reports.csv_rows import CSV_COLUMNS


def test_every_concentration_column_names_picograms_per_cubic_micrometre():
    concentrations = [c for c in CSV_COLUMNS if "concentration" in c]
    assert "largest_nucleus_concentration_pg_per_um3" in concentrations
    assert all(c.endswith("_pg_per_um3") for c in concentrations), concentrations
