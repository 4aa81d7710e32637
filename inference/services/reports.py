"""Moved to the package ``inference.reports``; this name stays so callers keep working until
they import from there."""

from inference.reports import (  # noqa: F401
    CSV_COLUMNS,
    FIGURE_TITLES,
    FIGURES,
    LAYER_COLOURS,
    METRICS,
    VOLUME_METRICS,
    compare_figure_png,
    figure_path,
    layer_png,
    method_label,
    report_context,
    report_figures,
    report_html,
    report_write,
    results_csv_lines,
    results_csv_rows,
    volume_result_mask,
)
