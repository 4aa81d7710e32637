"""Routes of cross-confirmation: review pages, the dashboard and their REST endpoints."""

from django.urls import include, path

from annotations.apis import review as api
from annotations.urls_parts import rest
from annotations.views import review as views

# Below projects/<slug>/
project_pages = [
    path("review/", views.review_queue_page, name="review-queue"),
    path("review/next/", views.review_next, name="review-next"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
]

# Below api/projects/<slug>/
project_api = [
    rest("review-queue/", api.ReviewQueueApi, "api-review-queue"),
    rest("dashboard/", api.DashboardApi, "api-dashboard"),
]

# Below api/sections/<id>/
section_api = [
    rest("agreement/", api.SectionAgreementApi, "api-section-agreement"),
    rest("consensus/", api.SectionConsensusApi, "api-section-consensus"),
    rest("ground-truth/", api.SectionGroundTruthApi, "api-section-ground-truth"),
    rest("audit/", api.SectionAuditApi, "api-section-audit"),
    rest("review/confirm/", api.ReviewConfirmApi, "api-review-confirm"),
    rest("review/send-back/", api.ReviewSendBackApi, "api-review-send-back"),
    rest("review/exclude/", api.ReviewExcludeApi, "api-review-exclude"),
]

urlpatterns = [
    path("projects/<slug:slug>/", include(project_pages)),
    path("sections/<dbid:section_id>/review/", views.review_page, name="review"),
    path("api/projects/<slug:slug>/", include(project_api)),
    path("api/sections/<dbid:section_id>/", include(section_api)),
]
