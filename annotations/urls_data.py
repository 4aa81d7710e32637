"""Routes for bringing data in and browsing it (pages and REST)."""

from annotations.apis import display as display_api
from annotations.apis import groundtruth_import as groundtruth_api
from annotations.apis import imports as import_api
from annotations.apis import labels as label_api
from annotations.apis import members as member_api
from annotations.apis import projects as project_api
from annotations.apis import section_images as image_api
from annotations.apis import specimens as specimen_api
from annotations.urls_parts import page, rest, routes
from annotations.views import imports as import_views
from annotations.views import labels as label_views
from annotations.views import members as member_views
from annotations.views import projects as project_views
from annotations.views import specimens as specimen_views
from annotations.views.context import job_page

ROUTES = {
    # Pages ("projects/new/" first, before a project's slug could take it)
    "": page(project_views.home, "home"),
    "projects/new/": page(label_views.project_new_page, "project-new"),
    "projects/<slug:slug>/": {
        "": page(project_views.project_page, "project"),
        "import/": page(import_views.import_page, "project-import"),
        "settings/": page(project_views.project_settings_page, "project-settings"),
        "settings/labels/": {
            "": page(label_views.label_add_page, "project-label-add"),
            "<int:value>/": page(label_views.label_update_page, "project-label-update"),
            "<int:value>/delete/": page(label_views.label_delete_page, "project-label-delete"),
        },
        "settings/members/": {
            "": page(member_views.member_add_page, "project-member-add"),
            "<int:membership_id>/delete/": page(
                member_views.member_remove_page, "project-member-remove"
            ),
        },
        "import/folder/": page(import_views.import_folder_page, "project-import-folder"),
    },
    "imports/<dbid:job_id>/": page(job_page, "import-job", kind="import"),
    "specimens/<dbid:specimen_id>/": {
        "": page(specimen_views.specimen_page, "specimen"),
        "delete/": page(specimen_views.specimen_delete_page, "specimen-delete"),
    },
    # REST
    "api/projects/": rest(project_api.ProjectListApi, "api-projects"),
    "api/projects/<slug:slug>/": {
        "": rest(project_api.ProjectDetailApi, "api-project"),
        "labels/": rest(label_api.LabelSetApi, "api-project-labels"),
        "labels/<int:value>/": rest(label_api.LabelClassApi, "api-project-label"),
        "members/": rest(member_api.MemberListApi, "api-project-members"),
        "members/<int:membership_id>/": rest(member_api.MemberApi, "api-project-member"),
        "specimens/": rest(specimen_api.SpecimenListApi, "api-project-specimens"),
        "imports/": rest(import_api.ImportCreateApi, "api-project-imports"),
        "imports/batch/": rest(import_api.ImportBatchCreateApi, "api-project-imports-batch"),
    },
    "api/import-jobs/<dbid:job_id>/": {
        "": rest(import_api.ImportJobDetailApi, "api-import-job"),
        "cancel/": rest(import_api.ImportJobCancelApi, "api-import-job-cancel"),
    },
    "api/specimens/<dbid:specimen_id>/": {
        "": rest(specimen_api.SpecimenDetailApi, "api-specimen"),
        "ground-truth/": rest(groundtruth_api.GroundTruthImportApi, "api-specimen-ground-truth"),
    },
    "api/volumes/<dbid:volume_id>/": {
        "": rest(specimen_api.VolumeDetailApi, "api-volume"),
        "display/": rest(display_api.VolumeDisplayApi, "api-volume-display"),
    },
    "api/sections/<dbid:section_id>/": {
        "": rest(specimen_api.SectionDetailApi, "api-section"),
        "image.png": rest(image_api.SectionImageApi, "api-section-image"),
    },
}

urlpatterns = routes(ROUTES)
