"""An evaluation's time-lapse table and figure over a model that predicted no nucleus at any time
point say so, rather than blaming a voxel size the volumes have."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from inference.reports import set_figures
from inference.reports.plotting import FigureLeftOut


def _point(t: int, nuclei: int, volume=None) -> dict:
    return {
        "time_index": t,
        "volume_um3": volume,
        "surface_area_um2": None,
        "mean_ri": 1.37 if nuclei else None,
        "concentration_pg_per_um3": None,
        "nuclei": nuclei,
    }


def test_the_figure_says_no_nucleus_was_predicted_not_that_a_voxel_size_is_missing():
    series = [{"specimen": "lapse", "points": [_point(0, 0), _point(1, 0)], "gt_points": []}]
    with pytest.raises(FigureLeftOut) as left:
        set_figures.timelapse_figure(None, {"timelapse": series})
    assert "predicted no nucleus (of 27 voxels or more) at any time point of lapse" in str(
        left.value
    )
    assert "voxel size" not in str(left.value)


def test_the_table_says_which_time_points_have_no_predicted_nucleus():
    series = [{"specimen": "lapse", "points": [_point(0, 0), _point(1, 2, volume=310.0)]}]
    html = render_to_string("inference/_evaluation_tables.html", {"timelapse": series})
    assert html.count('data-role="no-nucleus"') == 1
    assert "no nucleus predicted (of 27 voxels or more)" in html and "310.00" in html
