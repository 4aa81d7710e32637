"""The prediction page's table of images names what each total is: a stack's total nucleus volume
(µm³), a single section's total nucleus area (µm²), in a run holding either kind or both; the
API summary carries the same figures. Each total is checked against the label TIFF measured
independently (scikit-image region sizes × the pixel or voxel size). A run of single sections
speaks of pixels and fields, and places its nuclei in y and x."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import tifffile
from skimage.measure import regionprops

from inference.models import PredictionResult
from tests.conftest import signed_in
from tests.helpers_prediction import VOXEL, time_lapse
from tests.unit.test_prediction_fields import PIXEL, phase_field, run


def _regions(result: PredictionResult) -> list:
    """The nuclei of the downloaded label TIFF, measured by scikit-image."""
    with result.labels.open("rb") as fh:
        labels = tifffile.imread(io.BytesIO(fh.read()))
    return regionprops(np.asarray(labels, dtype=np.int32))


def _label_sizes(result: PredictionResult) -> list[int]:
    """Pixel (voxel) counts of the nuclei in the downloaded label TIFF."""
    return [int(region.area) for region in _regions(result)]


def _cells(page: str, volume_id: int) -> dict[str, str]:
    """The text of a table row's cells that carry a ``data-col``, and its picture link."""
    row = re.search(rf'<tr data-volume="{volume_id}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    cells = dict(re.findall(r'<td class="cw-num" data-col="([\w-]+)">([^<]*)</td>', row))
    cells["picture"] = re.search(r'data-role="picture">([^<]*)</a>', row).group(1)
    return cells


def _headings(page: str) -> list[str]:
    table = page[page.index('id="volume-table"') :]
    head = table[: table.index("</thead>")]
    return re.findall(r"<th[^>]*>([^<]*)</th>", head)


def test_a_single_section_run_totals_nucleus_areas(project, manager, active_model, known_nuclei):
    phase_field(project, "phase-field", voxel_size=(PIXEL, PIXEL, PIXEL))
    prediction = run(project, manager)
    [result] = PredictionResult.objects.filter(prediction=prediction)
    area = sum(_label_sizes(result)) * PIXEL * PIXEL

    page = signed_in(manager).get(f"/predictions/{prediction.pk}/").content.decode()

    assert "Total nucleus area (µm²)" in _headings(page)
    assert "Total nucleus volume (µm³)" not in _headings(page)
    cells = _cells(page, result.volume_id)
    assert float(cells["total-area"]) == pytest.approx(area, abs=0.05)
    assert cells["picture"] == "field with nuclei outlined"
    assert "orthogonal views" not in page
    [row] = prediction.summary
    assert row["total_area_um2"] == pytest.approx(area) and row["total_volume_um3"] is None


def test_a_run_mixing_stacks_and_single_sections_names_each_total(
    project, manager, active_model, known_nuclei
):
    phase_field(project, "phase-field", voxel_size=(PIXEL, PIXEL, PIXEL))
    time_lapse(project, "stack", times=1)
    prediction = run(project, manager)
    field, stack = (
        PredictionResult.objects.get(prediction=prediction, specimen__name=name)
        for name in ("phase-field", "stack")
    )
    area = sum(_label_sizes(field)) * PIXEL * PIXEL
    volume = sum(_label_sizes(stack)) * VOXEL[0] * VOXEL[1] * VOXEL[2]

    page = signed_in(manager).get(f"/predictions/{prediction.pk}/").content.decode()

    headings = _headings(page)
    assert "Total nucleus volume (µm³)" in headings and "Total nucleus area (µm²)" in headings
    field_cells, stack_cells = _cells(page, field.volume_id), _cells(page, stack.volume_id)
    assert float(field_cells["total-area"]) == pytest.approx(area, abs=0.05)
    assert field_cells["total-volume"] == "—"
    assert float(stack_cells["total-volume"]) == pytest.approx(volume, abs=0.05)
    assert stack_cells["total-area"] == "—"
    assert field_cells["picture"] == "field with nuclei outlined"
    assert stack_cells["picture"] == "orthogonal views"
    summary = {row["specimen"]: row for row in prediction.summary}
    assert summary["phase-field"]["total_area_um2"] == pytest.approx(area)
    assert summary["phase-field"]["total_volume_um3"] is None
    assert summary["stack"]["total_volume_um3"] == pytest.approx(volume)
    assert summary["stack"]["total_area_um2"] is None


def test_a_stack_only_run_reads_as_before(project, manager, active_model, known_nuclei):
    time_lapse(project, "stack", times=1)
    prediction = run(project, manager)
    [result] = PredictionResult.objects.filter(prediction=prediction)

    page = signed_in(manager).get(f"/predictions/{prediction.pk}/").content.decode()

    assert "Total nucleus area (µm²)" not in _headings(page)
    volume = sum(_label_sizes(result)) * VOXEL[0] * VOXEL[1] * VOXEL[2]
    cells = _cells(page, result.volume_id)
    assert float(cells["total-volume"]) == pytest.approx(volume, abs=0.05)
    assert cells["picture"] == "orthogonal views"


def test_a_run_of_single_sections_speaks_of_pixels_and_places_nuclei_in_y_and_x(
    project, manager, active_model, known_nuclei
):
    phase_field(project, "phase-field", voxel_size=(PIXEL, PIXEL, PIXEL))
    prediction = run(project, manager)
    [result] = PredictionResult.objects.filter(prediction=prediction)

    page = signed_in(manager).get(f"/predictions/{prediction.pk}/").content.decode()

    head = page[: page.index('id="cw-root"')]
    assert "nuclei ≥ 27 pixels · 1 field (single sections)" in head
    assert "voxels" not in head and "volumes" not in head
    table = page[page.index('id="nuclei-table"') :]
    assert '<th class="cw-num">Pixels</th>' in table and "<th>Centroid y, x (µm)</th>" in table
    shown = [
        [float(v) for v in cell.split(", ")]
        for cell in re.findall(r'<td data-col="centroid">([^<]*)</td>', table)
    ]
    expected = [[c * PIXEL for c in region.centroid[-2:]] for region in _regions(result)]
    assert np.allclose(shown, expected, atol=0.006)  # shown to two decimals


def _nuclei_table(page: str) -> tuple[list[str], list[int]]:
    """The nuclei table's headings and the number of cells in each body row."""
    table = page[page.index('id="nuclei-table"') :]
    table = table[: table.index("</table>")]
    head, body = table.split("</thead>")
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    widths = [
        sum(int(span or 1) for span in re.findall(r'<td(?:[^>]*colspan="(\d+)")?[^>]*>', row))
        for row in rows
    ]
    return [
        re.sub(r"\s+", " ", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ], widths


RI_COLUMNS = {"Mean RI", "Concentration (pg/µm³)", "Dry mass (pg)"}
VOLUME_COLUMNS = {"Volume (µm³)", "Surface (µm²)", "Sphericity"}


def test_a_phase_run_shows_no_column_it_cannot_fill(project, manager, active_model, known_nuclei):
    phase_field(project, "phase-field", voxel_size=(PIXEL, PIXEL, PIXEL))
    prediction = run(project, manager)
    page = signed_in(manager).get(f"/predictions/{prediction.pk}/").content.decode()
    headings, widths = _nuclei_table(page)
    assert not (RI_COLUMNS | VOLUME_COLUMNS) & set(headings)
    assert "Area (µm²)" in headings and widths and set(widths) == {len(headings)}
    assert "Medium RI n0" not in _headings(page)


def test_an_ri_stack_run_shows_every_quantity_and_an_empty_run_spans_the_table(
    project, manager, active_model, known_nuclei
):
    time_lapse(project, "stack", times=1)
    page = signed_in(manager).get(f"/predictions/{run(project, manager).pk}/").content.decode()
    headings, widths = _nuclei_table(page)
    assert set(headings) >= (RI_COLUMNS | VOLUME_COLUMNS) and "Area (µm²)" not in headings
    assert set(widths) == {len(headings)} and "Medium RI n0" in _headings(page)

    time_lapse(project, "empty", times=1, empty=True)
    empty = run(project, manager, specimen_names=["empty"])
    headings, widths = _nuclei_table(
        signed_in(manager).get(f"/predictions/{empty.pk}/").content.decode()
    )
    assert widths == [len(headings)]
