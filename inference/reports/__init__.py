"""Evaluation reports, built only from what an evaluation stored (rows, summary, mask TIFFs,
ground-truth versions, volumes), so rendering again gives the same numbers and pictures.

- ``labels``: the one table of names for metrics, methods, models and aggregations.
- ``masks``: stored predicted masks, scored ground truth, display images.
- ``layers``: transparent contour PNGs for the gallery and the fluorescence pages.
- ``score_figures`` / ``set_figures`` / ``section_figures``: Matplotlib figures over the set (one
  panel or row per class) and over sections;
  ``figures``: their registry, and drawing them so one that fails is left out with a note.
- ``sections``: per-section reads over all sections or those with a nucleus.
- ``tables``: the report's tables and headline.
- ``html``: the stored report (figures, their index, the standalone HTML), ``report_write``.
- ``csv_rows``: every number as one CSV, from one column table.
"""

from .csv_rows import CSV_COLUMNS, results_csv_lines, results_csv_rows
from .figures import FIGURE_TITLES, FIGURES, FigureSet, draw_figures, report_figures
from .html import (
    figure_path,
    open_stored_figure,
    open_stored_report,
    report_html,
    report_write,
    stored_figures,
)
from .labels import METRIC_LABELS, METRICS, VOLUME_METRICS, method_label, metric_label
from .layers import LAYER_COLOURS, contour_data_uri, layer_png
from .masks import volume_result_mask
from .set_figures import compare_figure_png
from .tables import report_context

__all__ = [
    "CSV_COLUMNS",
    "FIGURES",
    "FIGURE_TITLES",
    "LAYER_COLOURS",
    "METRICS",
    "METRIC_LABELS",
    "VOLUME_METRICS",
    "FigureSet",
    "compare_figure_png",
    "contour_data_uri",
    "draw_figures",
    "figure_path",
    "layer_png",
    "method_label",
    "open_stored_figure",
    "open_stored_report",
    "metric_label",
    "report_context",
    "report_figures",
    "report_html",
    "report_write",
    "results_csv_lines",
    "results_csv_rows",
    "stored_figures",
    "volume_result_mask",
]
