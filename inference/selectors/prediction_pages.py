"""What the prediction pages show, read once per request: the launch form's choices, and one
prediction's results, nuclei table, tracked series and two-group comparison."""

from __future__ import annotations

from typing import Any

from annotations.models import Project, Specimen, Tag
from inference.models import ModelVersion, Prediction
from inference.selectors.prediction import (
    group_comparison,
    nuclei_rows,
    nucleus_series,
    prediction_results,
    prediction_snapshot,
)
from inference.selectors.prediction_images import nucleus_colour

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


def prediction_page(
    prediction: Prediction, *, tags: list[str], volume_id: str | None
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
            key: group_comparison(results, tags=(tags[0], tags[1]), quantity=key)
            for key in ("volume_um3", "area_um2", "dry_mass_pg")
        }
    return {
        "prediction": prediction,
        "snapshot": prediction_snapshot(prediction),
        "results": [
            {
                "volume": r.volume_id,
                "specimen": r.specimen.name,
                "specimen_id": r.specimen_id,
                "time_index": r.time_index,
                "n_nuclei": r.n_nuclei,
                "total_volume_um3": r.total_volume_um3,
                "medium_ri": r.medium_ri,
                "tiff_url": f"{base}/labels/{r.volume_id}.tif",
                "page_url": f"{base}/?volume={r.volume_id}",
            }
            for r in results
        ],
        "shown": shown,
        "ortho_url": f"{base}/ortho/{shown.volume_id}.png" if shown else None,
        "nuclei": rows[:TABLE_ROWS],
        "nuclei_total": len(rows),
        "csv_url": f"{base}/nuclei.csv",
        "series": series,
        "comparison": comparison,
        "tags": tags,
        "available_tags": available,
    }
