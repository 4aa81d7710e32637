"""Routes of training: pages and REST endpoints for jobs and model versions."""

from django.urls import path

import annotations.urls_data  # noqa: F401  (registers the "dbid" path converter)
from inference.apis import isl as isl_apis
from inference.apis import model_versions as version_apis
from inference.apis import training as apis
from inference.apis import virtual_stain as stain_apis
from inference.views import isl as isl_views
from inference.views import model_exchange as model_views
from inference.views import training as views

urlpatterns = [
    # Pages
    path("projects/<slug:slug>/training/", views.training_page, name="training"),
    path("projects/<slug:slug>/training/isl/", isl_views.isl_launch_page, name="isl-launch"),
    path("training-jobs/<dbid:job_id>/", views.training_job_page, name="training-job"),
    path("projects/<slug:slug>/models/", views.models_page, name="models"),
    path("projects/<slug:slug>/models/compare/", views.model_compare_page, name="model-compare"),
    path(
        "model-versions/<dbid:version_id>/activate/",
        views.model_activate_page,
        name="model-activate",
    ),
    path("projects/<slug:slug>/models/import/", model_views.model_import_page, name="model-import"),
    # REST
    path(
        "api/projects/<slug:slug>/training-jobs/",
        apis.ProjectTrainingJobsApi.as_view(),
        name="api-training-jobs",
    ),
    path(
        "api/projects/<slug:slug>/isl-jobs/",
        isl_apis.ProjectIslJobsApi.as_view(),
        name="api-isl-jobs",
    ),
    path(
        "api/sections/<dbid:section_id>/virtual_stain.png",
        stain_apis.SectionVirtualStainApi.as_view(),
        name="api-section-virtual-stain",
    ),
    path(
        "api/projects/<slug:slug>/training-estimate/",
        apis.TrainingEstimateApi.as_view(),
        name="api-training-estimate",
    ),
    path(
        "api/training-jobs/<dbid:job_id>/",
        apis.TrainingJobDetailApi.as_view(),
        name="api-training-job",
    ),
    path(
        "api/training-jobs/<dbid:job_id>/cancel/",
        apis.TrainingJobCancelApi.as_view(),
        name="api-training-job-cancel",
    ),
    path(
        "api/projects/<slug:slug>/model-versions/",
        version_apis.ProjectModelVersionsApi.as_view(),
        name="api-model-versions",
    ),
    path(
        "api/projects/<slug:slug>/model-versions/compare/",
        version_apis.ModelVersionCompareApi.as_view(),
        name="api-model-versions-compare",
    ),
    path(
        "api/model-versions/<dbid:version_id>/",
        version_apis.ModelVersionDetailApi.as_view(),
        name="api-model-version",
    ),
    path(
        "api/model-versions/<dbid:version_id>/download/",
        version_apis.ModelVersionDownloadApi.as_view(),
        name="api-model-version-download",
    ),
    path(
        "api/model-versions/<dbid:version_id>/bioimageio/",
        version_apis.ModelVersionBioimageioApi.as_view(),
        name="api-model-version-bioimageio",
    ),
    path(
        "api/projects/<slug:slug>/model-versions/import/",
        version_apis.ProjectModelImportApi.as_view(),
        name="api-model-versions-import",
    ),
    path(
        "api/model-versions/<dbid:version_id>/activate/",
        version_apis.ModelVersionActivateApi.as_view(),
        name="api-model-version-activate",
    ),
]
