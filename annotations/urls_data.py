"""Routes for bringing data in and browsing it (pages and REST)."""

from django.urls import include, path

from annotations.apis import display, imports, labels, projects, specimens
from annotations.apis import groundtruth_import as groundtruth
from annotations.apis import section_images as images
from annotations.urls_parts import rest
from annotations.views import imports as import_views
from annotations.views import labels as label_views
from annotations.views import projects as project_views
from annotations.views import specimens as specimen_views

# Below projects/<slug>/settings/labels/
label_pages = [
    path("", label_views.label_add_page, name="project-label-add"),
    path("<int:value>/", label_views.label_update_page, name="project-label-update"),
    path("<int:value>/delete/", label_views.label_delete_page, name="project-label-delete"),
]

# Below projects/<slug>/
project_pages = [
    path("", project_views.project_page, name="project"),
    path("import/", import_views.import_page, name="project-import"),
    path("settings/", project_views.project_settings_page, name="project-settings"),
    path("settings/labels/", include(label_pages)),
    path("import/folder/", import_views.import_folder_page, name="project-import-folder"),
]

# Below api/projects/<slug>/
project_api = [
    rest("", projects.ProjectDetailApi, "api-project"),
    rest("labels/", labels.LabelSetApi, "api-project-labels"),
    rest("labels/<int:value>/", labels.LabelClassApi, "api-project-label"),
    rest("specimens/", specimens.SpecimenListApi, "api-project-specimens"),
    rest("imports/", imports.ImportCreateApi, "api-project-imports"),
    rest("imports/batch/", imports.ImportBatchCreateApi, "api-project-imports-batch"),
]

# Below api/specimens/<id>/
specimen_api = [
    rest("", specimens.SpecimenDetailApi, "api-specimen"),
    rest("ground-truth/", groundtruth.GroundTruthImportApi, "api-specimen-ground-truth"),
]

# Below api/volumes/<id>/
volume_api = [
    rest("", specimens.VolumeDetailApi, "api-volume"),
    rest("display/", display.VolumeDisplayApi, "api-volume-display"),
]

# Below api/sections/<id>/
section_api = [
    rest("", specimens.SectionDetailApi, "api-section"),
    rest("image.png", images.SectionImageApi, "api-section-image"),
]

urlpatterns = [
    # Pages ("projects/new/" first, before a project's slug could take it)
    path("", project_views.home, name="home"),
    path("projects/new/", label_views.project_new_page, name="project-new"),
    path("projects/<slug:slug>/", include(project_pages)),
    path("imports/<dbid:job_id>/", import_views.import_job_page, name="import-job"),
    path("specimens/<dbid:specimen_id>/", specimen_views.specimen_page, name="specimen"),
    # REST
    rest("api/projects/", projects.ProjectListApi, "api-projects"),
    path("api/projects/<slug:slug>/", include(project_api)),
    rest("api/import-jobs/<dbid:job_id>/", imports.ImportJobDetailApi, "api-import-job"),
    path("api/specimens/<dbid:specimen_id>/", include(specimen_api)),
    path("api/volumes/<dbid:volume_id>/", include(volume_api)),
    path("api/sections/<dbid:section_id>/", include(section_api)),
]
