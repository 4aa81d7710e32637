"""One line per predicted image, as the prediction's summary, its page, the API and
``manage.py predict`` give it: the nuclei found (all of them, and how many touch the field's
edge), the totals over all of them, the means over those away from the edge (or all), and
whether the time point had any signal (inference/ml/no_signal.py)."""

from __future__ import annotations

from typing import Any

from inference.ml.field_edges import edge_means
from inference.ml.metrics import finite_or_none
from inference.ml.nucleus_quantities import field_totals
from inference.models import PredictionResult

__all__ = ["summary_row"]


def summary_row(
    result: PredictionResult, specimen_name: str, *, include_edge: bool = False
) -> dict[str, Any]:
    """A finished volume's line: its nuclei (all of them, and how many touch the field's
    edge), the total nucleus volume of a stack (µm³) or area of a single section (µm²) over
    all its nuclei (the nucleus volume inside the field), each None where it does not apply,
    and the mean nucleus volume or area over the nuclei away from the edge (all of them with
    ``include_edge``), and the voxel size they were measured with (the volume's when it was
    predicted: a later change of the volume's leaves them as they are). A time point with no
    signal has None for its count and every figure."""
    volume = result.volume  # its shape; the voxel size is the one the result was measured with
    totals = field_totals(result.nuclei, volume.shape, result.voxel_size)
    means = edge_means(result.nuclei, include_edge=include_edge)
    row = {
        "volume": result.volume_id,
        "specimen": specimen_name,
        "specimen_id": result.specimen_id,
        "time_index": result.time_index,
        "no_signal": result.no_signal,
        "blank_sections": result.blank_sections,
        "n_nuclei": result.n_nuclei,
        "total_volume_um3": finite_or_none(totals["total_volume_um3"]),
        "total_area_um2": finite_or_none(totals["total_area_um2"]),
        **{k: finite_or_none(v) if k.startswith("mean") else v for k, v in means.items()},
        "medium_ri": finite_or_none(result.medium_ri),
        "voxel_size": result.voxel_size,
    }
    if result.no_signal:  # a gap, not zero nuclei
        row |= dict.fromkeys(("n_nuclei", "n_edge_nuclei", "total_volume_um3"))
        row |= dict.fromkeys(("total_area_um2", "mean_volume_um3", "mean_area_um2"))
    return row
