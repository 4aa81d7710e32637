"""Routes of evaluation: pages, downloads and REST endpoints; fluorescence ground truth."""

from annotations.urls_parts import job_rest, page, rest, routes
from inference.apis import evaluation as api
from inference.apis import fluorescence, results, stain_shift
from inference.views import evaluation as views
from inference.views import evaluation_downloads as downloads
from inference.views import fluorescence_gt as fluorescence_views

ROUTES = {
    # Pages
    "projects/<slug:slug>/": {
        "evaluations/": page(views.evaluations_page, "evaluations"),
        "fluorescence-gt/": page(fluorescence_views.fluorescence_gt_page, "fluorescence-gt"),
    },
    "evaluations/compare/": page(views.evaluation_compare_page, "evaluation-compare"),
    # The page, its gallery and its downloads
    "evaluations/<dbid:evaluation_id>/": {
        "": page(views.evaluation_page, "evaluation"),
        "gallery/": page(views.evaluation_gallery_page, "evaluation-gallery"),
        "report.html": page(downloads.evaluation_report_download, "evaluation-report"),
        "results.csv": page(downloads.evaluation_results_csv, "evaluation-csv"),
        "masks/<dbid:volume_id>.tif": page(downloads.evaluation_mask_download, "evaluation-mask"),
        "figures/<slug:name>.png": page(downloads.evaluation_figure, "evaluation-figure"),
    },
    "sections/<dbid:section_id>/fluorescence-gt/": page(
        fluorescence_views.section_fluorescence_gt_page, "section-fluorescence-gt"
    ),
    # REST
    "api/projects/<slug:slug>/": {
        "evaluations/": rest(api.ProjectEvaluationsApi, "api-evaluations"),
        "fluorescence-gt/": rest(fluorescence.ProjectFluorescenceGTApi, "api-fluorescence-gt"),
    },
    "api/evaluations/<dbid:evaluation_id>/": {
        **job_rest(api.EvaluationDetailApi, api.EvaluationCancelApi, "api-evaluation"),
        "sections/": rest(results.EvaluationSectionsApi, "api-evaluation-sections"),
        "sections/<dbid:section_id>/layer/<slug:layer>.png": rest(
            results.EvaluationLayerApi, "api-evaluation-layer"
        ),
    },
    "api/volumes/<dbid:volume_id>/stain-shift/": {
        "": rest(stain_shift.StainShiftApi, "api-stain-shift"),
        "estimate/": rest(stain_shift.StainShiftEstimateApi, "api-stain-shift-estimate"),
    },
    "api/sections/<dbid:section_id>/fluorescence-gt/": {
        "": rest(fluorescence.SectionFluorescenceGTApi, "api-section-fluorescence-gt"),
        "confirm/": rest(
            fluorescence.SectionFluorescenceGTConfirmApi, "api-section-fluorescence-gt-confirm"
        ),
    },
}

urlpatterns = routes(ROUTES)
