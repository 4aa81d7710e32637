"""What the prediction pages show, read once per request: the launch form's choices, and one
prediction's results, nuclei table, tracked series and two-group comparison."""

from __future__ import annotations

from typing import Any

from annotations.models import Project, Specimen, Tag
from annotations.selectors.voxel_size import voxel_size_words
from inference.models import ModelVersion, Prediction, PredictionResult
from inference.selectors.prediction import (
    group_comparison,
    no_signal_points,
    nuclei_rows,
    nucleus_series,
    prediction_results,
    prediction_snapshot,
    time_min,
)
from inference.selectors.prediction_images import nucleus_colour
from inference.selectors.prediction_summary import summary_row

__all__ = ["launch_choices", "prediction_page"]

TABLE_ROWS = 1000


def launch_choices(project: Project) -> dict[str, Any]:
    return {
        "versions": list(
            ModelVersion.objects.filter(project=project).order_by("-is_active", "-id")
        ),
        "specimens": list(Specimen.objects.filter(project=project).order_by("name", "id")),
        "tags": list(
            Tag.objects.filter(project=project).order_by("name").values_list("name", flat=True)
        ),
    }


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _result_row(result: PredictionResult, base: str, include_edge: bool) -> dict[str, Any]:
    """One image's line (``summary_row``): a stack's total nucleus volume (µm³) or a single
    section's total nucleus area (µm²) over all its nuclei, and the mean over those away from
    the field's edge (all of them with ``include_edge``); a time point with no signal says so."""
    return {
        **summary_row(result, result.specimen.name, include_edge=include_edge),
        "time_min": time_min(result.specimen, result.time_index),
        "single_section": result.volume.size_z == 1,
        "voxel_size_words": voxel_size_words(result.voxel_size) if result.voxel_size else "unknown",
        "tiff_url": f"{base}/labels/{result.volume_id}.tif",
        "page_url": f"{base}/?volume={result.volume_id}",
    }


def prediction_page(
    prediction: Prediction, *, tags: list[str], volume_id: str | None, include_edge: bool = False
) -> dict[str, Any]:
    results = list(prediction_results(prediction))
    base = f"/predictions/{prediction.pk}"
    chosen = _int_or_none(volume_id)
    shown = next((r for r in results if r.volume_id == chosen), results[0] if results else None)
    rows = nuclei_rows(results)
    series = nucleus_series(results)
    for entry in series:
        entry["colour"] = nucleus_colour(entry["nucleus"])
    available = sorted(
        Tag.objects.filter(specimens__in={r.specimen_id for r in results})
        .values_list("name", flat=True)
        .distinct()
    )
    comparison = None
    if len(tags) == 2:
        comparison = {
            key: group_comparison(
                results, tags=(tags[0], tags[1]), quantity=key, include_edge=include_edge
            )
            for key in ("volume_um3", "area_um2", "dry_mass_pg")
        }
    rows_per_image = [_result_row(r, base, include_edge) for r in results]
    snapshot = prediction_snapshot(prediction)
    has_stacks = any(not r["single_section"] for r in rows_per_image)
    has_sections = any(r["single_section"] for r in rows_per_image)
    # Refractive-index columns only where an image has an RI (not bright-field or phase).
    has_ri = any(r["medium_ri"] is not None for r in rows_per_image)
    return {
        "prediction": prediction,
        "snapshot": snapshot,
        # Every planned image a single section (bright-field, phase): sizes are in pixels.
        "fields_only": 0 < snapshot["volumes"] == snapshot["sections"],
        "results": rows_per_image,
        # Which columns the tables need: a run may mix stacks and single sections.
        "has_stacks": has_stacks,
        "has_sections": has_sections,
        "sections_only": has_sections and not has_stacks,
        "has_ri": has_ri,
        # Specimen, t, nucleus, parent, size and centroid, then what the images have.
        "nuclei_columns": 7 + 3 * has_stacks + has_sections + 2 * has_ri + (has_ri and has_stacks),
        "shown": shown,
        "ortho_url": f"{base}/ortho/{shown.volume_id}.png" if shown else None,
        "nuclei": rows[:TABLE_ROWS],
        "nuclei_total": len(rows),
        "csv_url": f"{base}/nuclei.csv",
        "series": series,
        "comparison": comparison,
        "tags": tags,
        "available_tags": available,
        "include_edge": include_edge,
        "no_signal": no_signal_points(results),
    }
