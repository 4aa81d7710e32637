"""Routes of annotating: pages and the REST API the annotator front end calls."""

from django.urls import path

import annotations.converters  # noqa: F401  (registers the "dbid" path converter)
from annotations.apis import annotation as apis
from annotations.apis import annotation_mine
from annotations.views import annotation as views

urlpatterns = [
    # Pages
    path("projects/<slug:slug>/annotate/next/", views.annotate_next, name="annotate-next"),
    path("sections/<dbid:section_id>/annotate/", views.annotate, name="annotate"),
    path("projects/<slug:slug>/export/", views.export_page, name="project-export"),
    # API
    path(
        "api/sections/<dbid:section_id>/annotations/mine/",
        annotation_mine.SectionMineApi.as_view(),
        name="api-annotation-mine",
    ),
    path(
        "api/sections/<dbid:section_id>/annotations/mine/reopen/",
        annotation_mine.SectionMineReopenApi.as_view(),
        name="api-annotation-mine-reopen",
    ),
    path(
        "api/sections/<dbid:section_id>/annotations/",
        apis.SectionAnnotationsApi.as_view(),
        name="api-section-annotations",
    ),
    path(
        "api/annotations/<dbid:annotation_id>/",
        apis.AnnotationDetailApi.as_view(),
        name="api-annotation",
    ),
    path(
        "api/annotations/<dbid:annotation_id>/revisions/",
        apis.AnnotationRevisionsApi.as_view(),
        name="api-annotation-revisions",
    ),
    path(
        "api/projects/<slug:slug>/annotation-progress/",
        apis.AnnotationProgressApi.as_view(),
        name="api-annotation-progress",
    ),
    path(
        "api/projects/<slug:slug>/annotate/next/",
        apis.AnnotateNextApi.as_view(),
        name="api-annotate-next",
    ),
    path(
        "api/projects/<slug:slug>/annotate/sent-back/",
        apis.SentBackApi.as_view(),
        name="api-annotate-sent-back",
    ),
    path(
        "api/projects/<slug:slug>/export/",
        apis.ProjectExportApi.as_view(),
        name="api-project-export",
    ),
]
