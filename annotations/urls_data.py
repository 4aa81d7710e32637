"""Routes for bringing data in and browsing it (pages and REST)."""

from django.urls import path

import annotations.converters  # noqa: F401  (registers the "dbid" path converter)
from annotations.apis import display as display_apis
from annotations.apis import groundtruth_import as groundtruth_apis
from annotations.apis import imports as import_apis
from annotations.apis import labels as label_apis
from annotations.apis import projects as project_apis
from annotations.apis import section_images as image_apis
from annotations.apis import specimens as specimen_apis
from annotations.views import imports as import_views
from annotations.views import labels as label_views
from annotations.views import projects as project_views
from annotations.views import specimens as specimen_views

urlpatterns = [
    # Pages
    path("", project_views.home, name="home"),
    path("projects/new/", label_views.project_new_page, name="project-new"),
    path("projects/<slug:slug>/", project_views.project_page, name="project"),
    path("projects/<slug:slug>/import/", import_views.import_page, name="project-import"),
    path(
        "projects/<slug:slug>/settings/",
        project_views.project_settings_page,
        name="project-settings",
    ),
    path(
        "projects/<slug:slug>/settings/labels/",
        label_views.label_add_page,
        name="project-label-add",
    ),
    path(
        "projects/<slug:slug>/settings/labels/<int:value>/",
        label_views.label_update_page,
        name="project-label-update",
    ),
    path(
        "projects/<slug:slug>/settings/labels/<int:value>/delete/",
        label_views.label_delete_page,
        name="project-label-delete",
    ),
    path(
        "projects/<slug:slug>/import/folder/",
        import_views.import_folder_page,
        name="project-import-folder",
    ),
    path("imports/<dbid:job_id>/", import_views.import_job_page, name="import-job"),
    path("specimens/<dbid:specimen_id>/", specimen_views.specimen_page, name="specimen"),
    # REST
    path("api/projects/", project_apis.ProjectListApi.as_view(), name="api-projects"),
    path("api/projects/<slug:slug>/", project_apis.ProjectDetailApi.as_view(), name="api-project"),
    path(
        "api/projects/<slug:slug>/labels/",
        label_apis.LabelSetApi.as_view(),
        name="api-project-labels",
    ),
    path(
        "api/projects/<slug:slug>/labels/<int:value>/",
        label_apis.LabelClassApi.as_view(),
        name="api-project-label",
    ),
    path(
        "api/projects/<slug:slug>/specimens/",
        specimen_apis.SpecimenListApi.as_view(),
        name="api-project-specimens",
    ),
    path(
        "api/projects/<slug:slug>/imports/",
        import_apis.ImportCreateApi.as_view(),
        name="api-project-imports",
    ),
    path(
        "api/projects/<slug:slug>/imports/batch/",
        import_apis.ImportBatchCreateApi.as_view(),
        name="api-project-imports-batch",
    ),
    path(
        "api/import-jobs/<dbid:job_id>/",
        import_apis.ImportJobDetailApi.as_view(),
        name="api-import-job",
    ),
    path(
        "api/specimens/<dbid:specimen_id>/",
        specimen_apis.SpecimenDetailApi.as_view(),
        name="api-specimen",
    ),
    path(
        "api/specimens/<dbid:specimen_id>/ground-truth/",
        groundtruth_apis.GroundTruthImportApi.as_view(),
        name="api-specimen-ground-truth",
    ),
    path(
        "api/volumes/<dbid:volume_id>/",
        specimen_apis.VolumeDetailApi.as_view(),
        name="api-volume",
    ),
    path(
        "api/volumes/<dbid:volume_id>/display/",
        display_apis.VolumeDisplayApi.as_view(),
        name="api-volume-display",
    ),
    path(
        "api/sections/<dbid:section_id>/",
        specimen_apis.SectionDetailApi.as_view(),
        name="api-section",
    ),
    path(
        "api/sections/<dbid:section_id>/image.png",
        image_apis.SectionImageApi.as_view(),
        name="api-section-image",
    ),
]
