"""Routes of training: pages and REST endpoints for jobs and model versions."""

from annotations.urls_parts import job_rest, page, rest, routes
from annotations.views.context import job_page
from inference.apis import isl as isl_api
from inference.apis import model_import, virtual_stain
from inference.apis import model_versions as versions
from inference.apis import training as api
from inference.views import isl as isl_views
from inference.views import model_exchange as model_views
from inference.views import training as views

ROUTES = {
    # Pages
    "projects/<slug:slug>/": {
        "training/": page(views.training_page, "training"),
        "training/isl/": page(isl_views.isl_launch_page, "isl-launch"),
        "models/": page(views.models_page, "models"),
        "models/compare/": page(views.model_compare_page, "model-compare"),
        "models/import/": page(model_views.model_import_page, "model-import"),
    },
    "training-jobs/<dbid:job_id>/": page(views.training_job_page, "training-job"),
    "model-imports/<dbid:job_id>/": page(job_page, "model-import-job", kind="model_import"),
    "model-versions/<dbid:version_id>/activate/": page(views.model_activate_page, "model-activate"),
    # REST
    "api/projects/<slug:slug>/": {
        "training-jobs/": rest(api.ProjectTrainingJobsApi, "api-training-jobs"),
        "isl-jobs/": rest(isl_api.ProjectIslJobsApi, "api-isl-jobs"),
        "training-estimate/": rest(api.TrainingEstimateApi, "api-training-estimate"),
        "model-versions/": rest(versions.ProjectModelVersionsApi, "api-model-versions"),
        "model-versions/compare/": rest(
            versions.ModelVersionCompareApi, "api-model-versions-compare"
        ),
        "model-versions/import/": rest(
            model_import.ProjectModelImportApi, "api-model-versions-import"
        ),
    },
    "api/training-jobs/<dbid:job_id>/": job_rest(
        api.TrainingJobDetailApi, api.TrainingJobCancelApi, "api-training-job"
    ),
    "api/model-imports/<dbid:job_id>/": job_rest(
        model_import.ModelImportDetailApi, model_import.ModelImportCancelApi, "api-model-import"
    ),
    "api/model-versions/<dbid:version_id>/": {
        "": rest(versions.ModelVersionDetailApi, "api-model-version"),
        "download/": rest(versions.ModelVersionDownloadApi, "api-model-version-download"),
        "bioimageio/": rest(versions.ModelVersionBioimageioApi, "api-model-version-bioimageio"),
        "activate/": rest(versions.ModelVersionActivateApi, "api-model-version-activate"),
    },
    "api/sections/<dbid:section_id>/virtual_stain.png": rest(
        virtual_stain.SectionVirtualStainApi, "api-section-virtual-stain"
    ),
}

urlpatterns = routes(ROUTES)
