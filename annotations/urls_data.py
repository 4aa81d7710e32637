"""Routes for bringing data in and browsing it (pages and REST)."""

from django.urls import path, register_converter

from annotations.apis import data as apis
from annotations.apis import imports as import_apis
from annotations.views import data as views
from annotations.views import imports as import_views


class DatabaseIdConverter:
    """A positive id that fits a 64-bit key, so an absurd id is a 404 rather than a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(DatabaseIdConverter, "dbid")

urlpatterns = [
    # Pages
    path("", views.home, name="home"),
    path("projects/<slug:slug>/", views.project_page, name="project"),
    path("projects/<slug:slug>/import/", import_views.import_page, name="project-import"),
    path("projects/<slug:slug>/settings/", views.project_settings_page, name="project-settings"),
    path("imports/<dbid:job_id>/", import_views.import_job_page, name="import-job"),
    path("specimens/<dbid:specimen_id>/", views.specimen_page, name="specimen"),
    # REST
    path("api/projects/", apis.ProjectListApi.as_view(), name="api-projects"),
    path("api/projects/<slug:slug>/", apis.ProjectDetailApi.as_view(), name="api-project"),
    path(
        "api/projects/<slug:slug>/specimens/",
        apis.SpecimenListApi.as_view(),
        name="api-project-specimens",
    ),
    path(
        "api/projects/<slug:slug>/imports/",
        import_apis.ImportCreateApi.as_view(),
        name="api-project-imports",
    ),
    path(
        "api/import-jobs/<dbid:job_id>/",
        import_apis.ImportJobDetailApi.as_view(),
        name="api-import-job",
    ),
    path(
        "api/specimens/<dbid:specimen_id>/", apis.SpecimenDetailApi.as_view(), name="api-specimen"
    ),
    path("api/volumes/<dbid:volume_id>/", apis.VolumeDetailApi.as_view(), name="api-volume"),
    path("api/sections/<dbid:section_id>/", apis.SectionDetailApi.as_view(), name="api-section"),
    path(
        "api/sections/<dbid:section_id>/image.png",
        apis.SectionImageApi.as_view(),
        name="api-section-image",
    ),
]
