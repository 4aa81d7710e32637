"""Routes of training: pages and REST endpoints for jobs and model versions."""

from django.urls import include, path

from annotations.urls_parts import job_rest, rest
from inference.apis import isl as isl_api
from inference.apis import model_versions as versions
from inference.apis import training as api
from inference.apis import virtual_stain
from inference.views import isl as isl_views
from inference.views import model_exchange as model_views
from inference.views import training as views

# Below projects/<slug>/
project_pages = [
    path("training/", views.training_page, name="training"),
    path("training/isl/", isl_views.isl_launch_page, name="isl-launch"),
    path("models/", views.models_page, name="models"),
    path("models/compare/", views.model_compare_page, name="model-compare"),
    path("models/import/", model_views.model_import_page, name="model-import"),
]

# Below api/projects/<slug>/
project_api = [
    rest("training-jobs/", api.ProjectTrainingJobsApi, "api-training-jobs"),
    rest("isl-jobs/", isl_api.ProjectIslJobsApi, "api-isl-jobs"),
    rest("training-estimate/", api.TrainingEstimateApi, "api-training-estimate"),
    rest("model-versions/", versions.ProjectModelVersionsApi, "api-model-versions"),
    rest("model-versions/compare/", versions.ModelVersionCompareApi, "api-model-versions-compare"),
    rest("model-versions/import/", versions.ProjectModelImportApi, "api-model-versions-import"),
]

# Below api/training-jobs/<id>/
job_api = job_rest(api.TrainingJobDetailApi, api.TrainingJobCancelApi, "api-training-job")

# Below api/model-versions/<id>/
version_api = [
    rest("", versions.ModelVersionDetailApi, "api-model-version"),
    rest("download/", versions.ModelVersionDownloadApi, "api-model-version-download"),
    rest("bioimageio/", versions.ModelVersionBioimageioApi, "api-model-version-bioimageio"),
    rest("activate/", versions.ModelVersionActivateApi, "api-model-version-activate"),
]

urlpatterns = [
    # Pages
    path("projects/<slug:slug>/", include(project_pages)),
    path("training-jobs/<dbid:job_id>/", views.training_job_page, name="training-job"),
    path(
        "model-versions/<dbid:version_id>/activate/",
        views.model_activate_page,
        name="model-activate",
    ),
    # REST
    path("api/projects/<slug:slug>/", include(project_api)),
    path("api/training-jobs/<dbid:job_id>/", include(job_api)),
    path("api/model-versions/<dbid:version_id>/", include(version_api)),
    rest(
        "api/sections/<dbid:section_id>/virtual_stain.png",
        virtual_stain.SectionVirtualStainApi,
        "api-section-virtual-stain",
    ),
]
