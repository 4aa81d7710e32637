"""Routes of annotating: pages and the REST API the annotator front end calls."""

from annotations.apis import annotation as api
from annotations.apis import annotation_mine as mine
from annotations.urls_parts import page, rest, routes
from annotations.views import annotation as views

ROUTES = {
    # Pages
    "projects/<slug:slug>/annotate/next/": page(views.annotate_next, "annotate-next"),
    "sections/<dbid:section_id>/annotate/": page(views.annotate, "annotate"),
    "projects/<slug:slug>/export/": page(views.export_page, "project-export"),
    # API
    "api/sections/<dbid:section_id>/annotations/": {
        "mine/": rest(mine.SectionMineApi, "api-annotation-mine"),
        "mine/reopen/": rest(mine.SectionMineReopenApi, "api-annotation-mine-reopen"),
        "": rest(api.SectionAnnotationsApi, "api-section-annotations"),
    },
    "api/annotations/<dbid:annotation_id>/": {
        "": rest(api.AnnotationDetailApi, "api-annotation"),
        "revisions/": rest(api.AnnotationRevisionsApi, "api-annotation-revisions"),
    },
    "api/projects/<slug:slug>/": {
        "annotation-progress/": rest(api.AnnotationProgressApi, "api-annotation-progress"),
        "annotate/next/": rest(api.AnnotateNextApi, "api-annotate-next"),
        "annotate/sent-back/": rest(api.SentBackApi, "api-annotate-sent-back"),
        "export/": rest(api.ProjectExportApi, "api-project-export"),
    },
}

urlpatterns = routes(ROUTES)
