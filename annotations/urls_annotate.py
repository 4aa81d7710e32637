"""Routes of annotating: pages and the REST API the annotator front end calls."""

from django.urls import include, path

from annotations.apis import annotation as api
from annotations.apis import annotation_mine as mine
from annotations.urls_parts import rest
from annotations.views import annotation as views

# Below api/sections/<id>/annotations/
section_api = [
    rest("mine/", mine.SectionMineApi, "api-annotation-mine"),
    rest("mine/reopen/", mine.SectionMineReopenApi, "api-annotation-mine-reopen"),
    rest("", api.SectionAnnotationsApi, "api-section-annotations"),
]

# Below api/annotations/<id>/
annotation_api = [
    rest("", api.AnnotationDetailApi, "api-annotation"),
    rest("revisions/", api.AnnotationRevisionsApi, "api-annotation-revisions"),
]

# Below api/projects/<slug>/
project_api = [
    rest("annotation-progress/", api.AnnotationProgressApi, "api-annotation-progress"),
    rest("annotate/next/", api.AnnotateNextApi, "api-annotate-next"),
    rest("annotate/sent-back/", api.SentBackApi, "api-annotate-sent-back"),
    rest("export/", api.ProjectExportApi, "api-project-export"),
]

urlpatterns = [
    # Pages
    path("projects/<slug:slug>/annotate/next/", views.annotate_next, name="annotate-next"),
    path("sections/<dbid:section_id>/annotate/", views.annotate, name="annotate"),
    path("projects/<slug:slug>/export/", views.export_page, name="project-export"),
    # API
    path("api/sections/<dbid:section_id>/annotations/", include(section_api)),
    path("api/annotations/<dbid:annotation_id>/", include(annotation_api)),
    path("api/projects/<slug:slug>/", include(project_api)),
]
