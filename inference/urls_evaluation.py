"""Routes of evaluation: pages, downloads and REST endpoints; fluorescence ground truth."""

from django.urls import include, path

from annotations.urls_parts import job_rest, rest
from inference.apis import evaluation as api
from inference.apis import fluorescence, results
from inference.views import evaluation as views
from inference.views import evaluation_downloads as downloads
from inference.views import fluorescence_gt as fluorescence_views

# Below evaluations/<id>/: the page, its gallery and its downloads
evaluation_pages = [
    path("", views.evaluation_page, name="evaluation"),
    path("gallery/", views.evaluation_gallery_page, name="evaluation-gallery"),
    path("report.html", downloads.evaluation_report_download, name="evaluation-report"),
    path("results.csv", downloads.evaluation_results_csv, name="evaluation-csv"),
    path("masks/<dbid:volume_id>.tif", downloads.evaluation_mask_download, name="evaluation-mask"),
    path("figures/<slug:name>.png", downloads.evaluation_figure, name="evaluation-figure"),
]

# Below projects/<slug>/
project_pages = [
    path("evaluations/", views.evaluations_page, name="evaluations"),
    path("fluorescence-gt/", fluorescence_views.fluorescence_gt_page, name="fluorescence-gt"),
]

# Below api/projects/<slug>/
project_api = [
    rest("evaluations/", api.ProjectEvaluationsApi, "api-evaluations"),
    rest("fluorescence-gt/", fluorescence.ProjectFluorescenceGTApi, "api-fluorescence-gt"),
]

# Below api/evaluations/<id>/
evaluation_api = [
    *job_rest(api.EvaluationDetailApi, api.EvaluationCancelApi, "api-evaluation"),
    rest("sections/", results.EvaluationSectionsApi, "api-evaluation-sections"),
    rest(
        "sections/<dbid:section_id>/layer/<slug:layer>.png",
        results.EvaluationLayerApi,
        "api-evaluation-layer",
    ),
]

# Below api/sections/<id>/fluorescence-gt/
section_fluorescence_api = [
    rest("", fluorescence.SectionFluorescenceGTApi, "api-section-fluorescence-gt"),
    rest(
        "confirm/",
        fluorescence.SectionFluorescenceGTConfirmApi,
        "api-section-fluorescence-gt-confirm",
    ),
]

urlpatterns = [
    # Pages
    path("projects/<slug:slug>/", include(project_pages)),
    path("evaluations/compare/", views.evaluation_compare_page, name="evaluation-compare"),
    path("evaluations/<dbid:evaluation_id>/", include(evaluation_pages)),
    path(
        "sections/<dbid:section_id>/fluorescence-gt/",
        fluorescence_views.section_fluorescence_gt_page,
        name="section-fluorescence-gt",
    ),
    # REST
    path("api/projects/<slug:slug>/", include(project_api)),
    path("api/evaluations/<dbid:evaluation_id>/", include(evaluation_api)),
    path("api/sections/<dbid:section_id>/fluorescence-gt/", include(section_fluorescence_api)),
]
