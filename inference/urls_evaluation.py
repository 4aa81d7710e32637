"""Routes of evaluation: pages, downloads and REST endpoints; fluorescence ground truth."""

from django.urls import path

import annotations.urls_data  # noqa: F401  (registers the "dbid" path converter)
from inference.apis import evaluation as apis
from inference.apis import fluorescence as fluorescence_apis
from inference.apis import results as result_apis
from inference.views import evaluation as views
from inference.views import evaluation_downloads as downloads
from inference.views import fluorescence_gt as fluorescence_views

urlpatterns = [
    # Pages
    path("projects/<slug:slug>/evaluations/", views.evaluations_page, name="evaluations"),
    path("evaluations/compare/", views.evaluation_compare_page, name="evaluation-compare"),
    path("evaluations/<dbid:evaluation_id>/", views.evaluation_page, name="evaluation"),
    path(
        "evaluations/<dbid:evaluation_id>/gallery/",
        views.evaluation_gallery_page,
        name="evaluation-gallery",
    ),
    path(
        "evaluations/<dbid:evaluation_id>/report.html",
        downloads.evaluation_report_download,
        name="evaluation-report",
    ),
    path(
        "evaluations/<dbid:evaluation_id>/results.csv",
        downloads.evaluation_results_csv,
        name="evaluation-csv",
    ),
    path(
        "evaluations/<dbid:evaluation_id>/masks/<dbid:volume_id>.tif",
        downloads.evaluation_mask_download,
        name="evaluation-mask",
    ),
    path(
        "evaluations/<dbid:evaluation_id>/figures/<slug:name>.png",
        downloads.evaluation_figure,
        name="evaluation-figure",
    ),
    path(
        "projects/<slug:slug>/fluorescence-gt/",
        fluorescence_views.fluorescence_gt_page,
        name="fluorescence-gt",
    ),
    path(
        "sections/<dbid:section_id>/fluorescence-gt/",
        fluorescence_views.section_fluorescence_gt_page,
        name="section-fluorescence-gt",
    ),
    # REST
    path(
        "api/projects/<slug:slug>/evaluations/",
        apis.ProjectEvaluationsApi.as_view(),
        name="api-evaluations",
    ),
    path(
        "api/evaluations/<dbid:evaluation_id>/",
        apis.EvaluationDetailApi.as_view(),
        name="api-evaluation",
    ),
    path(
        "api/evaluations/<dbid:evaluation_id>/cancel/",
        apis.EvaluationCancelApi.as_view(),
        name="api-evaluation-cancel",
    ),
    path(
        "api/evaluations/<dbid:evaluation_id>/sections/",
        result_apis.EvaluationSectionsApi.as_view(),
        name="api-evaluation-sections",
    ),
    path(
        "api/evaluations/<dbid:evaluation_id>/sections/<dbid:section_id>/layer/<slug:layer>.png",
        result_apis.EvaluationLayerApi.as_view(),
        name="api-evaluation-layer",
    ),
    path(
        "api/projects/<slug:slug>/fluorescence-gt/",
        fluorescence_apis.ProjectFluorescenceGTApi.as_view(),
        name="api-fluorescence-gt",
    ),
    path(
        "api/sections/<dbid:section_id>/fluorescence-gt/",
        fluorescence_apis.SectionFluorescenceGTApi.as_view(),
        name="api-section-fluorescence-gt",
    ),
    path(
        "api/sections/<dbid:section_id>/fluorescence-gt/confirm/",
        fluorescence_apis.SectionFluorescenceGTConfirmApi.as_view(),
        name="api-section-fluorescence-gt-confirm",
    ),
]
