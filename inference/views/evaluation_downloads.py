"""Downloads of an evaluation: the stored standalone report, its figures, every number as CSV,
and the predicted masks. Each serves what the evaluation stored; nothing is drawn or written
here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse

from inference.reports import open_stored_figure, open_stored_report, results_csv_lines
from inference.selectors import evaluation as selectors
from inference.selectors.evaluation_pages import open_volume_mask
from inference.selectors.scored_sections import withheld_scored_sections

__all__ = [
    "evaluation_figure",
    "evaluation_mask_download",
    "evaluation_report_download",
    "evaluation_results_csv",
]


@login_required
def evaluation_report_download(request, evaluation_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    try:
        handle = open_stored_report(evaluation)
    except FileNotFoundError:
        raise Http404(
            "The report is written when the evaluation succeeds; none is stored."
        ) from None
    response = FileResponse(handle, content_type="text/html; charset=utf-8")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{evaluation.project.slug}-evaluation-{evaluation.pk}.html"'
    )
    return response


@login_required
def evaluation_results_csv(request, evaluation_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    withheld = withheld_scored_sections(user=request.user, evaluation=evaluation)
    response = StreamingHttpResponse(
        results_csv_lines(evaluation, withheld), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{evaluation.project.slug}-evaluation-{evaluation.pk}.csv"'
    )
    return response


@login_required
def evaluation_mask_download(request, evaluation_id: int, volume_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    method = request.GET.get("method") or None
    try:
        handle, method = open_volume_mask(evaluation, volume_id=volume_id, method=method)
    except FileNotFoundError:
        raise Http404("No stored mask for this volume and method.") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"evaluation-{evaluation.pk}-volume-{volume_id}-{method}.tif",
        content_type="image/tiff",
    )


@login_required
def evaluation_figure(request, evaluation_id: int, name: str):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    try:
        handle = open_stored_figure(evaluation, name)
    except FileNotFoundError:
        raise Http404("No such figure.") from None
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
