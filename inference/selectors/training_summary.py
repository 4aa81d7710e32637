"""A training job's cross-validation summary as the job page's tables, each naming its
aggregation."""

from __future__ import annotations

from typing import Any

from inference.selectors.model_versions import METRIC_LABELS, OBJECT_LABELS


def training_summary_tables(summary: dict | None) -> dict[str, Any]:
    """The job page's summary: one table per subset of held-out sections (all of them, those
    with a nucleus), each with the words of its aggregation, and the pooled Dice as a side note.
    Summaries stored before the per-section means are shown as what they are (pooled)."""
    if not summary or not summary.get("metrics"):
        return {"tables": [], "objects": None, "aggregation": None, "pooled_dice": None}
    subsets = summary.get("subsets") or {
        "all": {"label": "all sections", "metrics": summary["metrics"]}
    }
    labels = METRIC_LABELS
    if "pcc" in summary["metrics"]:  # in-silico labelling: the stain's PCC and L1 loss
        labels = {k: v.get("label", k) for k, v in summary["metrics"].items()}
    tables = []
    for subset, block in subsets.items():
        metrics = block.get("metrics") or {}
        tables.append(
            {
                "subset": subset,
                "title": block.get("label") or subset,
                "sections": [n for n in block.get("sections") or [] if n is not None],
                "rows": _rows(metrics, labels),
            }
        )
    pooled = (summary.get("pooled") or {}).get("dice") or {}
    return {
        "tables": tables,
        "objects": _objects_table(summary.get("objects")),
        "aggregation": summary.get("aggregation")
        or "each fold: pixels pooled over its held-out sections; mean ± sample SD over folds",
        "nucleus_definition": summary.get("nucleus_definition"),
        "pooled_dice": pooled if summary.get("subsets") else None,
        "pooled_aggregation": summary.get("pooled_aggregation"),
    }


def _objects_table(block: dict | None) -> dict[str, Any] | None:
    """The nuclei table (jobs trained before nuclei were scored have none)."""
    if not block:
        return None
    metrics = block.get("metrics") or {}
    return {
        "aggregation": block.get("aggregation"),
        "pred_instances": block.get("pred_instances"),
        "gt_instances": block.get("gt_instances"),
        "nuclei": [n for n in block.get("nuclei") or [] if n is not None],
        "rows": _rows(metrics, OBJECT_LABELS),
        # Several instance classes: one table per class, named (the rows above are their mean).
        "classes": [
            {
                "name": c["name"],
                "value": c["value"],
                "nuclei": [n for n in c.get("nuclei") or [] if n is not None],
                "rows": _rows(c.get("metrics") or {}, OBJECT_LABELS),
            }
            for c in block.get("per_class") or []
        ],
    }


def _rows(metrics: dict, labels: dict[str, str]) -> list[dict[str, Any]]:
    """A table's rows: each metric of ``labels`` with its label and aggregated numbers."""
    return [_row(key, label, metrics.get(key) or {}) for key, label in labels.items()]


def _row(key: str, label: str, cell: dict[str, Any]) -> dict[str, Any]:
    """One fold has no SD: its row shows the mean alone (a summary stored before said 0.0)."""
    row = {"key": key, "label": label, **cell}
    if sum(v is not None for v in cell.get("per_fold") or []) == 1:
        row["std"] = None
    return row
